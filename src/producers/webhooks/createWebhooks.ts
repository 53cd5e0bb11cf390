import type { Catalog } from "../../config/catalog";
import { ConfigError } from "../../config/configError";
import type { StorageConnection } from "../../config/storageConnection";
import { WEBHOOK_SOURCE, warnRefusedCallbacks } from "../../deliveries/catalogCallbacks";
import type { Scorer } from "../../scoring/scorer";
import type { Logger } from "../../shared/logger";
import { loadDedupSettings } from "./dedupSettings";
import type { DeliveryStore } from "./deliveryStore";
import { parseSources } from "./sourceCatalog";
import { DELIVERY_ABANDON_AFTER_MS, TableDeliveryStore } from "./tableDeliveryStore";
import { type WebhookJobs, WebhookReceiver } from "./webhookReceiver";
import { configureSources } from "./webhookSources";

export interface WebhooksOptions {
  catalog: Catalog;
  scorer: Pick<Scorer, "score">;
  storage: StorageConnection;
  /** Budget of each delivery-record operation (STORAGE_TIMEOUT_MS). */
  storageTimeoutMs: number;
  /** The relay's AI Core instance (AI_API_URL): delivery records of relays sharing a storage account kept apart. */
  recordScope?: string;
  /** REQUEST_DEADLINE_MS: how long scoring a delivery may take. */
  requestDeadlineMs: number;
  /** Where secret settings and `WEBHOOK_DEDUP_TTL_HOURS` are read. */
  env: NodeJS.ProcessEnv;
  logger: Pick<Logger, "warn">;
  store?: DeliveryStore;
  /** For sources with a callback: their deliveries become scoring jobs. */
  jobs?: WebhookJobs;
}

/** The webhook receiver of this instance: sources parsed and secrets read once, at start. */
export function createWebhooks(options: WebhooksOptions): WebhookReceiver {
  requireDeadlineInsideClaim(options.requestDeadlineMs, options.storageTimeoutMs);
  const sources = configureSources(parseSources(options.catalog), options.env, options.logger);
  const { ttlMs } = loadDedupSettings(options.env);
  const store =
    options.store ??
    new TableDeliveryStore(options.storage, {
      ttlMs,
      timeoutMs: options.storageTimeoutMs,
      scope: options.recordScope,
    });
  warnRefusedCallbacks(WEBHOOK_SOURCE, sources.values(), options.jobs, options.logger);
  return new WebhookReceiver(sources, store, options.scorer, undefined, options.jobs);
}

/**
 * A claim held longer than DELIVERY_ABANDON_AFTER_MS is taken over by the sender's next copy, which would then be
 * scored twice. So claim, scoring (REQUEST_DEADLINE_MS) and recording (a storage operation each) must end before.
 */
export function requireDeadlineInsideClaim(requestDeadlineMs: number, storageTimeoutMs: number): void {
  const held = requestDeadlineMs + 2 * storageTimeoutMs;
  if (held >= DELIVERY_ABANDON_AFTER_MS) {
    throw new ConfigError(
      `REQUEST_DEADLINE_MS (${requestDeadlineMs}) plus twice STORAGE_TIMEOUT_MS (${storageTimeoutMs}) must be shorter than the ${DELIVERY_ABANDON_AFTER_MS / 60_000}-minute takeover of a webhook delivery's claim`,
    );
  }
}
