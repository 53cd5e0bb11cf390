import type { Configuration } from "./deployment";
import { type Deployment, deploymentUrlFor } from "./deployment";

export const DEFAULT_RESOURCE_GROUP = "default";
export const SEEDED_DEPLOYMENT_ID = "d0churn00001";

/** Configurations of resource group `default`: the one the seeded deployment runs, and a newer one to patch to. */
export function seededConfigurations(): Configuration[] {
  return [
    { id: "c0churn00001", scenarioId: "churn", executableId: "churn-serving" },
    { id: "c0churn00002", scenarioId: "churn", executableId: "churn-serving" },
  ];
}

/** The state the emulator starts with (and `POST /__emulator/reset` restores): one running churn deployment. */
export function seededDeployment(baseUrl: string, now: Date): Deployment {
  const created = new Date(now.getTime() - 10 * 60_000).toISOString();
  const started = new Date(now.getTime() - 8 * 60_000).toISOString();
  return {
    id: SEEDED_DEPLOYMENT_ID,
    deploymentUrl: deploymentUrlFor(baseUrl, SEEDED_DEPLOYMENT_ID),
    configurationId: "c0churn00001",
    latestRunningConfigurationId: "c0churn00001",
    configurationName: "churn-config",
    executableId: "churn-serving",
    scenarioId: "churn",
    status: "RUNNING",
    targetStatus: "RUNNING",
    lastOperation: "CREATE",
    createdAt: created,
    modifiedAt: started,
    submissionTime: created,
    startTime: started,
  };
}
