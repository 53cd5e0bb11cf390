import {
  allDeployments,
  type ControlOutcome,
  createConfiguration,
  createDeployment,
  patchDeploymentFields,
} from "./controlDeployments";
import { ID_PATTERN } from "./deployment";
import type { DeploymentLifecycle } from "./deploymentLifecycle";
import type { DeploymentStore } from "./deploymentStore";
import { FAULTS_PATH, handleFaultControl } from "./faultControl";
import type { FaultInjector } from "./faultInjector";
import {
  type EmulatorReply,
  type EmulatorRequest,
  emptyReply,
  isPlainObject,
  jsonReply,
  parseJsonBody,
} from "./httpTypes";
import type { RequestLog } from "./requestLog";
import type { TokenIssuer } from "./tokenIssuer";

export const CONTROL_PREFIX = "/__emulator/";

export interface ControlContext {
  store: DeploymentStore;
  lifecycle: DeploymentLifecycle;
  issuer: TokenIssuer;
  requestLog: RequestLog;
  baseUrl: string;
  faults: FaultInjector;
}

const controlError = (status: number, message: string): EmulatorReply =>
  jsonReply(status, { error: message });

function jsonObjectBody(request: EmulatorRequest): Record<string, unknown> | undefined {
  const parsed = parseJsonBody(request.body);
  return parsed.ok && isPlainObject(parsed.value) ? parsed.value : undefined;
}

function answer<T>(outcome: ControlOutcome<T>, successStatus: number): EmulatorReply {
  return outcome.ok ? jsonReply(successStatus, outcome.value) : controlError(outcome.status, outcome.message);
}

function deploymentRoutes(request: EmulatorRequest, id: string, context: ControlContext): EmulatorReply {
  if (request.method === "DELETE") {
    return context.store.remove(id) ? emptyReply(204) : controlError(404, `No deployment ${id}`);
  }
  if (request.method === "PATCH") {
    const fields = jsonObjectBody(request);
    if (fields === undefined) return controlError(400, "Body must be a JSON object of deployment fields");
    return answer(patchDeploymentFields(context.store, id, fields), 200);
  }
  if (request.method === "GET") {
    const found = context.store.find(id);
    return found === undefined
      ? controlError(404, `No deployment ${id}`)
      : jsonReply(200, { ...found.deployment, resourceGroup: found.resourceGroup });
  }
  return controlError(405, "Use GET, PATCH or DELETE");
}

/**
 * The emulator's own API for tests and local tries, no auth, never counted in the request log:
 * requests (GET, POST reset), deployments (GET, POST, GET/PATCH/DELETE by id), resource-groups (POST),
 * configurations (POST), tokens/revoke (POST: every token issued so far answers 401 before its expiry),
 * reset (POST: seeded state and an empty request log), transitions/complete (POST: finish pending patches/stops),
 * faults (GET, PUT, DELETE: fault injection rules; `reset` leaves them as they are).
 */
export function handleControl(request: EmulatorRequest, context: ControlContext): EmulatorReply {
  if (request.path === FAULTS_PATH) return handleFaultControl(request, context.faults);
  const route = `${request.method} ${request.path.slice(CONTROL_PREFIX.length - 1)}`;
  switch (route) {
    case "GET /requests":
      return jsonReply(200, context.requestLog.snapshot());
    case "POST /requests/reset":
      context.requestLog.reset();
      return emptyReply(204);
    case "GET /deployments":
      return jsonReply(200, { deployments: allDeployments(context.store) });
    case "POST /deployments": {
      const fields = jsonObjectBody(request);
      if (fields === undefined) return controlError(400, "Body must be a JSON object of deployment fields");
      return answer(createDeployment(context.store, context.lifecycle, context.baseUrl, fields), 201);
    }
    case "POST /configurations": {
      const fields = jsonObjectBody(request);
      if (fields === undefined)
        return controlError(400, "Body must be a JSON object of configuration fields");
      return answer(createConfiguration(context.store, fields), 201);
    }
    case "POST /tokens/revoke":
      // A fault of the token service: every token issued so far answers 401 although it has not expired.
      context.issuer.revokeAll();
      return emptyReply(204);
    case "POST /resource-groups": {
      const id = jsonObjectBody(request)?.id;
      if (typeof id !== "string" || !ID_PATTERN.test(id)) {
        return controlError(400, 'Body must be {"id": <resource group id matching ^[\\w.-]{4,64}$>}');
      }
      return jsonReply(context.store.addResourceGroup(id) ? 201 : 200, { id });
    }
    case "POST /reset":
      context.store.reset();
      context.requestLog.reset();
      return emptyReply(204);
    case "POST /transitions/complete":
      return jsonReply(200, { completed: context.store.transitions.completeAll() });
  }
  const deployment = /^\/__emulator\/deployments\/([^/]+)$/.exec(request.path);
  if (deployment?.[1] !== undefined)
    return deploymentRoutes(request, decodeURIComponent(deployment[1]), context);
  return controlError(404, `No control endpoint ${request.method} ${request.path}`);
}
