import { checkAccess } from "./aiApiAccess";
import { aiApiError } from "./aiApiError";
import type { DeploymentLifecycle } from "./deploymentLifecycle";
import type { DeploymentStore } from "./deploymentStore";
import {
  countDeployments,
  deleteDeployment,
  getDeployment,
  listDeployments,
  patchDeployment,
} from "./deploymentsRoutes";
import type { EmulatorReply, EmulatorRequest, Handler } from "./httpTypes";
import { handleInference } from "./inferenceRoute";
import { type ClientCredentials, handleTokenRequest } from "./oauthRoute";
import type { RequestKind } from "./requestLog";
import type { TokenIssuer } from "./tokenIssuer";

export interface AiRouteContext {
  store: DeploymentStore;
  lifecycle: DeploymentLifecycle;
  issuer: TokenIssuer;
  credentials: ClientCredentials;
}

export interface Route {
  kind: RequestKind;
  handle: Handler;
}

const DEPLOYMENT_PATH = /^\/v2\/lm\/deployments\/([^/]+)$/;
const INFERENCE_PATH = /^\/v2\/inference\/deployments\/([^/]+)(?:\/.*)?$/;

function methodNotAllowed(request: EmulatorRequest, allowed: string): EmulatorReply {
  const reply = aiApiError(
    request,
    405,
    "MethodNotAllowed",
    `${request.method} ${request.path} is not supported by the emulator (supported: ${allowed})`,
  );
  reply.headers.allow = allowed;
  return reply;
}

/** Runs a handler only after the token and resource group checks passed. */
function guarded(
  context: AiRouteContext,
  handler: (request: EmulatorRequest, resourceGroup: string) => EmulatorReply,
): Handler {
  return async (request) => {
    const access = checkAccess(request, context.issuer, context.store);
    return access.ok ? handler(request, access.resourceGroup) : access.reply;
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Which route answers a request, and its kind for the request log. */
export function resolveAiRoute(method: string, path: string, context: AiRouteContext): Route {
  if (path === "/oauth/token") {
    return {
      kind: "token",
      handle: async (request) => handleTokenRequest(request, context.credentials, context.issuer),
    };
  }
  if (path === "/v2/lm/deployments") {
    if (method === "GET")
      return { kind: "list", handle: guarded(context, (r, rg) => listDeployments(r, rg, context)) };
    return { kind: "other", handle: async (request) => methodNotAllowed(request, "GET") };
  }
  if (path === "/v2/lm/deployments/$count") {
    if (method === "GET")
      return { kind: "other", handle: guarded(context, (r, rg) => countDeployments(r, rg, context)) };
    return { kind: "other", handle: async (request) => methodNotAllowed(request, "GET") };
  }
  const deployment = DEPLOYMENT_PATH.exec(path);
  if (deployment?.[1] !== undefined) {
    const id = deployment[1];
    switch (method) {
      case "GET":
        return { kind: "get", handle: guarded(context, (r, rg) => getDeployment(r, rg, id, context)) };
      case "PATCH":
        return { kind: "patch", handle: guarded(context, (r, rg) => patchDeployment(r, rg, id, context)) };
      case "DELETE":
        return { kind: "delete", handle: guarded(context, (r, rg) => deleteDeployment(r, rg, id, context)) };
      default:
        return { kind: "other", handle: async (request) => methodNotAllowed(request, "GET, PATCH, DELETE") };
    }
  }
  const inference = INFERENCE_PATH.exec(path);
  if (inference?.[1] !== undefined) {
    const id = safeDecode(inference[1]);
    return {
      kind: "predict",
      handle: guarded(context, (r, rg) => handleInference(r, rg, id, context.store)),
    };
  }
  return {
    kind: "other",
    handle: async (request) => aiApiError(request, 404, "NotFound", `No such resource: ${request.path}`),
  };
}
