import { badRequest, notFound, preconditionFailed } from "./aiApiError";
import { type Deployment, ID_PATTERN } from "./deployment";
import type { DeploymentLifecycle } from "./deploymentLifecycle";
import type { DeploymentStore } from "./deploymentStore";
import {
  type EmulatorReply,
  type EmulatorRequest,
  isPlainObject,
  jsonReply,
  parseJsonBody,
  textReply,
} from "./httpTypes";
import {
  type DeploymentListQuery,
  parseDeploymentListQuery,
  parseSelect,
  rejectUndocumented,
} from "./queryParameters";

export interface DeploymentsContext {
  store: DeploymentStore;
  lifecycle: DeploymentLifecycle;
}

/**
 * `$select=status`: the spec says only the status is selected, but AiDeployment still requires id,
 * configurationId, status, createdAt and modifiedAt, so exactly those are kept.
 */
function selectStatus(deployment: Deployment): Deployment {
  const { id, configurationId, status, createdAt, modifiedAt } = deployment;
  return { id, configurationId, status, createdAt, modifiedAt };
}

function matches(deployment: Deployment, query: DeploymentListQuery): boolean {
  if (query.scenarioId !== undefined && deployment.scenarioId !== query.scenarioId) return false;
  if (query.configurationId !== undefined && deployment.configurationId !== query.configurationId)
    return false;
  if (query.status !== undefined && deployment.status !== query.status) return false;
  if (query.executableIds !== undefined && !query.executableIds.includes(String(deployment.executableId))) {
    return false;
  }
  return true;
}

/** `GET /v2/lm/deployments/$count`: the number of matches of the list's filters, as text/plain. */
export function countDeployments(
  request: EmulatorRequest,
  resourceGroup: string,
  context: DeploymentsContext,
): EmulatorReply {
  const undocumented = rejectUndocumented(request.query, [
    "executableIds",
    "configurationId",
    "scenarioId",
    "status",
  ]);
  if (undocumented !== undefined) return badRequest(request, undocumented);
  const parsed = parseDeploymentListQuery(request.query);
  if (!parsed.ok) return badRequest(request, parsed.message);
  const query = parsed.value;
  const count = context.store.list(resourceGroup).filter((deployment) => matches(deployment, query)).length;
  return textReply(200, String(count));
}

/** `GET /v2/lm/deployments`: `count` is the number of matches before `$skip`/`$top` apply. */
export function listDeployments(
  request: EmulatorRequest,
  resourceGroup: string,
  context: DeploymentsContext,
): EmulatorReply {
  const parsed = parseDeploymentListQuery(request.query);
  if (!parsed.ok) return badRequest(request, parsed.message);
  const query = parsed.value;
  const matching = context.store.list(resourceGroup).filter((deployment) => matches(deployment, query));
  const page = matching.slice(query.skip, query.skip + query.top);
  return jsonReply(200, {
    count: matching.length,
    resources: page.map((deployment) => (query.selectStatus ? selectStatus(deployment) : { ...deployment })),
  });
}

type Lookup = { ok: true; deployment: Deployment } | { ok: false; reply: EmulatorReply };

/** The deployment named by the path, in the caller's resource group; 404 for one in another group. */
function lookUp(
  request: EmulatorRequest,
  resourceGroup: string,
  rawId: string,
  context: DeploymentsContext,
): Lookup {
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    id = rawId; // malformed escapes fail the pattern below
  }
  if (!ID_PATTERN.test(id)) {
    return { ok: false, reply: badRequest(request, `Deployment id '${id}' does not match ^[\\w.-]{4,64}$`) };
  }
  const deployment = context.store.get(resourceGroup, id);
  if (deployment === undefined) {
    return {
      ok: false,
      reply: notFound(request, `Deployment ${id} not found in resource group ${resourceGroup}`),
    };
  }
  return { ok: true, deployment };
}

