import type { AiDeployment } from "../aicore/deploymentSchema";

export interface Usability {
  usable: boolean;
  reason: string;
}

/**
 * DESIGN §4: a deployment serves iff it has a URL, its target status (when present) is RUNNING, and it is
 * RUNNING — or PENDING with lastOperation UPDATE (a configuration patch: the old configuration keeps
 * serving). A STOPPED deployment keeps its URL but never serves again.
 */
export function assessUsability(deployment: AiDeployment): Usability {
  const status = deployment.status ?? "UNKNOWN";
  const message = deployment.statusMessage ? ` (${deployment.statusMessage})` : "";
  if (!deployment.deploymentUrl) {
    return { usable: false, reason: `deployment has no URL yet; status ${status}${message}` };
  }
  if (deployment.targetStatus && deployment.targetStatus !== "RUNNING") {
    return {
      usable: false,
      reason: `target status is ${deployment.targetStatus}; status ${status}${message}`,
    };
  }
  if (status === "RUNNING") return { usable: true, reason: "RUNNING" };
  if (status === "PENDING" && deployment.lastOperation === "UPDATE") {
    return { usable: true, reason: "PENDING configuration update; the running configuration keeps serving" };
  }
  return { usable: false, reason: `status ${status}${message}` };
}
