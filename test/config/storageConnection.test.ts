import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError";
import { createQueueClient } from "../../src/config/queueClient";
import {
  createTableClient,
  loadStorageCredential,
  storageConfigurationErrors,
  storageConnectionFromEnv,
} from "../../src/config/storageConnection";

const CLIENT_ID = "00000000-0000-0000-0000-000000000001";

/** Exactly what Microsoft's Flex Consumption azd template (functions-quickstart-typescript-azd) writes. */
const FLEX_TEMPLATE = {
  AzureWebJobsStorage__credential: "managedidentity",
  AzureWebJobsStorage__clientId: CLIENT_ID,
  AzureWebJobsStorage__blobServiceUri: "https://strelay01.blob.core.windows.net",
};

describe("storage connection", () => {
  it("defaults to Azurite outside Azure", () => {
    const connection = storageConnectionFromEnv({});
    expect(connection).toMatchObject({
      kind: "connectionString",
      connectionString: "UseDevelopmentStorage=true",
    });
    expect(createTableClient(connection, "deployments").url).toBe("http://127.0.0.1:10002/devstoreaccount1");
  });

  it("takes a connection string, which wins over identity-based settings", () => {
    const connectionString =
      "DefaultEndpointsProtocol=https;AccountName=relaystore;AccountKey=a2V5;EndpointSuffix=core.windows.net";
    const connection = storageConnectionFromEnv({ AzureWebJobsStorage: connectionString, ...FLEX_TEMPLATE });
    expect(connection).toMatchObject({ kind: "connectionString", connectionString });
    expect(createTableClient(connection, "deployments").url).toBe(
      "https://relaystore.table.core.windows.net",
    );
  });

  // The rules, from the Storage extensions' documentation (MicrosoftDocs/azure-docs includes/
  // functions-storage-{blob,queue,table}-connections.md; functions-reference.md "Connecting to host storage with an
  // identity") and code (Azure/azure-sdk-for-net Microsoft.Azure.WebJobs.Extensions.Storage.*: StorageClientProvider,
  // QueueServiceClientProvider): each service has its own URI setting, `__serviceUri` is an alias of it, and
  // `__accountName` gives https://<account>.<service>.core.windows.net. Nothing is derived from another service.
  it("resolves the Flex Consumption template's identity settings to the blob endpoint only: no queue or table derived", () => {
    const connection = storageConnectionFromEnv(FLEX_TEMPLATE);
    expect(connection).toEqual({
      kind: "identity",
      name: "AzureWebJobsStorage",
      blobServiceUrl: "https://strelay01.blob.core.windows.net",
      tableServiceUrl: undefined,
      queueServiceUrl: undefined,
      credential: { kind: "managedIdentity", clientId: CLIENT_ID },
    });
    expect(() => createQueueClient(connection, "scoring-requests")).toThrowError(
      /^AzureWebJobsStorage__queueServiceUri is not set .*queue functions \(scoreJobs, deliverCallbacks\)/,
    );
    expect(() => createTableClient(connection, "deployments")).toThrowError(
      /^AzureWebJobsStorage__tableServiceUri is not set/,
    );
    expect(storageConfigurationErrors(connection).map((error) => error.setting)).toEqual([
      "AzureWebJobsStorage__queueServiceUri",
      "AzureWebJobsStorage__tableServiceUri",
    ]);
  });

  it("takes every service's own URI, as the infra template sets them (sovereign clouds kept as given)", async () => {
    const connection = storageConnectionFromEnv({
      ...FLEX_TEMPLATE,
      AzureWebJobsStorage__blobServiceUri: "https://relaygov.blob.core.usgovcloudapi.net/",
      AzureWebJobsStorage__queueServiceUri: "https://relaygov.queue.core.usgovcloudapi.net/",
      AzureWebJobsStorage__tableServiceUri: "https://relaygov.table.core.usgovcloudapi.net",
      WEBSITE_SKU: "FlexConsumption",
    });
    expect(connection).toMatchObject({
      blobServiceUrl: "https://relaygov.blob.core.usgovcloudapi.net",
      queueServiceUrl: "https://relaygov.queue.core.usgovcloudapi.net",
      tableServiceUrl: "https://relaygov.table.core.usgovcloudapi.net",
    });
    expect(storageConfigurationErrors(connection)).toEqual([]);
    expect(createQueueClient(connection, "scoring-requests").url).toBe(
      "https://relaygov.queue.core.usgovcloudapi.net/scoring-requests",
    );
    if (connection.kind !== "identity") throw new Error("identity expected");
    // __credential=managedidentity: the user-assigned identity itself, as the host builds it (not a chain).
    expect(await loadStorageCredential(connection.credential)).toBeInstanceOf(ManagedIdentityCredential);
  });

  it("takes __serviceUri as the alias of each service's URI, the service's own URI first, never another service's", () => {
    expect(
      storageConnectionFromEnv({
        AzureWebJobsStorage__serviceUri: "https://queues.example.test",
        AzureWebJobsStorage__queueServiceUri: "https://own-queues.example.test",
      }),
    ).toMatchObject({
      queueServiceUrl: "https://own-queues.example.test",
      tableServiceUrl: "https://queues.example.test",
    });
    // An alias that names the account's blob service is not taken for queues and tables: the missing settings are named.
    const blobOnly = storageConnectionFromEnv({
      AzureWebJobsStorage__serviceUri: "https://acct.blob.core.windows.net",
    });
    expect(blobOnly).toMatchObject({
      blobServiceUrl: "https://acct.blob.core.windows.net",
      queueServiceUrl: undefined,
    });
    expect(storageConfigurationErrors(blobOnly).map((e) => e.setting)).toEqual([
      "AzureWebJobsStorage__queueServiceUri",
      "AzureWebJobsStorage__tableServiceUri",
    ]);
  });

  it("derives all three endpoints from __accountName (public cloud), as the host does, each URI setting first", () => {
    expect(
      storageConnectionFromEnv({
        AzureWebJobsStorage__tableServiceUri: "https://tables.example.test",
        AzureWebJobsStorage__queueServiceUri: "https://queues.example.test",
        AzureWebJobsStorage__accountName: "relaystore",
      }),
    ).toMatchObject({
      tableServiceUrl: "https://tables.example.test",
      queueServiceUrl: "https://queues.example.test",
      blobServiceUrl: "https://relaystore.blob.core.windows.net",
      credential: { kind: "default" },
    });
    expect(storageConnectionFromEnv({ AzureWebJobsStorage__accountName: "relaystore" })).toMatchObject({
      blobServiceUrl: "https://relaystore.blob.core.windows.net",
      tableServiceUrl: "https://relaystore.table.core.windows.net",
      queueServiceUrl: "https://relaystore.queue.core.windows.net",
    });
  });

  it("reads setting names case-insensitively and AzureWebJobs<name> before <name>, as .NET configuration does", () => {
    expect(
      storageConnectionFromEnv({
        azurewebjobsstorage__ACCOUNTNAME: "relaystore",
        AZUREWEBJOBSSTORAGE__Credential: "ManagedIdentity",
      }),
    ).toMatchObject({
      queueServiceUrl: "https://relaystore.queue.core.windows.net",
      credential: { kind: "managedIdentity" },
    });
    const env = {
      AzureWebJobsJobsStore__queueServiceUri: "https://prefixed.queue.core.windows.net",
      JobsStore__queueServiceUri: "https://plain.queue.core.windows.net",
      Other: "UseDevelopmentStorage=true",
    };
    expect(storageConnectionFromEnv(env, "JobsStore")).toMatchObject({
      name: "AzureWebJobsJobsStore",
      queueServiceUrl: "https://prefixed.queue.core.windows.net",
    });
    expect(storageConnectionFromEnv(env, "Other")).toEqual({
      kind: "connectionString",
      name: "Other",
      connectionString: "UseDevelopmentStorage=true",
    });
  });

  it("takes __managedIdentityResourceId as the user-assigned identity, and refuses it beside __clientId", async () => {
    const resourceId =
      "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/relay";
    const connection = storageConnectionFromEnv({
      AzureWebJobsStorage__accountName: "relaystore",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__managedIdentityResourceId: resourceId,
    });
    expect(connection).toMatchObject({ credential: { kind: "managedIdentity", resourceId } });
    if (connection.kind !== "identity") throw new Error("identity expected");
    expect(await loadStorageCredential(connection.credential)).toBeInstanceOf(ManagedIdentityCredential);
    expect(() =>
      storageConnectionFromEnv({
        AzureWebJobsStorage__accountName: "relaystore",
        AzureWebJobsStorage__clientId: CLIENT_ID,
        AzureWebJobsStorage__managedIdentityResourceId: resourceId,
      }),
    ).toThrowError(
      /^AzureWebJobsStorage__clientId and AzureWebJobsStorage__managedIdentityResourceId are both set/,
    );
  });

  it("builds the credential the host builds for each setting combination", async () => {
    const credential = (env: NodeJS.ProcessEnv) => {
      const connection = storageConnectionFromEnv({ AzureWebJobsStorage__accountName: "relaystore", ...env });
      if (connection.kind !== "identity") throw new Error("identity expected");
      return loadStorageCredential(connection.credential);
    };
    expect(await credential({ AzureWebJobsStorage__credential: "managedidentity" })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(await credential({ AzureWebJobsStorage__clientId: CLIENT_ID })).toBeInstanceOf(
      DefaultAzureCredential,
    );
    expect(
      await credential({
        AzureWebJobsStorage__tenantId: "tenant",
        AzureWebJobsStorage__clientId: CLIENT_ID,
        AzureWebJobsStorage__clientSecret: "app-secret",
      }),
    ).toBeInstanceOf(ClientSecretCredential);
  });

  it("takes CONTAINER_NAME alone (a container runtime or sandbox sets it) for a machine of its own, not Azure", () => {
    expect(storageConnectionFromEnv({ CONTAINER_NAME: "uid-mqfqsb-knrsxr" })).toEqual(
      storageConnectionFromEnv({}),
    );
  });

  it("never uses development storage on Azure, Flex Consumption included: one line naming the settings", () => {
    for (const [env, why] of [
      [{ WEBSITE_INSTANCE_ID: "abc" }, /WEBSITE_INSTANCE_ID/],
      [
        { WEBSITE_INSTANCE_ID: "abc", AzureWebJobsStorage: "UseDevelopmentStorage=true" },
        /WEBSITE_INSTANCE_ID/,
      ],
      // Flex Consumption leaves WEBSITE_INSTANCE_ID empty; it sets these.
      [{ WEBSITE_INSTANCE_ID: "", WEBSITE_SKU: "FlexConsumption" }, /WEBSITE_SKU=FlexConsumption/],
      [
        { CONTAINER_NAME: "relay-7f9c", LEGION_SERVICE_HOST: "10.0.0.4" },
        /CONTAINER_NAME and LEGION_SERVICE_HOST/,
      ],
      [{ WEBSITE_SITE_NAME: "relay-prod" }, /WEBSITE_SITE_NAME/],
    ] as const) {
      const error = (() => {
        try {
          storageConnectionFromEnv(env);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe("AzureWebJobsStorage");
      expect((error as Error).message).toMatch(why);
      expect((error as Error).message).toMatch(/__blobServiceUri/);
      expect((error as Error).message).not.toMatch(/\n/);
    }
  });

  it("names an unresolved Key Vault reference without showing it", () => {
    const reference = "@Microsoft.KeyVault(SecretUri=https://relay-kv.vault.azure.net/secrets/storage/)";
    expect(() => storageConnectionFromEnv({ AzureWebJobsStorage: reference })).toThrowError(
      /^AzureWebJobsStorage is an unresolved Key Vault reference .*Key Vault Secrets User.*keyVaultReferenceIdentity/,
    );
    expect(() => storageConnectionFromEnv({ AzureWebJobsStorage: reference })).not.toThrowError(/relay-kv/);
  });

  it.each([
    [{ AzureWebJobsStorage__accountName: "Not_An_Account" }, /^AzureWebJobsStorage__accountName /],
    [
      { AzureWebJobsStorage__tableServiceUri: "http://relaystore.table.core.windows.net" },
      /^AzureWebJobsStorage__tableServiceUri /,
    ],
    [{ AzureWebJobsStorage__blobServiceUri: "not a url" }, /^AzureWebJobsStorage__blobServiceUri /],
    [
      { AzureWebJobsStorage__accountName: "relaystore", AzureWebJobsStorage__credential: "certificate" },
      /^AzureWebJobsStorage__credential /,
    ],
  ])("refuses a wrong identity-based setting with one line: %j", (env, pattern) => {
    expect(() => storageConnectionFromEnv(env)).toThrowError(ConfigError);
    expect(() => storageConnectionFromEnv(env)).toThrowError(pattern);
  });
});
