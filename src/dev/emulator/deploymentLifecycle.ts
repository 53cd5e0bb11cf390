import type { Deployment } from "./deployment";
import type { DeploymentStore } from "./deploymentStore";

export interface LifecycleDelays {
  /** PENDING (UPDATE) -> RUNNING after a configuration patch. */
  patchDelayMs: number;
  /** STOPPING -> STOPPED after a stop request; 0 stops at once. */
  stopDelayMs: number;
}

export type LifecycleOutcome = { ok: true } | { ok: false; reason: string };

// Stopping something that no longer runs cannot be done; a stop that is already under way is fine.
const STOPPABLE = new Set(["PENDING", "RUNNING", "UNKNOWN", "STOPPING"]);
// The spec: "A change of configuration is only allowed for RUNNING and PENDING deployments."
const RECONFIGURABLE = new Set(["PENDING", "RUNNING"]);
// Only a deployment that no longer serves can be deleted; AI Core answers 412 otherwise.
const DELETABLE = new Set(["STOPPED", "DEAD", "COMPLETED", "UNKNOWN"]);

/** The state changes AI Core makes for PATCH and DELETE on a deployment. */
export class DeploymentLifecycle {
  constructor(
    private readonly store: DeploymentStore,
    private readonly delays: LifecycleDelays,
  ) {}

  /** `{"targetStatus":"STOPPED"}`: STOPPING now, STOPPED later; the URL stays. */
  stop(deployment: Deployment): LifecycleOutcome {
    if (!STOPPABLE.has(deployment.status)) {
      return {
        ok: false,
        reason: `Deployment ${deployment.id} is ${deployment.status} and cannot be stopped`,
      };
    }
    if (deployment.status === "STOPPING") return { ok: true };
    Object.assign(deployment, {
      targetStatus: "STOPPED",
      status: "STOPPING",
      lastOperation: "UPDATE",
      modifiedAt: this.store.timestamp(),
    });
    this.store.transitions.schedule(deployment.id, this.delays.stopDelayMs, () => {
      const now = this.store.timestamp();
      Object.assign(deployment, { status: "STOPPED", modifiedAt: now, completionTime: now });
    });
    return { ok: true };
  }

  /**
   * `{"configurationId": ...}`: PENDING with lastOperation UPDATE while the old configuration keeps serving at
   * the same URL, then RUNNING with the new one.
   */
  reconfigure(deployment: Deployment, configurationId: string): LifecycleOutcome {
    if (!RECONFIGURABLE.has(deployment.status)) {
      return {
        ok: false,
        reason: `Deployment ${deployment.id} is ${deployment.status}; a change of configuration is only allowed for RUNNING and PENDING deployments`,
      };
    }
    Object.assign(deployment, {
      latestRunningConfigurationId: deployment.configurationId,
      configurationId,
      status: "PENDING",
      targetStatus: "RUNNING",
      lastOperation: "UPDATE",
      modifiedAt: this.store.timestamp(),
    });
    this.store.transitions.schedule(deployment.id, this.delays.patchDelayMs, () => {
      Object.assign(deployment, { status: "RUNNING", modifiedAt: this.store.timestamp() });
    });
    return { ok: true };
  }

  /** DELETE: gone at once (AI Core marks it DELETED and removes it shortly after). */
  delete(deployment: Deployment): LifecycleOutcome {
    if (!DELETABLE.has(deployment.status)) {
      return {
        ok: false,
        reason: `Deployment ${deployment.id} is ${deployment.status}; stop it before deleting it`,
      };
    }
    this.store.remove(deployment.id);
    return { ok: true };
  }
}
