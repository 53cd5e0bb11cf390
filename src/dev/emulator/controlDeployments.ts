import { randomBytes } from "node:crypto";
import { type Deployment, deploymentUrlFor } from "./deployment";
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
 * `POST /__emulator/deployments`: scenarioId and executableId required; defaults make a RUNNING deployment
 * with a URL derived from its id. Any other field given is taken as is.
 */
export function createDeployment(
  store: DeploymentStore,
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
  const status = typeof rest.status === "string" ? rest.status : "RUNNING";
  const deployment: Deployment = {
    id,
    deploymentUrl: deploymentUrlFor(baseUrl, id),
    configurationId: randomId("c"),
    configurationName: `${rest.scenarioId}-config`,
    status,
    targetStatus: FINISHED_STATUSES.has(status) ? "STOPPED" : "RUNNING",
    lastOperation: "CREATE",
    createdAt: now,
    modifiedAt: now,
    submissionTime: now,
    ...(status === "RUNNING" ? { startTime: now } : {}),
  };
  merge(deployment, rest);
  store.add(resourceGroup, deployment);
  return { ok: true, value: { ...deployment, resourceGroup } };
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
  merge(found.deployment, { modifiedAt: store.timestamp(), ...fields });
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
