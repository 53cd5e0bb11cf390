import { aiApiError, badRequest } from "./aiApiError";
import type { DeploymentStore } from "./deploymentStore";
import { type EmulatorReply, type EmulatorRequest, headerValue } from "./httpTypes";
import type { TokenIssuer } from "./tokenIssuer";

export type Access = { ok: true; resourceGroup: string } | { ok: false; reply: EmulatorReply };

/**
 * The checks every AI API and inference call passes first, in AI Core's order: a valid bearer token (401),
 * the AI-Resource-Group header (400), a resource group that exists (403: the tenant has no such group, kept
 * distinct from 404 so a client cannot mistake a wrong group for a deleted deployment).
 */
export function checkAccess(request: EmulatorRequest, issuer: TokenIssuer, store: DeploymentStore): Access {
  const authorization = headerValue(request.headers, "authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (match?.[1] === undefined || issuer.verify(match[1]) === undefined) {
    const reply = aiApiError(
      request,
      401,
      "Unauthorized",
      match === null ? "Missing bearer token" : "Invalid or expired token",
    );
    reply.headers["www-authenticate"] = 'Bearer realm="aicore-emulator"';
    return { ok: false, reply };
  }
  const resourceGroup = headerValue(request.headers, "ai-resource-group")?.trim();
  if (resourceGroup === undefined || resourceGroup === "") {
    return { ok: false, reply: badRequest(request, "Missing header parameter 'AI-Resource-Group'") };
  }
  if (!store.hasResourceGroup(resourceGroup)) {
    return {
      ok: false,
      reply: aiApiError(
        request,
        403,
        "Forbidden",
        `Resource group '${resourceGroup}' does not exist for this tenant`,
      ),
    };
  }
  return { ok: true, resourceGroup };
}
