import type { CircuitStateName } from "../aicore/upstreamPolicy";
import { callbackHost } from "../deliveries/catalogCallbacks";
import { isStale, staleAfterMs } from "../deployments/staleness";
import type { UpstreamFailure } from "../scoring/upstreamFailures";
import type { Relay } from "./relay";
import type { RelayFeatures } from "./relayFeatures";

export interface ModelStatus {
  name: string;
  resourceGroup: string;
  scenarioId: string;
  executableId: string;
  deploymentId: string | null;
  status: string | null;
  targetStatus: string | null;
  statusMessage: string | null;
  /** null while the relay holds no record of the model yet. */
  usable: boolean | null;
  reason: string;
  refreshedAt: string | null;
  ageSeconds: number | null;
  stale: boolean;
  deletesAt: string | null;
  lastRefreshError: string | null;
  /** This instance's last failed call to the deployment's model server. */
  lastUpstreamFailure: UpstreamFailure | null;
  /** This instance's circuit of the deployment; null before its first call. */
  circuit: CircuitStateName | null;
}

export interface RelayStatus {
  generatedAt: string;
  refreshSchedule: string;
  staleAfterSeconds: number;
  storage: { reachable: boolean; lastError: string | null };
  models: ModelStatus[];
  sources: ReturnType<RelayFeatures["webhooks"]["describeSources"]>;
  events: {
    name: string;
    model: string;
    settingsSet: boolean;
    unsetSettings: readonly string[];
    callbackHost: string | null;
  }[];
}

/** What an operator wants at a glance: every model's deployment and why it serves or not, every entry point. */
export async function relayStatus(
  relay: Relay,
  features: Pick<RelayFeatures, "webhooks" | "events">,
  now = new Date(),
): Promise<RelayStatus> {
  const staleAfter = staleAfterMs(relay.settings.refreshSchedule);
  const models: ModelStatus[] = [];
  for (const model of relay.catalog.models.values()) {
    const read = await relay.records.get(model.name);
    const record = read.record;
    const upstream = record?.deploymentId ? relay.scorer.upstreamState(record.deploymentId) : undefined;
    models.push({
      name: model.name,
      resourceGroup: model.resourceGroup,
      scenarioId: model.scenarioId,
      executableId: model.executableId,
      deploymentId: record?.deploymentId ?? null,
      status: record?.status ?? null,
      targetStatus: record?.targetStatus ?? null,
      statusMessage: record?.statusMessage ?? null,
      usable: record ? record.usable : null,
      reason: record?.reason ?? "no record yet: the refresh timer has not run, or storage holds none",
      refreshedAt: record?.refreshedAt ?? null,
      ageSeconds: record
        ? Math.max(0, Math.round((now.getTime() - Date.parse(record.refreshedAt)) / 1000))
        : null,
      stale: isStale(read, now.getTime(), staleAfter),
      deletesAt: record?.deletesAt ?? null,
      lastRefreshError: record?.lastError ?? null,
      lastUpstreamFailure: upstream?.lastFailure ?? null,
      circuit: upstream?.circuit ?? null,
    });
  }
  const storageError = relay.records.lastStorageError;
  return {
    generatedAt: now.toISOString(),
    refreshSchedule: relay.settings.refreshSchedule,
    staleAfterSeconds: Math.round(staleAfter / 1000),
    storage: { reachable: storageError === undefined, lastError: storageError?.message ?? null },
    models,
    sources: features.webhooks.describeSources(),
    events: [...features.events.values()].map((entry) => ({
      name: entry.name,
      model: entry.model.name,
      settingsSet: entry.unsetSettings.length === 0,
      unsetSettings: entry.unsetSettings,
      callbackHost: callbackHost(entry),
    })),
  };
}
