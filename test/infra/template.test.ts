import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { isUnresolvedKeyVaultReference } from "../../src/config/keyVaultReference";
import { loadSettings } from "../../src/config/settings";
import {
  STORAGE_SERVICES,
  type StorageService,
  storageConfigurationErrors,
  storageConnectionFromEnv,
} from "../../src/config/storageConnection";
import { ArmEvaluator, type Template } from "./armExpressions";

// infra/azuredeploy.json held to the relay's own code, so that the template cannot drift from it: every setting the
// relay requires at start is set and accepted by the relay's own parsers, every storage service the app uses has
// its endpoint setting and a data role, the identity that storage, Key Vault references and telemetry use is the
// one the roles are given to, and the runtime is a Node that `engines` names. (No ARM compiler or validator runs
// here: the template keeps to the expressions test/infra/armExpressions.ts evaluates.)
const ROOT = path.resolve(__dirname, "..", "..");
const template = JSON.parse(readFileSync(path.join(ROOT, "infra", "azuredeploy.json"), "utf8")) as Template;
const engines = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }
).engines.node;
/** A service key file as SAP's cockpit hands it out (the parameter takes the file: `aicoreServiceKey=@key.json`). */
const SERVICE_KEY = {
  clientid: "c",
  clientsecret: "s",
  url: "https://tenant.authentication.example.test",
  serviceurls: { AI_API_URL: "https://api.ai.example.test" },
};
const arm = new ArmEvaluator(template, { aicoreServiceKey: SERVICE_KEY });

type Resource = Record<string, unknown> & {
  type: string;
  name: string;
  properties?: Record<string, unknown>;
};
const resources = template.resources.map((r) => arm.value(r) as Resource);
const ofType = (type: string) => resources.filter((r) => r.type === type);
const only = (type: string): Resource => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as Resource;
};
const idOf = (r: Resource) => `${r.type}/${r.name}`;

const site = only("Microsoft.Web/sites");
const siteProperties = site.properties as {
  serverFarmId: string;
  keyVaultReferenceIdentity: string;
  functionAppConfig: {
    deployment: {
      storage: { value: string; authentication: { type: string; userAssignedIdentityResourceId: string } };
    };
    runtime: { name: string; version: string };
  };
  siteConfig: { appSettings: { name: string; value: string }[] };
};
const appSettings = Object.fromEntries(
  siteProperties.siteConfig.appSettings.map((s) => [s.name, String(s.value)]),
);
const identity = only("Microsoft.ManagedIdentity/userAssignedIdentities");
const storage = only("Microsoft.Storage/storageAccounts");

/** The built-in roles (role definition ids, the same in every tenant). */
const ROLE = {
  blobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  queueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  tableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
};
/** The data role each storage service of AzureWebJobsStorage needs (README: Deploy to Azure, the roles table). */
const SERVICE_ROLE: Record<StorageService, string> = {
  blob: ROLE.blobDataOwner,
  queue: ROLE.queueDataContributor,
  table: ROLE.tableDataContributor,
};

const roleAssignments = ofType("Microsoft.Authorization/roleAssignments").map((r) => ({
  scope: String(r.scope),
  role: String((r.properties as { roleDefinitionId: string }).roleDefinitionId)
    .split("/")
    .at(-1),
  principal: String((r.properties as { principalId: string }).principalId),
}));
const hasRole = (scope: Resource, role: string) =>
  roleAssignments.some(
    (a) => a.scope === idOf(scope) && a.role === role && a.principal.includes(idOf(identity)),
  );

/** The app's environment on Flex Consumption: its app settings and what the platform sets. */
function appEnvironment(): NodeJS.ProcessEnv {
  return { ...appSettings, WEBSITE_SKU: "FlexConsumption", WEBSITE_SITE_NAME: site.name };
}

