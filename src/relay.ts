import { DeploymentsApi } from "./aicore/deploymentsApi";
import { createHttpClient } from "./aicore/httpClient";
import { PredictClient } from "./aicore/predictClient";
import { PreparedRequests } from "./aicore/preparedRequests";
import { TokenProvider } from "./aicore/tokenProvider";
import { UpstreamPolicy, type UpstreamPolicyOptions } from "./aicore/upstreamPolicy";
import { findAppRoot } from "./appRoot";
import { EVENTS_ENTRY, warnRefusedCallbacks } from "./callbacks/catalogCallbacks";
import { type Catalog, loadCatalog } from "./config/catalog";
import { ConfigError } from "./config/configError";
import { aiApiBaseUrl, clientCredentials } from "./config/serviceKey";
import { loadSettings, type Settings } from "./config/settings";
import { CachedRecords } from "./deployments/cachedRecords";
import { DeploymentRefresher } from "./deployments/deploymentRefresher";
import type { RecordStore } from "./deployments/recordStore";
import { TableRecordStore } from "./deployments/tableRecordStore";
import { parseEventEntries } from "./events/eventCatalog";
import { configureEventEntries, type EventEntry } from "./events/eventEntries";
import { EventIntake } from "./events/eventIntake";
import { createJobs, type Jobs } from "./jobs/createJobs";
import { loadJobSettings } from "./jobs/jobSettings";
import type { Logger } from "./logger";
import { Scorer } from "./scoring/scorer";
import { createWebhooks } from "./webhooks/createWebhooks";
import type { DeliveryStore } from "./webhooks/deliveryStore";
import type { WebhookReceiver } from "./webhooks/webhookReceiver";

/** Everything a function needs, built once per instance from settings and catalog. */
export interface Relay {
  settings: Settings;
  catalog: Catalog;
  tokens: TokenProvider;
  records: CachedRecords;
  refresher: DeploymentRefresher;
  scorer: Scorer;
  webhooks: WebhookReceiver;
  /** The catalog's events entries, with their enrichment clients. */
  events: ReadonlyMap<string, EventEntry>;
  jobs: Jobs;
  /** `POST /api/events/{name}`: events in, scoring jobs out. */
  eventIntake: EventIntake;
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

/** Retry shape shared by every upstream: 3 retries, 100 ms exponential backoff with jitter, Retry-After up to 10 s. */
const RETRY = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 2_000, retryAfterCapMs: 10_000 };

export function createRelay(settings: Settings, catalog: Catalog, options: RelayOptions): Relay {
  const maxBytes = settings.maxUpstreamBytes;
  const management = createHttpClient({ timeoutMs: settings.aiCoreTimeoutMs, maxSockets: 8, maxBytes });
  const inference = new PreparedRequests(
    createHttpClient({ timeoutMs: settings.predictTimeoutMs, maxSockets: 128, maxBytes }),
    "post",
  );
  const managementPolicy = new UpstreamPolicy("AI Core API", {
    ...RETRY,
    deadlineMs: settings.requestDeadlineMs,
  });
  // No deadline of its own: the Scorer gives each request one REQUEST_DEADLINE_MS for all of its calls.
  const predictPolicy = new UpstreamPolicy("model server", {
    ...RETRY,
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
    bulkhead: { limit: settings.maxConcurrentUpstream, queue: settings.maxConcurrentUpstream * 4 },
    ...options.predictPolicy,
  });
  const tokens = new TokenProvider(clientCredentials(settings.serviceKey), management, {
    policy: managementPolicy,
  });
  const api = new DeploymentsApi(
    management,
    tokens,
    aiApiBaseUrl(settings.serviceKey),
    undefined,
    managementPolicy,
  );
  const records = new CachedRecords(
    options.store ?? new TableRecordStore(settings.storage, { timeoutMs: settings.storageTimeoutMs }),
    options.recordTtlMs ?? 5_000,
  );
  const refresher = new DeploymentRefresher(catalog, api, records);
  const scorer = new Scorer(
    catalog,
    records,
    refresher,
    new PredictClient(inference, tokens),
    predictPolicy,
    { requestDeadlineMs: settings.requestDeadlineMs, maxUpstreamBytes: settings.maxUpstreamBytes },
  );
  const events = configureEventEntries(
    parseEventEntries(catalog),
    options.env ?? process.env,
    options.logger,
    {
      timeoutMs: settings.enrichTimeoutMs,
      policy: {
        ...RETRY,
        deadlineMs: settings.requestDeadlineMs,
        breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
      },
      maxBytes: settings.maxBodyBytes,
    },
  );
  const env = options.env ?? process.env;
  const jobs = createJobs({
    settings: loadJobSettings(env, findAppRoot()),
    storage: settings.storage,
    storageTimeoutMs: settings.storageTimeoutMs,
    scorer,
    env,
    events,
  });
  const webhooks = createWebhooks({
    catalog,
    scorer,
    storage: settings.storage,
    storageTimeoutMs: settings.storageTimeoutMs,
    requestDeadlineMs: settings.requestDeadlineMs,
    env: options.env ?? process.env,
    logger: options.logger,
    store: options.deliveryStore,
    jobs: { admit: (url) => jobs.callbacks.admit(url), submit: (job, logger) => jobs.submit(job, logger) },
  });
  warnRefusedCallbacks(EVENTS_ENTRY, events.values(), jobs.callbacks, options.logger);
  const eventIntake = new EventIntake(events, jobs);
  return { settings, catalog, tokens, records, refresher, scorer, webhooks, events, jobs, eventIntake };
}

let shared: Relay | ConfigError | undefined;

/**
 * The relay of this process, built from the environment on first use (never at import: an error while the
 * worker loads the function files would unregister every function). A wrong setting throws the same one-line
 * ConfigError on every call; `logger` receives the warnings of the build (the first invocation's context).
 */
export function relayFromEnvironment(
  logger: Pick<Logger, "warn">,
  env: NodeJS.ProcessEnv = process.env,
): Relay {
  if (shared === undefined) {
    try {
      const settings = loadSettings(env, findAppRoot());
      shared = createRelay(settings, loadCatalog(settings.modelCatalogPath, settings.resourceGroup), {
        env,
        logger,
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      shared = error;
    }
  }
  if (shared instanceof ConfigError) throw shared;
  return shared;
}

/** Checks every setting and the catalog the way the first invocation will (the launcher's fail-fast check). */
export function checkRelaySettings(env: NodeJS.ProcessEnv, appRoot: string = findAppRoot()): void {
  const settings = loadSettings(env, appRoot);
  createRelay(settings, loadCatalog(settings.modelCatalogPath, settings.resourceGroup), {
    env,
    logger: { warn: () => undefined },
  });
}
