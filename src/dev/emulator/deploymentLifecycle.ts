import { type Deployment, deploymentUrlFor } from "./deployment";
import type { DeploymentStore } from "./deploymentStore";

export interface LifecycleDelays {
  /** PENDING (UPDATE) -> RUNNING after a configuration patch. */
  patchDelayMs: number;
  /** STOPPING -> STOPPED after a stop request; 0 stops at once. */
  stopDelayMs: number;
  /** UNKNOWN -> PENDING -> RUNNING (with its URL) of a new deployment; 0 runs it at once. */
  startDelayMs: number;
  /** How long a deleted deployment stays listed with targetStatus DELETED; 0 removes it at once. */
  deleteDelayMs: number;
}

export type LifecycleOutcome = { ok: true } | { ok: false; status: 404 | 412; reason: string };

// Stopping something that no longer runs cannot be done; a stop that is already under way is fine.
const STOPPABLE = new Set(["PENDING", "RUNNING", "UNKNOWN", "STOPPING"]);
// The spec: "A change of configuration is only allowed for RUNNING and PENDING deployments."
const RECONFIGURABLE = new Set(["PENDING", "RUNNING"]);
// Only a deployment that no longer serves can be deleted; AI Core answers 412 otherwise.
const DELETABLE = new Set(["STOPPED", "DEAD", "COMPLETED", "UNKNOWN"]);

/** The state changes AI Core makes for a new deployment, and for PATCH and DELETE on one. */
export class DeploymentLifecycle {
  constructor(
    private readonly store: DeploymentStore,
    private readonly baseUrl: string,
    private readonly delays: LifecycleDelays,
  ) {}

  /**
   * A new deployment starts as a real one does: UNKNOWN, then PENDING, both without a URL; then RUNNING with
   * its URL — or DEAD, never having served, when its configuration cannot start.
   */
  start(deployment: Deployment, resourceGroup: string): void {
    Object.assign(deployment, { status: "UNKNOWN", targetStatus: "RUNNING", deploymentUrl: "" });
    const half = Math.floor(this.delays.startDelayMs / 2);
    this.store.transitions.schedule(deployment.id, half, () => {
      Object.assign(deployment, { status: "PENDING", modifiedAt: this.store.timestamp() });
      this.store.transitions.schedule(deployment.id, this.delays.startDelayMs - half, () => {
        const failure = this.store.configuration(resourceGroup, deployment.configurationId)?.failure;
        const now = this.store.timestamp();
        if (failure !== undefined) {
          Object.assign(deployment, {
            status: "DEAD",
            statusMessage: failure,
            modifiedAt: now,
            completionTime: now,
          });
          return;
        }
        Object.assign(deployment, {
          status: "RUNNING",
          deploymentUrl: deploymentUrlFor(this.baseUrl, deployment.id),
          latestRunningConfigurationId: deployment.configurationId,
          startTime: now,
          modifiedAt: now,
        });
      });
    });
  }

  /** `{"targetStatus":"STOPPED"}`: STOPPING now, STOPPED later; the URL stays. */
  stop(deployment: Deployment): LifecycleOutcome {
    if (!STOPPABLE.has(deployment.status)) {
      return {
        ok: false,
        status: 412,
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
   * `{"configurationId": ...}` (one of the resource group's configurations): PENDING with lastOperation UPDATE
   * while the old configuration keeps serving at the same URL, then RUNNING with the new one — or DEAD when the
   * new one cannot start, `latestRunningConfigurationId` still naming the one that last ran.
   */
  reconfigure(deployment: Deployment, resourceGroup: string, configurationId: string): LifecycleOutcome {
    const configuration = this.store.configuration(resourceGroup, configurationId);
    if (configuration === undefined) {
      return {
        ok: false,
        status: 404,
        reason: `Configuration ${configurationId} not found in resource group ${resourceGroup}`,
      };
    }
    if (!RECONFIGURABLE.has(deployment.status)) {
      return {
        ok: false,
        status: 412,
        reason: `Deployment ${deployment.id} is ${deployment.status}; a change of configuration is only allowed for RUNNING and PENDING deployments`,
      };
    }
    Object.assign(deployment, {
      latestRunningConfigurationId: deployment.latestRunningConfigurationId ?? deployment.configurationId,
      configurationId,
      status: "PENDING",
      targetStatus: "RUNNING",
      lastOperation: "UPDATE",
      modifiedAt: this.store.timestamp(),
    });
    this.store.transitions.schedule(deployment.id, this.delays.patchDelayMs, () => {
      const now = this.store.timestamp();
      if (configuration.failure !== undefined) {
        Object.assign(deployment, {
          status: "DEAD",
          statusMessage: configuration.failure,
          modifiedAt: now,
          completionTime: now,
        });
        return;
      }
      Object.assign(deployment, {
        status: "RUNNING",
        latestRunningConfigurationId: configurationId,
        modifiedAt: now,
      });
    });
    return { ok: true };
  }

  /** DELETE: targetStatus DELETED, still listed for a while, then gone. */
  delete(deployment: Deployment): LifecycleOutcome {
    if (!DELETABLE.has(deployment.status)) {
      return {
        ok: false,
        status: 412,
        reason: `Deployment ${deployment.id} is ${deployment.status}; stop it before deleting it`,
      };
    }
    Object.assign(deployment, {
      targetStatus: "DELETED",
      lastOperation: "DELETE",
      modifiedAt: this.store.timestamp(),
    });
    this.store.transitions.schedule(deployment.id, this.delays.deleteDelayMs, () => {
      this.store.remove(deployment.id);
    });
    return { ok: true };
  }
}
