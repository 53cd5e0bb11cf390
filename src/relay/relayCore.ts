import type { TokenProvider } from "../aicore/tokenProvider";
import type { UpstreamPolicyOptions } from "../aicore/upstreamPolicy";
import type { Catalog } from "../config/catalog";
import type { Settings } from "../config/settings";
import type { CachedRecords } from "../deployments/cachedRecords";
import type { DeploymentRefresher } from "../deployments/deploymentRefresher";
import type { RecordStore } from "../deployments/recordStore";
import type { DeliveryStore } from "../producers/webhooks/deliveryStore";
import type { Scorer } from "../scoring/scorer";
import type { Logger } from "../shared/logger";

/** What a prediction needs, built at once: the part of the relay that webhooks, events and jobs are built on. */
export interface RelayCore {
  settings: Settings;
  catalog: Catalog;
  tokens: TokenProvider;
  records: CachedRecords;
  refresher: DeploymentRefresher;
  scorer: Scorer;
}

export interface RelayOptions {
  store?: RecordStore;
  recordTtlMs?: number;
  /** Overrides of the predict policy (tests shorten the breaker's pause and the backoff). */
  predictPolicy?: Partial<UpstreamPolicyOptions>;
  /** Where webhook secret settings and WEBHOOK_DEDUP_TTL_HOURS are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  deliveryStore?: DeliveryStore;
  /** Start-up warnings (a webhook source whose secret is unset): the context of the invocation that builds it. */
  logger: Pick<Logger, "warn">;
}
