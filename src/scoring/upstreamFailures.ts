import { UpstreamError } from "../aicore/upstreamError";
import { UpstreamRejected } from "../aicore/upstreamPolicy";
import { errorLine } from "../shared/errorLine";

/** The last failed call to one deployment's model server, as this instance saw it. */
export interface UpstreamFailure {
  at: string;
  message: string;
  upstreamStatus: number | null;
}

/** Deployments remembered at most; a deployment id is replaced only when AI Core makes a new one. */
const MAX_DEPLOYMENTS = 1000;

/** The last failure per deployment, for the status page. Written only when a call fails: free on the hot path. */
export class UpstreamFailures {
  private readonly failures = new Map<string, UpstreamFailure>();

  note(deploymentId: string, error: unknown, now = new Date()): void {
    if (error instanceof UpstreamRejected) return; // not a call: the circuit or bulkhead refused it
    this.failures.delete(deploymentId);
    this.failures.set(deploymentId, {
      at: now.toISOString(),
      message: errorLine(error).slice(0, 300),
      upstreamStatus: error instanceof UpstreamError ? (error.status ?? null) : null,
    });
    if (this.failures.size > MAX_DEPLOYMENTS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  last(deploymentId: string): UpstreamFailure | undefined {
    return this.failures.get(deploymentId);
  }
}
