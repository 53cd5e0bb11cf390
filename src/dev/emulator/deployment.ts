/**
 * A deployment as the AI API shows it (schema AiDeploymentResponseWithDetails). Extra fields are allowed
 * because the control API may merge anything into a deployment, e.g. to test how lenient a client is.
 */
export interface Deployment {
  id: string;
  configurationId: string;
  status: string;
  createdAt: string;
  modifiedAt: string;
  deploymentUrl?: string;
  configurationName?: string;
  executableId?: string;
  scenarioId?: string;
  statusMessage?: string;
  targetStatus?: string;
  lastOperation?: string;
  latestRunningConfigurationId?: string;
  submissionTime?: string;
  startTime?: string;
  completionTime?: string;
  [field: string]: unknown;
}

/** Values of the spec's AiDeploymentStatus enum. */
export const DEPLOYMENT_STATUSES = [
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "DEAD",
  "STOPPING",
  "STOPPED",
  "UNKNOWN",
];

/** Where a deployment's model is served: `{AI_API_URL}/v2/inference/deployments/{id}`. */
export function deploymentUrlFor(baseUrl: string, id: string): string {
  return `${baseUrl}/v2/inference/deployments/${id}`;
}

/** The spec's pattern for every id (deployment, configuration, scenario, executable). */
export const ID_PATTERN = /^[\w.-]{4,64}$/;

/** A configuration a deployment can run (or be patched to). */
export interface Configuration {
  id: string;
  scenarioId?: string;
  executableId?: string;
  /** When set, a deployment of this configuration never starts: it ends DEAD with this status message. */
  failure?: string;
}
