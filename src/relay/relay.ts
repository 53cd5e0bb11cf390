import { DeploymentsApi } from "../aicore/deploymentsApi";
import { createHttpClient } from "../aicore/httpClient";
import { PredictClient } from "../aicore/predictClient";
import { PreparedRequests } from "../aicore/preparedRequests";
import { TokenProvider } from "../aicore/tokenProvider";
import { UpstreamPolicy } from "../aicore/upstreamPolicy";
import { type Catalog, loadCatalog } from "../config/catalog";
import { ConfigError } from "../config/configError";
import { aiApiBaseUrl, clientCredentials } from "../config/serviceKey";
import { loadSettings, type Settings } from "../config/settings";
import { storageConfigurationErrors } from "../config/storageConnection";
import { CachedRecords } from "../deployments/cachedRecords";
import { DeploymentRefresher } from "../deployments/deploymentRefresher";
import { TableRecordStore } from "../deployments/tableRecordStore";
import { Scorer } from "../scoring/scorer";
import { findAppRoot } from "../shared/appRoot";
import type { Logger } from "../shared/logger";
import { RETRY } from "../shared/retryShape";
import type { RelayCore, RelayOptions } from "./relayCore";
import type { RelayFeatures } from "./relayFeatures";

/**
 * Everything a function needs, built once per instance from settings and catalog. What a prediction needs is built
 * at once; webhooks, events and jobs on first use, from a module of their own (`features()`), so that a prediction
 * (the cold start that matters) neither loads nor builds them.
 */
export interface Relay extends RelayCore {
  /**
   * Webhooks, events entries and jobs, built on the first call (concurrent calls share it). A configuration error of
   * theirs (a webhook secret, a CALLBACK_* or JOB_* setting) rejects every call with the same ConfigError: the
   * functions that need them answer 503, predictions are not affected. `logger` (the invocation that builds them)
   * receives the warnings of the build; by default the relay's own.
   */
  features(logger?: Pick<Logger, "warn">): Promise<RelayFeatures>;
}

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
    options.store ??
      new TableRecordStore(settings.storage, {
        timeoutMs: settings.storageTimeoutMs,
        // Records per AI Core instance, resource group and scenario/executable: never another relay's.
        aiApiUrl: aiApiBaseUrl(settings.serviceKey),
        scopeOf: (model) => catalog.models.get(model),
      }),
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
  const core = { settings, catalog, tokens, records, refresher, scorer };
  let features: Promise<RelayFeatures> | undefined;
  return {
    ...core,
    features: (logger = options.logger) => {
      features ??= import("./relayFeatures.js")
        .then((module) => module.createRelayFeatures(core, { ...options, logger }))
        .catch((error: unknown) => {
          // A wrong setting stays wrong until the instance restarts; anything else (a failed load) is tried again.
          if (!(error instanceof ConfigError)) features = undefined;
          throw error;
        });
      return features;
    },
  };
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

/** Checks every setting and the catalog the way the first invocations will (the launcher's fail-fast check). */
export async function checkRelaySettings(
  env: NodeJS.ProcessEnv,
  appRoot: string = findAppRoot(),
): Promise<void> {
  const settings = loadSettings(env, appRoot);
  // The host would not index the queue functions (and would log it among its own lines): say it before starting.
  const [missing] = storageConfigurationErrors(settings.storage);
  if (missing) throw missing;
  await createRelay(settings, loadCatalog(settings.modelCatalogPath, settings.resourceGroup), {
    env,
    logger: { warn: () => undefined },
  }).features();
}