describe("infra/azuredeploy.json", () => {
  it("is an ARM deployment template whose every parameter, variable and dependency resolves", () => {
    expect((template as unknown as { $schema: string }).$schema).toBe(
      "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    );
    // A role assignment is an extension resource: its id is <scope>/providers/<type>/<name>.
    const declared = new Set(
      resources.map((r) => (r.scope ? `${r.scope}/providers/${r.type}/${r.name}` : idOf(r))),
    );
    for (const resource of resources) {
      for (const dependency of (resource.dependsOn as string[] | undefined) ?? []) {
        expect(declared.has(dependency), `${idOf(resource)} depends on ${dependency}`).toBe(true);
      }
    }
    for (const output of Object.values(template.outputs ?? {}))
      expect(() => arm.value(output.value)).not.toThrow();
  });

  it("brings the app up on Flex Consumption, on a Node that engines names", () => {
    expect(only("Microsoft.Web/serverfarms").sku).toEqual({ name: "FC1", tier: "FlexConsumption" });
    expect(siteProperties.serverFarmId).toBe(idOf(only("Microsoft.Web/serverfarms")));
    expect(site.kind).toBe("functionapp,linux");
    const runtime = siteProperties.functionAppConfig.runtime;
    expect(runtime.name).toBe("node");
    const allowed = template.parameters?.nodeVersion?.allowedValues as string[];
    expect(allowed).toEqual(["22", "24"]);
    for (const major of allowed) expect(semver.satisfies(`${major}.99.0`, engines)).toBe(true);
    expect(allowed).toContain(runtime.version);
    // Flex Consumption takes the runtime from functionAppConfig and refuses these settings.
    for (const refused of [
      "FUNCTIONS_WORKER_RUNTIME",
      "FUNCTIONS_EXTENSION_VERSION",
      "WEBSITE_NODE_DEFAULT_VERSION",
    ]) {
      expect(appSettings).not.toHaveProperty(refused);
    }
  });

  it("sets every setting the relay requires at start, as the relay's own parsers accept them", () => {
    const env = appEnvironment();
    expect(isUnresolvedKeyVaultReference(String(env.AICORE_SERVICE_KEY))).toBe(true);
    expect(env.AICORE_SERVICE_KEY).toMatch(
      /^@Microsoft\.KeyVault\(SecretUri=<reference Microsoft\.KeyVault\/vaults\/[^>]+\.vaultUri>secrets\/aicore-service-key\/\)$/,
    );
    // What the platform puts in its place once it resolved the reference: the secret the template stored.
    const secret = only("Microsoft.KeyVault/vaults/secrets");
    expect(secret.name).toMatch(/\/aicore-service-key$/);
    env.AICORE_SERVICE_KEY = String((secret.properties as { value: string }).value);
    expect(() => loadSettings(env, ROOT)).not.toThrow();
  });

  it("gives every storage service the app uses an endpoint setting and a data role, with shared keys off", () => {
    const connection = storageConnectionFromEnv(appEnvironment());
    expect(connection.kind).toBe("identity");
    expect(storageConfigurationErrors(connection)).toEqual([]);
    for (const service of STORAGE_SERVICES) {
      expect(appSettings[`AzureWebJobsStorage__${service}ServiceUri`]).toBe(
        `https://${storage.name}.${service}.core.windows.net`,
      );
      expect(hasRole(storage, SERVICE_ROLE[service]), `${service} role`).toBe(true);
    }
    expect(appSettings).not.toHaveProperty("AzureWebJobsStorage");
    expect(storage.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });
    expect(connection).toMatchObject({
      credential: { kind: "managedIdentity", clientId: `<reference ${idOf(identity)}.clientId>` },
    });
  });

  it("uses one user-assigned identity for storage, the deployment container, Key Vault references and telemetry", () => {
    expect(site.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: { [idOf(identity)]: {} } });
    const deployment = siteProperties.functionAppConfig.deployment.storage;
    expect(deployment.value).toMatch(
      new RegExp(`^https://${storage.name}\\.blob\\.core\\.windows\\.net/app-package-`),
    );
    expect(deployment.authentication).toEqual({
      type: "UserAssignedIdentity",
      userAssignedIdentityResourceId: idOf(identity),
    });
    const container = only("Microsoft.Storage/storageAccounts/blobServices/containers");
    expect(deployment.value.split("/").at(-1)).toBe(container.name.split("/").at(-1));
    expect(siteProperties.keyVaultReferenceIdentity).toBe(idOf(identity));
    expect(hasRole(only("Microsoft.KeyVault/vaults"), ROLE.keyVaultSecretsUser)).toBe(true);
    const insights = only("Microsoft.Insights/components");
    expect(insights.properties).toMatchObject({ DisableLocalAuth: true });
    expect(hasRole(insights, ROLE.monitoringMetricsPublisher)).toBe(true);
    expect(appSettings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(
      `ClientId=<reference ${idOf(identity)}.clientId>;Authorization=AAD`,
    );
    expect(appSettings.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe(
      `<reference ${idOf(insights)}.ConnectionString>`,
    );
    expect(only("Microsoft.KeyVault/vaults").properties).toMatchObject({ enableRbacAuthorization: true });
  });

  it("starts the app only once its roles are assigned (a first start that cannot reach storage would not index the queue functions)", () => {
    const dependsOn = (site.dependsOn as string[]).filter((d) =>
      d.includes("/providers/Microsoft.Authorization/"),
    );
    expect(dependsOn).toHaveLength(roleAssignments.length);
  });
});
