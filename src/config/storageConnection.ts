import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { ConfigError } from "./configError";
import { requireResolved } from "./keyVaultReference";

/** How an identity-based connection authenticates, read as the Functions host reads `AzureWebJobsStorage__*`. */
export type StorageCredential =
  /** `__credential=managedidentity`: the system-assigned identity, or the user-assigned one named by `__clientId`. */
  | { kind: "managedIdentity"; clientId?: string }
  /** `__tenantId` + `__clientId` + `__clientSecret`: an app registration. */
  | { kind: "clientSecret"; tenantId: string; clientId: string; clientSecret: string }
  /** No `__credential`: DefaultAzureCredential, with `__clientId` as the managed identity to prefer. */
  | { kind: "default"; clientId?: string };

/** The three storage service endpoints of an identity-based connection (no trailing slash). */
export interface ServiceEndpoints {
  blob?: string;
  queue: string;
  table: string;
}

/**
 * Where the relay's tables (and queues) live: a connection string (`AzureWebJobsStorage`), or an identity-based
 * connection (`AzureWebJobsStorage__blobServiceUri` / `__queueServiceUri` / `__tableServiceUri` /
 * `__accountName`, `__credential`, `__clientId`), as Microsoft's Flex Consumption template sets it.
 */
export type StorageConnection =
  | { kind: "connectionString"; connectionString: string }
  | {
      kind: "identity";
      tableServiceUrl: string;
      queueServiceUrl: string;
      blobServiceUrl?: string;
      credential: StorageCredential;
    };

export const DEV_STORAGE = "UseDevelopmentStorage=true";
const PREFIX = "AzureWebJobsStorage__";
const SERVICES = ["blob", "queue", "table"] as const;
type Service = (typeof SERVICES)[number];

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  return requireResolved(name, value);
}

