import type { DeploymentRecord } from "./deploymentRecord";

/** Durable home of the deployment records, shared by every instance of the app. Every call has a deadline. */
export interface RecordStore {
  read(model: string): Promise<DeploymentRecord | undefined>;
  write(record: DeploymentRecord): Promise<void>;
  /** A cheap round trip, for health; `timeoutMs` shortens the store's own deadline. */
  ping(timeoutMs?: number): Promise<void>;
}
