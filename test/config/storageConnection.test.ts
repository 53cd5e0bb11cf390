import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError";
import {
  createTableClient,
  loadStorageCredential,
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
    expect(connection).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
    expect(createTableClient(connection, "deployments").url).toBe("http://127.0.0.1:10002/devstoreaccount1");
  });

  it("takes a connection string, which wins over identity-based settings", () => {
    const connectionString =
      "DefaultEndpointsProtocol=https;AccountName=relaystore;AccountKey=a2V5;EndpointSuffix=core.windows.net";
    const connection = storageConnectionFromEnv({ AzureWebJobsStorage: connectionString, ...FLEX_TEMPLATE });
    expect(connection).toEqual({ kind: "connectionString", connectionString });
    expect(createTableClient(connection, "deployments").url).toBe(
      "https://relaystore.table.core.windows.net",
    );
  });

  it("resolves the Flex Consumption template's settings to the account's table and queue endpoints", async () => {
    const connection = storageConnectionFromEnv({ ...FLEX_TEMPLATE, WEBSITE_INSTANCE_ID: "abc" });
    expect(connection).toEqual({
      kind: "identity",
      blobServiceUrl: "https://strelay01.blob.core.windows.net",
      tableServiceUrl: "https://strelay01.table.core.windows.net",
      queueServiceUrl: "https://strelay01.queue.core.windows.net",
      credential: { kind: "managedIdentity", clientId: CLIENT_ID },
    });
    const client = createTableClient(connection, "deployments");
    expect(client.url).toBe("https://strelay01.table.core.windows.net");
    if (connection.kind !== "identity") throw new Error("identity expected");
    // __credential=managedidentity: the user-assigned identity itself, as the host builds it (not a chain).
    expect(await loadStorageCredential(connection.credential)).toBeInstanceOf(ManagedIdentityCredential);
  });

  it("keeps the cloud of the given endpoint (sovereign clouds), never assuming core.windows.net", () => {
    const connection = storageConnectionFromEnv({
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__blobServiceUri: "https://relaygov.blob.core.usgovcloudapi.net/",
    });
    expect(connection).toMatchObject({
      tableServiceUrl: "https://relaygov.table.core.usgovcloudapi.net",
      queueServiceUrl: "https://relaygov.queue.core.usgovcloudapi.net",
      credential: { kind: "managedIdentity" },
    });
    expect(
      storageConnectionFromEnv({
        AzureWebJobsStorage__queueServiceUri: "https://relaycn.queue.core.chinacloudapi.cn",
      }),
    ).toMatchObject({ tableServiceUrl: "https://relaycn.table.core.chinacloudapi.cn" });
  });

  it("takes each service URI as given, and an account name as the host does (public cloud)", () => {
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
      tableServiceUrl: "https://relaystore.table.core.windows.net",
      queueServiceUrl: "https://relaystore.queue.core.windows.net",
    });
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

  it("never uses development storage on Azure: one line naming the settings", () => {
    for (const env of [
      { WEBSITE_INSTANCE_ID: "abc" },
      { WEBSITE_INSTANCE_ID: "abc", AzureWebJobsStorage: "UseDevelopmentStorage=true" },
    ]) {
      const error = (() => {
        try {
          storageConnectionFromEnv(env);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe("AzureWebJobsStorage");
      expect((error as Error).message).toMatch(/WEBSITE_INSTANCE_ID/);
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
      { AzureWebJobsStorage__blobServiceUri: "https://blobs.example.test" },
      /^AzureWebJobsStorage__tableServiceUri is not set and cannot be derived/,
    ],
    [
      { AzureWebJobsStorage__accountName: "relaystore", AzureWebJobsStorage__credential: "certificate" },
      /^AzureWebJobsStorage__credential /,
    ],
  ])("refuses a wrong identity-based setting with one line: %j", (env, pattern) => {
    expect(() => storageConnectionFromEnv(env)).toThrowError(ConfigError);
    expect(() => storageConnectionFromEnv(env)).toThrowError(pattern);
  });
});