/** `https://acct.blob.core.usgovcloudapi.net/` -> its origin, checked to be an https service endpoint. */
function serviceUri(env: NodeJS.ProcessEnv, service: Service): string | undefined {
  const name = `${PREFIX}${service}ServiceUri`;
  const value = setting(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL (expected https://<account>.${service}.<endpoint suffix>)`);
  }
  if (url.protocol !== "https:" || (url.pathname !== "/" && url.pathname !== "") || url.search) {
    throw new ConfigError(`${name} is not an https URL of a ${service} service (no path, no query)`);
  }
  return url.origin;
}

/**
 * Another service of the same account: the host names each endpoint `https://<account>.<service>.<suffix>`, so
 * the suffix of the cloud the account lives in (public, US Gov, China) is kept, not assumed.
 */
function sibling(origin: string, from: Service, to: Service): string | undefined {
  const url = new URL(origin);
  const labels = url.hostname.split(".");
  if (labels[1] !== from) return undefined;
  labels[1] = to;
  url.hostname = labels.join(".");
  return url.origin;
}

function credentialFrom(env: NodeJS.ProcessEnv): StorageCredential {
  const credential = setting(env, `${PREFIX}credential`);
  const clientId = setting(env, `${PREFIX}clientId`);
  if (credential !== undefined) {
    if (credential.toLowerCase() !== "managedidentity") {
      throw new ConfigError(`${PREFIX}credential must be managedidentity (or unset)`);
    }
    return { kind: "managedIdentity", clientId };
  }
  const tenantId = setting(env, `${PREFIX}tenantId`);
  const clientSecret = setting(env, `${PREFIX}clientSecret`);
  if (tenantId && clientId && clientSecret) return { kind: "clientSecret", tenantId, clientId, clientSecret };
  return { kind: "default", clientId };
}

function identityConnection(env: NodeJS.ProcessEnv): StorageConnection | undefined {
  const given: Partial<Record<Service, string>> = {};
  for (const service of SERVICES) given[service] = serviceUri(env, service);
  const accountName = setting(env, `${PREFIX}accountName`);
  if (accountName !== undefined && !/^[a-z0-9]{3,24}$/.test(accountName)) {
    throw new ConfigError(
      `${PREFIX}accountName is not a storage account name (3-24 lowercase letters and digits)`,
    );
  }
  if (!given.blob && !given.queue && !given.table && !accountName) return undefined;
  const endpoint = (service: Service): string | undefined => {
    const direct = given[service];
    if (direct) return direct;
    for (const other of SERVICES) {
      const known = given[other];
      const derived = known ? sibling(known, other, service) : undefined;
      if (derived) return derived;
    }
    // The host's own rule for an account name alone (StorageServiceUriOptions: https, core.windows.net):
    // public cloud only; other clouds set the service URIs.
    return accountName ? `https://${accountName}.${service}.core.windows.net` : undefined;
  };
  const table = endpoint("table");
  const queue = endpoint("queue");
  if (!table || !queue) {
    throw new ConfigError(
      `${PREFIX}tableServiceUri is not set and cannot be derived from the other service URIs (set it, or ${PREFIX}accountName)`,
    );
  }
  return {
    kind: "identity",
    tableServiceUrl: table,
    queueServiceUrl: queue,
    blobServiceUrl: endpoint("blob"),
    credential: credentialFrom(env),
  };
}

/**
 * Reads the storage connection the way the Functions host does; a connection string wins when both are set.
 * Development storage (Azurite) only outside Azure: where WEBSITE_INSTANCE_ID is set it would be unreachable.
 */
export function storageConnectionFromEnv(env: NodeJS.ProcessEnv): StorageConnection {
  const connectionString = setting(env, "AzureWebJobsStorage");
  const connection: StorageConnection = (connectionString && {
    kind: "connectionString",
    connectionString,
  }) ||
    identityConnection(env) || { kind: "connectionString", connectionString: DEV_STORAGE };
  if (
    connection.kind === "connectionString" &&
    /^UseDevelopmentStorage=true/i.test(connection.connectionString) &&
    env.WEBSITE_INSTANCE_ID?.trim()
  ) {
    throw new ConfigError(
      `AzureWebJobsStorage is development storage (unset or ${DEV_STORAGE}) on Azure (WEBSITE_INSTANCE_ID is set): set AzureWebJobsStorage, or ${PREFIX}blobServiceUri / __queueServiceUri / __tableServiceUri / __accountName with __credential and __clientId`,
    );
  }
  return connection;
}

/** One line for logs: the endpoint and how it authenticates, never a key. */
export function describeStorage(connection: StorageConnection): string {
  if (connection.kind === "connectionString") {
    return /^UseDevelopmentStorage=true/i.test(connection.connectionString)
      ? "development storage (Azurite)"
      : "AzureWebJobsStorage connection string";
  }
  const identity =
    connection.credential.kind === "managedIdentity"
      ? `managed identity${connection.credential.clientId ? ` ${connection.credential.clientId}` : " (system-assigned)"}`
      : connection.credential.kind === "clientSecret"
        ? "client secret"
        : "DefaultAzureCredential";
  return `${connection.tableServiceUrl} with ${identity}`;
}

/** The @azure/identity credential the host builds for these settings (loaded on first use). */
export async function loadStorageCredential(settings: StorageCredential): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  if (settings.kind === "managedIdentity") {
    return settings.clientId
      ? new identity.ManagedIdentityCredential({ clientId: settings.clientId })
      : new identity.ManagedIdentityCredential();
  }
  if (settings.kind === "clientSecret") {
    return new identity.ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret);
  }
  return new identity.DefaultAzureCredential(
    settings.clientId ? { managedIdentityClientId: settings.clientId } : {},
  );
}

/**
 * A credential that loads @azure/identity on first use only: its ~80 ms of module loading is not paid at cold
 * start by apps that use a connection string. Also for queue clients.
 */
export function createStorageCredential(settings: StorageCredential): TokenCredential {
  let inner: Promise<TokenCredential> | undefined;
  return {
    async getToken(...args) {
      inner ??= loadStorageCredential(settings);
      return (await inner).getToken(...args);
    },
  };
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
    createStorageCredential(connection.credential),
    options,
  );
}
