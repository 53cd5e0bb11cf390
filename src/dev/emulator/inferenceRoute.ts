import { aiApiError } from "./aiApiError";
import { InvalidInstanceError, predictChurn } from "./churnModel";
import type { DeploymentStore } from "./deploymentStore";
import { type EmulatorReply, type EmulatorRequest, jsonReply, parseJsonBody, textReply } from "./httpTypes";
import { servingState } from "./servingRule";

/** The model server's own answer: one instance -> one prediction, `{"instances": [...]}` -> `{"predictions"}`. */
function runModel(body: Buffer): EmulatorReply {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return textReply(400, "Invalid JSON in request body");
  const payload = parsed.value;
  try {
    if (typeof payload === "object" && payload !== null && "instances" in payload) {
      const { instances } = payload as { instances: unknown };
      if (!Array.isArray(instances)) return textReply(400, "'instances' must be an array");
      return jsonReply(200, {
        predictions: instances.map((instance, index) => predictChurn(instance, `instances[${index}]`)),
      });
    }
    return jsonReply(200, predictChurn(payload));
  } catch (error) {
    if (error instanceof InvalidInstanceError) return textReply(400, error.message);
    throw error;
  }
}

/**
 * `POST /v2/inference/deployments/{id}/<model path>`: the gateway checks (done by the caller: token,
 * resource group), then whether the deployment serves, then the model answers.
 */
export function handleInference(
  request: EmulatorRequest,
  resourceGroup: string,
  deploymentId: string,
  store: DeploymentStore,
): EmulatorReply {
  const deployment = store.get(resourceGroup, deploymentId);
  const serving = servingState(deployment);
  if (serving === "gone") {
    return aiApiError(
      request,
      404,
      "NotFound",
      `No deployment ${deploymentId} serves in resource group ${resourceGroup}`,
    );
  }
  if (serving === "unavailable") {
    return aiApiError(
      request,
      503,
      "ServiceUnavailable",
      `Deployment ${deploymentId} is ${deployment?.status ?? "unknown"} and not ready to serve`,
    );
  }
  if (request.method !== "POST")
    return { ...textReply(405, "Method Not Allowed"), headers: { allow: "POST" } };
  return runModel(request.body);
}
