import type { AiDeployment } from "../aicore/deploymentSchema";
import type { ModelDefinition } from "../config/catalog";
import type { Selection } from "./selection";
import { assessUsability } from "./usability";

const DEAD_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** What the relay knows of a model's current deployment: one per model, in Table storage and memory. */
export interface DeploymentRecord {
  model: string;
  resourceGroup: string;
  scenarioId: string;
  executableId: string;
  deploymentId: string | null;
  deploymentUrl: string | null;
  status: string | null;
  targetStatus: string | null;
  statusMessage: string | null;
  lastOperation: string | null;
  configurationId: string | null;
  latestRunningConfigurationId: string | null;
  usable: boolean;
  reason: string;
  /** Time of the last successful refresh from AI Core. */
  refreshedAt: string;
  /** For DEAD deployments: when AI Core deletes them (completionTime + 7 days). */
  deletesAt: string | null;
  /** Set when the latest refresh failed; the rest of the record is from `refreshedAt`. */
  lastError: string | null;
  lastAttemptAt: string | null;
}

function deletesAt(deployment: AiDeployment): string | null {
  if (deployment.status !== "DEAD" || !deployment.completionTime) return null;
  const completed = Date.parse(deployment.completionTime);
  return Number.isNaN(completed) ? null : new Date(completed + DEAD_RETENTION_MS).toISOString();
}

export function recordFromSelection(
  model: ModelDefinition,
  selection: Selection,
  now: Date,
): DeploymentRecord {
  const d = selection.deployment;
  const usability = d
    ? assessUsability(d)
    : {
        usable: false,
        reason: `no deployment of scenario ${model.scenarioId} / executable ${model.executableId} in resource group ${model.resourceGroup}`,
      };
  return {
    model: model.name,
    resourceGroup: model.resourceGroup,
    scenarioId: model.scenarioId,
    executableId: model.executableId,
    deploymentId: d?.id ?? null,
    deploymentUrl: d?.deploymentUrl ?? null,
    status: d?.status ?? null,
    targetStatus: d?.targetStatus ?? null,
    statusMessage: d?.statusMessage ?? null,
    lastOperation: d?.lastOperation ?? null,
    configurationId: d?.configurationId ?? null,
    latestRunningConfigurationId: d?.latestRunningConfigurationId ?? null,
    usable: usability.usable,
    reason: usability.reason,
    refreshedAt: now.toISOString(),
    deletesAt: d ? deletesAt(d) : null,
    lastError: null,
    lastAttemptAt: now.toISOString(),
  };
}

/** A one-line description of a change worth logging (deployment or status), or undefined when none. */
export function describeChange(
  previous: DeploymentRecord | undefined,
  next: DeploymentRecord,
): string | undefined {
  const state = (r: DeploymentRecord | undefined) =>
    r?.deploymentId ? `${r.deploymentId} ${r.status ?? "?"}/${r.targetStatus ?? "?"}` : "none";
  const before = state(previous);
  const after = state(next);
  if (before === after && previous?.usable === next.usable) return undefined;
  return `model ${next.model}: deployment ${before} -> ${after} (${next.usable ? "usable" : "not usable"}: ${next.reason})`;
}
