import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { ConfigError } from "./configError";

/**
 * Where the relay's tables live: a connection string (`AzureWebJobsStorage`), or — as the Functions host
 * supports and Flex Consumption recommends — an identity-based connection (`AzureWebJobsStorage__accountName`
 * or `__tableServiceUri`, with `__clientId` for a user-assigned managed identity).
 */
export type StorageConnection =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; tableServiceUrl: string; clientId?: string };

const DEV_STORAGE = "UseDevelopmentStorage=true";

/** Reads the storage connection the way the Functions host does; a connection string wins when both are set. */
export function storageConnectionFromEnv(env: NodeJS.ProcessEnv): StorageConnection {
  const connectionString = env.AzureWebJobsStorage?.trim();
  if (connectionString) return { kind: "connectionString", connectionString };
  const clientId = env.AzureWebJobsStorage__clientId?.trim() || undefined;
  const tableServiceUri = env.AzureWebJobsStorage__tableServiceUri?.trim();
  if (tableServiceUri) {
    if (!/^https:\/\/[^\s/]+\/?$/.test(tableServiceUri)) {
      throw new ConfigError("AzureWebJobsStorage__tableServiceUri is not an https URL of a table service");
    }
    return { kind: "identity", tableServiceUrl: tableServiceUri.replace(/\/$/, ""), clientId };
  }
  const accountName = env.AzureWebJobsStorage__accountName?.trim();
  if (accountName) {
    if (!/^[a-z0-9]{3,24}$/.test(accountName)) {
      throw new ConfigError(
        "AzureWebJobsStorage__accountName is not a storage account name (3-24 lowercase letters and digits)",
      );
    }
    return { kind: "identity", tableServiceUrl: `https://${accountName}.table.core.windows.net`, clientId };
  }
  return { kind: "connectionString", connectionString: DEV_STORAGE };
}

/**
 * A credential that loads @azure/identity on first use only: its ~80 ms of module loading is not paid at cold
 * start by apps that use a connection string.
 */
class LazyManagedIdentityCredential implements TokenCredential {
  private inner: Promise<TokenCredential> | undefined;

  constructor(private readonly clientId: string | undefined) {}

  async getToken(...args: Parameters<TokenCredential["getToken"]>): ReturnType<TokenCredential["getToken"]> {
    this.inner ??= import("@azure/identity").then((identity) =>
      this.clientId
        ? new identity.ManagedIdentityCredential({ clientId: this.clientId })
        : new identity.DefaultAzureCredential(),
    );
    return (await this.inner).getToken(...args);
  }
}

export function createTableClient(
  connection: StorageConnection,
  tableName: string,
  options: TableServiceClientOptions = {},
): TableClient {
  if (connection.kind === "connectionString") {
    // allowInsecureConnection: Azurite speaks plain HTTP on loopback; Azure endpoints are https anyway.
    return TableClient.fromConnectionString(connection.connectionString, tableName, {
      allowInsecureConnection: true,
      ...options,
    });
  }
  return new TableClient(
    connection.tableServiceUrl,
    tableName,
    new LazyManagedIdentityCredential(connection.clientId),
    options,
  );
}
