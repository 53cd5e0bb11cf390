import type { Catalog } from "../config/catalog";
import type { StorageConnection } from "../config/storageConnection";
import type { Logger } from "../logger";
import type { Scorer } from "../scoring/scorer";
import { loadDedupSettings } from "./dedupSettings";
import type { DeliveryStore } from "./deliveryStore";
import { parseSources } from "./sourceCatalog";
import { TableDeliveryStore } from "./tableDeliveryStore";
import { WebhookReceiver } from "./webhookReceiver";
import { configureSources } from "./webhookSources";

export interface WebhooksOptions {
  catalog: Catalog;
  scorer: Pick<Scorer, "score">;
  storage: StorageConnection;
  /** Budget of each delivery-record operation (STORAGE_TIMEOUT_MS). */
  storageTimeoutMs: number;
  /** Where secret settings and `WEBHOOK_DEDUP_TTL_HOURS` are read. */
  env: NodeJS.ProcessEnv;
  logger: Pick<Logger, "warn">;
  store?: DeliveryStore;
}

/** The webhook receiver of this instance: sources parsed and secrets read once, at start. */
export function createWebhooks(options: WebhooksOptions): WebhookReceiver {
  const sources = configureSources(parseSources(options.catalog), options.env, options.logger);
  const { ttlMs } = loadDedupSettings(options.env);
  const store =
    options.store ?? new TableDeliveryStore(options.storage, { ttlMs, timeoutMs: options.storageTimeoutMs });
  return new WebhookReceiver(sources, store, options.scorer);
}
