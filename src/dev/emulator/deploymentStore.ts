import type { Configuration, Deployment } from "./deployment";
import { PendingTransitions } from "./pendingTransitions";
import { DEFAULT_RESOURCE_GROUP, seededConfigurations, seededDeployment } from "./seededState";

/** Deployments per resource group, plus the transitions in flight. Ids are unique across groups. */
export class DeploymentStore {
  readonly transitions = new PendingTransitions();
  private readonly groups = new Map<string, Map<string, Deployment>>();
  private readonly configurations = new Map<string, Map<string, Configuration>>();

  constructor(
    private readonly baseUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.reset();
  }

  /** Back to the seeded state: resource group `default` with the churn deployment. */
  reset(): void {
    this.transitions.clear();
    this.groups.clear();
    this.configurations.clear();
    this.addResourceGroup(DEFAULT_RESOURCE_GROUP);
    for (const configuration of seededConfigurations())
      this.addConfiguration(DEFAULT_RESOURCE_GROUP, configuration);
    this.add(DEFAULT_RESOURCE_GROUP, seededDeployment(this.baseUrl, this.now()));
  }

  /** Adds a resource group; false when it existed already. */
  addResourceGroup(id: string): boolean {
    if (this.groups.has(id)) return false;
    this.groups.set(id, new Map());
    this.configurations.set(id, new Map());
    return true;
  }

  /** Registers a configuration in a resource group (replacing one of the same id). */
  addConfiguration(resourceGroup: string, configuration: Configuration): void {
    const group = this.configurations.get(resourceGroup);
    if (group === undefined) throw new Error(`unknown resource group ${resourceGroup}`);
    group.set(configuration.id, configuration);
  }

  configuration(resourceGroup: string, id: string): Configuration | undefined {
    return this.configurations.get(resourceGroup)?.get(id);
  }

  hasResourceGroup(id: string): boolean {
    return this.groups.has(id);
  }

  resourceGroupIds(): string[] {
    return [...this.groups.keys()];
  }

  /** In creation order, which is the order the list answers in. */
  list(resourceGroup: string): Deployment[] {
    return [...(this.groups.get(resourceGroup)?.values() ?? [])];
  }

  get(resourceGroup: string, id: string): Deployment | undefined {
    return this.groups.get(resourceGroup)?.get(id);
  }

  /** A deployment whatever its resource group (for the control API). */
  find(id: string): { resourceGroup: string; deployment: Deployment } | undefined {
    for (const [resourceGroup, deployments] of this.groups) {
      const deployment = deployments.get(id);
      if (deployment !== undefined) return { resourceGroup, deployment };
    }
    return undefined;
  }

  add(resourceGroup: string, deployment: Deployment): void {
    const group = this.groups.get(resourceGroup);
    if (group === undefined) throw new Error(`unknown resource group ${resourceGroup}`);
    group.set(deployment.id, deployment);
  }

  remove(id: string): boolean {
    this.transitions.cancel(id);
    for (const deployments of this.groups.values()) {
      if (deployments.delete(id)) return true;
    }
    return false;
  }

  timestamp(): string {
    return this.now().toISOString();
  }
}