/** `GET /v2/lm/deployments/{deploymentId}` (AiDeploymentResponseWithDetails). */
export function getDeployment(
  request: EmulatorRequest,
  resourceGroup: string,
  rawId: string,
  context: DeploymentsContext,
): EmulatorReply {
  const undocumented = rejectUndocumented(request.query, ["$select"]);
  if (undocumented !== undefined) return badRequest(request, undocumented);
  const select = parseSelect(request.query);
  if (!select.ok) return badRequest(request, select.message);
  const found = lookUp(request, resourceGroup, rawId, context);
  if (!found.ok) return found.reply;
  return jsonReply(200, select.value ? selectStatus(found.deployment) : { ...found.deployment });
}

type Modification = { targetStatus: "STOPPED" } | { configurationId: string };

/** Body of a PATCH, AiDeploymentModificationRequest: exactly one of targetStatus (STOPPED) or configurationId. */
function parseModification(body: Buffer): { ok: true; value: Modification } | { ok: false; message: string } {
  const parsed = parseJsonBody(body);
  if (!parsed.ok || !isPlainObject(parsed.value)) {
    return { ok: false, message: "Body must be a JSON object (AiDeploymentModificationRequest)" };
  }
  const fields = parsed.value;
  const unknown = Object.keys(fields).filter((key) => key !== "targetStatus" && key !== "configurationId");
  if (unknown.length > 0) return { ok: false, message: `Unknown property '${unknown[0]}'` };
  const { targetStatus, configurationId } = fields;
  if ((targetStatus === undefined) === (configurationId === undefined)) {
    return { ok: false, message: "Specify exactly one of 'targetStatus' or 'configurationId'" };
  }
  if (targetStatus !== undefined) {
    if (targetStatus !== "STOPPED") return { ok: false, message: "'targetStatus' must be 'STOPPED'" };
    return { ok: true, value: { targetStatus } };
  }
  if (typeof configurationId !== "string" || !ID_PATTERN.test(configurationId)) {
    return { ok: false, message: "'configurationId' must match ^[\\w.-]{4,64}$" };
  }
  return { ok: true, value: { configurationId } };
}

/** `PATCH /v2/lm/deployments/{deploymentId}`: stop, or change the configuration. */
export function patchDeployment(
  request: EmulatorRequest,
  resourceGroup: string,
  rawId: string,
  context: DeploymentsContext,
): EmulatorReply {
  const undocumented = rejectUndocumented(request.query, []);
  if (undocumented !== undefined) return badRequest(request, undocumented);
  const found = lookUp(request, resourceGroup, rawId, context);
  if (!found.ok) return found.reply;
  const modification = parseModification(request.body);
  if (!modification.ok) return badRequest(request, modification.message);
  const outcome =
    "targetStatus" in modification.value
      ? context.lifecycle.stop(found.deployment)
      : context.lifecycle.reconfigure(found.deployment, resourceGroup, modification.value.configurationId);
  if (!outcome.ok) {
    return outcome.status === 404
      ? notFound(request, outcome.reason)
      : preconditionFailed(request, outcome.reason);
  }
  return jsonReply(202, { id: found.deployment.id, message: "Deployment modification scheduled" });
}

/** `DELETE /v2/lm/deployments/{deploymentId}`. */
export function deleteDeployment(
  request: EmulatorRequest,
  resourceGroup: string,
  rawId: string,
  context: DeploymentsContext,
): EmulatorReply {
  const undocumented = rejectUndocumented(request.query, []);
  if (undocumented !== undefined) return badRequest(request, undocumented);
  const found = lookUp(request, resourceGroup, rawId, context);
  if (!found.ok) return found.reply;
  const outcome = context.lifecycle.delete(found.deployment);
  if (!outcome.ok) return preconditionFailed(request, outcome.reason);
  // What AI Core answers: the deployment stays listed with targetStatus DELETED until it is removed.
  return jsonReply(202, { id: found.deployment.id, message: "Deletion scheduled", targetStatus: "DELETED" });
}
