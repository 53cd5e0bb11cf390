import { DeploymentsApi } from "./aicore/deploymentsApi";
import { createHttpClient } from "./aicore/httpClient";
import { PredictClient } from "./aicore/predictClient";
import { TokenProvider } from "./aicore/tokenProvider";
import { findAppRoot } from "./appRoot";
import { type Catalog, loadCatalog } from "./config/catalog";
import { aiApiBaseUrl } from "./config/serviceKey";
import { loadSettings, type Settings } from "./config/settings";
import { CachedRecords } from "./deployments/cachedRecords";
import { DeploymentRefresher } from "./deployments/deploymentRefresher";
import type { RecordStore } from "./deployments/recordStore";
import { TableRecordStore } from "./deployments/tableRecordStore";
import { Scorer } from "./scoring/scorer";

/** Everything a function needs, built once per instance from settings and catalog. */
export interface Relay {
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
  predictTimeoutMs?: number;
  managementTimeoutMs?: number;
}

export function createRelay(settings: Settings, catalog: Catalog, options: RelayOptions = {}): Relay {
  const management = createHttpClient({ timeoutMs: options.managementTimeoutMs ?? 10_000, maxSockets: 8 });
  const inference = createHttpClient({ timeoutMs: options.predictTimeoutMs ?? 30_000, maxSockets: 128 });
  const tokens = new TokenProvider(settings.serviceKey, management);
  const api = new DeploymentsApi(management, tokens, aiApiBaseUrl(settings.serviceKey));
  const records = new CachedRecords(
    options.store ?? new TableRecordStore(settings.storageConnectionString),
    options.recordTtlMs ?? 5_000,
  );
  const refresher = new DeploymentRefresher(catalog, api, records);
  const scorer = new Scorer(catalog, records, refresher, new PredictClient(inference, tokens));
  return { settings, catalog, tokens, records, refresher, scorer };
}

let shared: Relay | undefined;

/** The relay of this process, from the environment; a wrong setting throws a one-line ConfigError. */
export function relayFromEnvironment(env: NodeJS.ProcessEnv = process.env): Relay {
  if (!shared) {
    const settings = loadSettings(env, findAppRoot());
    shared = createRelay(settings, loadCatalog(settings.modelCatalogPath, settings.resourceGroup));
  }
  return shared;
}
