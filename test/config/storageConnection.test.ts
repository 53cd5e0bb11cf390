import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError";
import { createTableClient, storageConnectionFromEnv } from "../../src/config/storageConnection";

describe("storage connection", () => {
  it("defaults to Azurite", () => {
    const connection = storageConnectionFromEnv({});
    expect(connection).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
    expect(createTableClient(connection, "deployments").url).toBe("http://127.0.0.1:10002/devstoreaccount1");
  });

  it("takes a connection string, which wins over identity-based settings", () => {
    const connectionString =
      "DefaultEndpointsProtocol=https;AccountName=relaystore;AccountKey=a2V5;EndpointSuffix=core.windows.net";
    const connection = storageConnectionFromEnv({
      AzureWebJobsStorage: connectionString,
      AzureWebJobsStorage__accountName: "otherstore",
    });
    expect(connection).toEqual({ kind: "connectionString", connectionString });
    expect(createTableClient(connection, "deployments").url).toBe(
      "https://relaystore.table.core.windows.net",
    );
  });

  it("takes an identity-based connection by account name, as Flex Consumption apps are set up", () => {
    const connection = storageConnectionFromEnv({ AzureWebJobsStorage__accountName: "relaystore" });
    expect(connection).toEqual({
      kind: "identity",
      tableServiceUrl: "https://relaystore.table.core.windows.net",
    });
    const client = createTableClient(connection, "deployments");
    expect(client.url).toBe("https://relaystore.table.core.windows.net");
    expect(client.tableName).toBe("deployments");
  });

  it("takes a table service URI and a user-assigned identity's client id", () => {
    expect(
      storageConnectionFromEnv({
        AzureWebJobsStorage__tableServiceUri: "https://relaystore.table.core.windows.net/",
        AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
      }),
    ).toEqual({
      kind: "identity",
      tableServiceUrl: "https://relaystore.table.core.windows.net",
      clientId: "00000000-0000-0000-0000-000000000001",
    });
  });

  it.each([
    [{ AzureWebJobsStorage__accountName: "Not_An_Account" }, /^AzureWebJobsStorage__accountName /],
    [
      { AzureWebJobsStorage__tableServiceUri: "http://relaystore.table.core.windows.net" },
      /^AzureWebJobsStorage__tableServiceUri /,
    ],
  ])("refuses a wrong identity-based setting with one line: %j", (env, pattern) => {
    expect(() => storageConnectionFromEnv(env)).toThrowError(ConfigError);
    expect(() => storageConnectionFromEnv(env)).toThrowError(pattern);
  });
});
