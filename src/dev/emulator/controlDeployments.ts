import { randomBytes } from "node:crypto";
import { type Deployment, deploymentUrlFor, ID_PATTERN } from "./deployment";
import type { DeploymentLifecycle } from "./deploymentLifecycle";
import type { DeploymentStore } from "./deploymentStore";
import { DEFAULT_RESOURCE_GROUP } from "./seededState";

export type ControlOutcome<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

/** A deployment as the control API shows it: the AI API view plus the resource group it lives in. */
export type ControlDeployment = Deployment & { resourceGroup: string };

const randomId = (prefix: string): string => `${prefix}${randomBytes(8).toString("hex").slice(0, 15)}`;
const FINISHED_STATUSES = new Set(["STOPPING", "STOPPED"]);

function isUsableId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 128 && !/[/?#]/.test(value);
}

/** Merge-patch semantics: `null` removes a field, anything else replaces it. */
function merge(target: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value === null) delete target[name];
    else target[name] = value;
  }
}

/**
 * Statuses that end a deployment: the move to one stamps completionTime (unless the caller gives it); for DEAD
 * that is what AI Core's deletion 7 days later counts from (the relay's `deletesAt`).
 */
const COMPLETED_STATUSES = new Set(["DEAD", "STOPPED", "COMPLETED"]);

/**
 * `POST /__emulator/deployments`: scenarioId and executableId required. Without a status it starts as a real
 * deployment does (UNKNOWN, PENDING, then RUNNING with its URL after the start delay, or DEAD when its
 * configuration cannot start); with one it is taken as is, with its URL. Any other field given is taken as is.
 * Its configuration is registered in the resource group when new.
 */
export function createDeployment(
  store: DeploymentStore,
  lifecycle: DeploymentLifecycle,
  baseUrl: string,
  fields: Record<string, unknown>,
): ControlOutcome<ControlDeployment> {
  const { resourceGroup = DEFAULT_RESOURCE_GROUP, ...rest } = fields;
  if (typeof rest.scenarioId !== "string" || typeof rest.executableId !== "string") {
    return { ok: false, status: 400, message: "scenarioId and executableId (strings) are required" };
  }
  if (typeof resourceGroup !== "string" || !store.hasResourceGroup(resourceGroup)) {
    return {
      ok: false,
      status: 400,
      message: `Unknown resource group ${String(resourceGroup)}; add it with POST /__emulator/resource-groups`,
    };
  }
  const id = rest.id ?? randomId("d");
  if (!isUsableId(id))
    return { ok: false, status: 400, message: "id must be a non-empty string without / ? #" };
  if (store.find(id) !== undefined)
    return { ok: false, status: 409, message: `Deployment ${id} exists already` };

  const now = store.timestamp();
  const given = typeof rest.status === "string" ? rest.status : undefined;
  const status = given ?? "UNKNOWN";
  const deployment: Deployment = {
    id,
    deploymentUrl: given === undefined ? "" : deploymentUrlFor(baseUrl, id),
    configurationId: randomId("c"),
    configurationName: `${rest.scenarioId}-config`,
    status,
    targetStatus: FINISHED_STATUSES.has(status) ? "STOPPED" : "RUNNING",
    lastOperation: "CREATE",
    createdAt: now,
    modifiedAt: now,
    submissionTime: now,
    ...(status === "RUNNING" ? { startTime: now } : {}),
    ...(COMPLETED_STATUSES.has(status) ? { completionTime: now } : {}),
  };
  merge(deployment, rest);
  if (store.configuration(resourceGroup, deployment.configurationId) === undefined) {
    store.addConfiguration(resourceGroup, {
      id: deployment.configurationId,
      scenarioId: rest.scenarioId,
      executableId: rest.executableId,
    });
  }
  if (status === "RUNNING") deployment.latestRunningConfigurationId ??= deployment.configurationId;
  store.add(resourceGroup, deployment);
  if (given === undefined) lifecycle.start(deployment, resourceGroup);
  return { ok: true, value: { ...deployment, resourceGroup } };
}

/**
 * `POST /__emulator/configurations`: `{"id", "resourceGroup"?, "scenarioId"?, "executableId"?, "failure"?}`
 * registers a configuration deployments can be created with or patched to; with `failure` (a status message),
 * a deployment of it ends DEAD instead of RUNNING.
 */
export function createConfiguration(
  store: DeploymentStore,
  fields: Record<string, unknown>,
): ControlOutcome<Record<string, unknown>> {
  const { id, resourceGroup = DEFAULT_RESOURCE_GROUP, scenarioId, executableId, failure } = fields;
  if (typeof id !== "string" || !ID_PATTERN.test(id)) {
    return { ok: false, status: 400, message: "id must match ^[\\w.-]{4,64}$" };
  }
  if (typeof resourceGroup !== "string" || !store.hasResourceGroup(resourceGroup)) {
    return { ok: false, status: 400, message: `Unknown resource group ${String(resourceGroup)}` };
  }
  const optionalString = (value: unknown) => (typeof value === "string" ? value : undefined);
  if (failure !== undefined && typeof failure !== "string") {
    return { ok: false, status: 400, message: "failure must be a status message (string)" };
  }
  const configuration = {
    id,
    scenarioId: optionalString(scenarioId),
    executableId: optionalString(executableId),
    failure: optionalString(failure),
  };
  store.addConfiguration(resourceGroup, configuration);
  return { ok: true, value: { ...configuration, resourceGroup } };
}

/**
 * `PATCH /__emulator/deployments/{id}`: merges any fields (status, statusMessage, completionTime, ...) and
 * stamps modifiedAt unless given. A status change cancels a pending transition, so the test's word is final.
 */
export function patchDeploymentFields(
  store: DeploymentStore,
  id: string,
  fields: Record<string, unknown>,
): ControlOutcome<ControlDeployment> {
  const found = store.find(id);
  if (found === undefined) return { ok: false, status: 404, message: `No deployment ${id}` };
  if (("id" in fields && fields.id !== id) || "resourceGroup" in fields) {
    return { ok: false, status: 400, message: "id and resourceGroup cannot be changed" };
  }
  if ("status" in fields) store.transitions.cancel(id);
  const now = store.timestamp();
  const completes =
    typeof fields.status === "string" &&
    COMPLETED_STATUSES.has(fields.status) &&
    fields.status !== found.deployment.status;
  merge(found.deployment, { modifiedAt: now, ...(completes ? { completionTime: now } : {}), ...fields });
  return { ok: true, value: { ...found.deployment, resourceGroup: found.resourceGroup } };
}

/** Every deployment of every resource group. */
export function allDeployments(store: DeploymentStore): ControlDeployment[] {
  return store
    .resourceGroupIds()
    .flatMap((resourceGroup) =>
      store.list(resourceGroup).map((deployment) => ({ ...deployment, resourceGroup })),
    );
}
