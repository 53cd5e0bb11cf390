import type { Deployment } from "./deployment";

export type Serving = "serving" | "gone" | "unavailable";

// Finished for good: the inference gateway no longer knows the route (404), like a deleted deployment.
const FINISHED = new Set(["STOPPED", "DEAD", "COMPLETED"]);

/**
 * Whether the inference URL of a deployment answers. It serves iff RUNNING, or PENDING with lastOperation
 * UPDATE (a configuration patch in progress while the old configuration keeps serving). Finished ones are
 * gone (404); the rest (PENDING on create, STOPPING, UNKNOWN, anything else) are not ready yet (503).
 */
export function servingState(deployment: Deployment | undefined): Serving {
  if (deployment === undefined) return "gone";
  if (deployment.status === "RUNNING") return "serving";
  if (deployment.status === "PENDING" && deployment.lastOperation === "UPDATE") return "serving";
  return FINISHED.has(deployment.status) ? "gone" : "unavailable";
}
