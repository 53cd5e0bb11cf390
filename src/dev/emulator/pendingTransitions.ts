/**
 * Status changes that AI Core makes some time after a request (PENDING -> RUNNING after a configuration
 * patch, STOPPING -> STOPPED). Each runs after its delay, or at once when a test asks for it.
 */
export class PendingTransitions {
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; complete: () => void }>();

  /** Schedules the transition of one deployment, replacing one already pending for it. */
  schedule(deploymentId: string, delayMs: number, complete: () => void): void {
    this.cancel(deploymentId);
    if (delayMs <= 0) {
      complete();
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(deploymentId);
      complete();
    }, delayMs);
    timer.unref(); // a pending transition must not keep a finished process alive
    this.pending.set(deploymentId, { timer, complete });
  }

  cancel(deploymentId: string): void {
    const entry = this.pending.get(deploymentId);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(deploymentId);
  }

  /** Runs every pending transition now; answers how many ran. */
  completeAll(): number {
    const entries = [...this.pending.entries()];
    for (const [id, entry] of entries) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.complete();
    }
    return entries.length;
  }

  clear(): void {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
  }
}
