import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { ConfigError } from "./configError";
import { requireResolved } from "./keyVaultReference";

/**
 * Storage connections read exactly as the Functions host and its Storage extensions read them, for the relay's own
 * clients and for the dev host alike. The rules, from the extensions' documentation (MicrosoftDocs/azure-docs,
 * includes/functions-storage-{blob,queue,table}-connections.md, and functions-reference.md "Connecting to host
 * storage with an identity") and their code (Azure/azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.Storage.*:
 * StorageClientProvider, which builds clients through Microsoft.Extensions.Azure's AzureComponentFactory):
 *   - a connection named `X` is the configuration section `AzureWebJobsX` if it exists, else `X`; keys are
 *     case-insensitive (.NET configuration) and `__` separates a section from its keys;
 *   - a value on the section itself is a connection string, and wins over any `X__*` key;
 *   - otherwise each service has its own endpoint: `X__blobServiceUri` / `X__queueServiceUri` / `X__tableServiceUri`,
 *     else the alias `X__serviceUri` ("can't be used when the connection is used across blobs, queues and tables"),
 *     else `X__accountName` as `https://<account>.<service>.core.windows.net`; never one service's endpoint derived
 *     from another's;
 *   - the credential: `X__credential=managedidentity` with `X__clientId` or `X__managedIdentityResourceId` (not
 *     both), or `X__tenantId` + `X__clientId` + `X__clientSecret`, else DefaultAzureCredential.
 */

export type StorageService = "blob" | "queue" | "table";
export const STORAGE_SERVICES: readonly StorageService[] = ["blob", "queue", "table"];

/** How an identity-based connection authenticates. */
export type StorageCredential =
  /** `__credential=managedidentity`: the system-assigned identity, or the user-assigned one named by `__clientId` / `__managedIdentityResourceId`. */
  | { kind: "managedIdentity"; clientId?: string; resourceId?: string }
  /** `__tenantId` + `__clientId` + `__clientSecret`: an app registration. */
  | { kind: "clientSecret"; tenantId: string; clientId: string; clientSecret: string }
  /** No `__credential`: DefaultAzureCredential, with `__clientId` / `__managedIdentityResourceId` as the managed identity to prefer. */
  | { kind: "default"; clientId?: string; resourceId?: string };

/**
 * Where a connection leads: a connection string, or an identity-based connection whose service endpoints are those
 * the host would use (a service without one is absent: the host cannot reach it either).
 */
export type StorageConnection =
  | {
      kind: "connectionString";
      connectionString: string /** The setting it came from (AzureWebJobsStorage by default). */;
      name?: string;
    }
  | {
      kind: "identity";
      /** The setting prefix (`AzureWebJobsStorage`). */
      name: string;
      tableServiceUrl?: string;
      queueServiceUrl?: string;
      blobServiceUrl?: string;
      credential: StorageCredential;
    };

export const DEV_STORAGE = "UseDevelopmentStorage=true";
export const HOST_STORAGE = "AzureWebJobsStorage";

/**
 * Whether the process runs on Azure, where development storage cannot be reached. WEBSITE_INSTANCE_ID is empty on
 * Flex Consumption, so what Flex sets counts too, read as the host's IsFlexConsumptionSku reads it: WEBSITE_SKU, or
 * CONTAINER_NAME together with LEGION_SERVICE_HOST (IsLinuxConsumptionOnLegion). CONTAINER_NAME alone is not Azure:
 * container runtimes and sandboxes set it too, and `npm start` there must still use Azurite.
 */
function onAzure(env: NodeJS.ProcessEnv): string | undefined {
  if (env.WEBSITE_SKU?.trim().toLowerCase() === "flexconsumption") return "WEBSITE_SKU=FlexConsumption";
  if (env.CONTAINER_NAME?.trim() && env.LEGION_SERVICE_HOST?.trim()) {
    return "CONTAINER_NAME and LEGION_SERVICE_HOST are set";
  }
  for (const name of ["WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME"]) {
    if (env[name]?.trim()) return `${name} is set`;
  }
  return undefined;
}

/** A configuration section as the host sees it: the value of `name` and its `name__*` keys, case-insensitive. */
interface Section {
  name: string;
  value?: string;
  keys: Map<string, { setting: string; value: string }>;
}

function sectionOf(env: NodeJS.ProcessEnv, name: string): Section {
  const lower = name.toLowerCase();
  const section: Section = { name, keys: new Map() };
  for (const [setting, raw] of Object.entries(env)) {
    if (raw === undefined || raw.trim() === "") continue;
    const key = setting.toLowerCase();
    if (key === lower) section.value = requireResolved(setting, raw.trim());
    else if (key.startsWith(`${lower}__`)) {
      section.keys.set(key.slice(lower.length + 2), { setting, value: raw.trim() });
    }
  }
  return section;
}

function exists(section: Section): boolean {
  return section.value !== undefined || section.keys.size > 0;
}

/** The section a connection name refers to: `AzureWebJobs<name>` first, as the host's GetWebJobsConnectionSection. */
function connectionSection(env: NodeJS.ProcessEnv, name: string): Section {
  const prefixed = sectionOf(env, `AzureWebJobs${name}`);
  return exists(prefixed) ? prefixed : sectionOf(env, name);
}

function key(section: Section, name: string): string | undefined {
  const entry = section.keys.get(name.toLowerCase());
  return entry === undefined ? undefined : requireResolved(entry.setting, entry.value);
}

/** An https service endpoint without path or query, as its origin. */
function endpointSetting(
  section: Section,
  keyName: string,
  service: StorageService | "storage",
): string | undefined {
  const value = key(section, keyName);
  if (value === undefined) return undefined;
  const name = `${section.name}__${keyName}`;
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

function credentialOf(section: Section): StorageCredential {
  const credential = key(section, "credential");
  const clientId = key(section, "clientId");
  const resourceId = key(section, "managedIdentityResourceId");
  if (clientId !== undefined && resourceId !== undefined) {
    throw new ConfigError(
      `${section.name}__clientId and ${section.name}__managedIdentityResourceId are both set: set one of them`,
      `${section.name}__clientId`,
    );
  }
  const identity = { ...(clientId ? { clientId } : {}), ...(resourceId ? { resourceId } : {}) };
  if (credential !== undefined) {
    if (credential.toLowerCase() !== "managedidentity") {
      throw new ConfigError(`${section.name}__credential must be managedidentity (or unset)`);
    }
    return { kind: "managedIdentity", ...identity };
  }
  const tenantId = key(section, "tenantId");
  const clientSecret = key(section, "clientSecret");
  if (tenantId && clientId && clientSecret) return { kind: "clientSecret", tenantId, clientId, clientSecret };
  return { kind: "default", ...identity };
}

function identityConnection(section: Section): StorageConnection {
  const accountName = key(section, "accountName");
  if (accountName !== undefined && !/^[a-z0-9]{3,24}$/.test(accountName)) {
    throw new ConfigError(
      `${section.name}__accountName is not a storage account name (3-24 lowercase letters and digits)`,
    );
  }
  const alias = endpointSetting(section, "serviceUri", "storage");
  // The alias stands for every service, as the host reads it; an alias that plainly names another service of the
  // account (`<account>.blob.<suffix>` taken for queues) is not used for this one, so the missing setting is named.
  const aliasFor = (service: StorageService): string | undefined => {
    const label = alias === undefined ? undefined : new URL(alias).hostname.split(".")[1];
    return label !== undefined && STORAGE_SERVICES.includes(label as StorageService) && label !== service
      ? undefined
      : alias;
  };
  const endpoint = (service: StorageService): string | undefined =>
    endpointSetting(section, `${service}ServiceUri`, service) ??
    aliasFor(service) ??
    (accountName ? `https://${accountName}.${service}.core.windows.net` : undefined);
  return {
    kind: "identity",
    name: section.name,
    blobServiceUrl: endpoint("blob"),
    queueServiceUrl: endpoint("queue"),
    tableServiceUrl: endpoint("table"),
    credential: credentialOf(section),
  };
}

/**
 * The storage connection named `name` (default the host's own, AzureWebJobsStorage), read as the host reads it.
 * Unset outside Azure: development storage (Azurite), as Core Tools' local settings default it. Unset or
 * development storage on Azure: a ConfigError naming the settings, never a silent fallback.
 */
export function storageConnectionFromEnv(
  env: NodeJS.ProcessEnv,
  name: string = HOST_STORAGE,
): StorageConnection {
  const section = connectionSection(env, name);
  const connection: StorageConnection =
    section.value !== undefined
      ? { kind: "connectionString", name: section.name, connectionString: section.value }
      : section.keys.size > 0
        ? identityConnection(section)
        : { kind: "connectionString", name: section.name, connectionString: DEV_STORAGE };
  const azure = onAzure(env);
  if (azure && connection.kind === "connectionString" && isDevelopmentStorage(connection.connectionString)) {
    throw new ConfigError(
      `${section.name} is development storage (unset or ${DEV_STORAGE}) on Azure (${azure}): set ${section.name}, or ${section.name}__blobServiceUri / __queueServiceUri / __tableServiceUri (or __accountName) with __credential and __clientId`,
      section.name,
    );
  }
  return connection;
}

function isDevelopmentStorage(connectionString: string): boolean {
  return /^UseDevelopmentStorage=true/i.test(connectionString);
}

/**
 * The configuration error of a connection that gives a service the app needs no endpoint (undefined when it has
 * one): the host fails to index a queue function in that case ("Error indexing method"), and so would the relay's
 * own client.
 */
export function missingEndpointError(
  connection: StorageConnection,
  service: StorageService,
  neededFor: string,
): ConfigError | undefined {
  if (connection.kind === "connectionString" || endpointOf(connection, service) !== undefined)
    return undefined;
  const setting = `${connection.name}__${service}ServiceUri`;
  return new ConfigError(
    `${setting} is not set (nor ${connection.name}__serviceUri or __accountName): ${neededFor} need the ${service} service of ${connection.name}; the host does not derive it from another service's URI`,
    setting,
  );
}

/** What the app uses each service of its storage connection for (a missing endpoint's message names it). */
export const SERVICE_USERS: Readonly<Record<StorageService, string>> = {
  blob: "the Functions host (timer schedule locks, host keys)",
  queue: "the queue functions (scoreJobs, deliverCallbacks) and the relay's queue writers",
  table: "the relay's tables (deployments, scoringjobs, deliveries)",
};

/** One ConfigError per service of AzureWebJobsStorage the app needs and the connection gives no endpoint. */
export function storageConfigurationErrors(connection: StorageConnection): ConfigError[] {
  return STORAGE_SERVICES.flatMap(
    (service) => missingEndpointError(connection, service, SERVICE_USERS[service]) ?? [],
  );
}

/** The endpoint of `service`, or the ConfigError naming the setting that is missing. */
export function requireEndpoint(
  connection: StorageConnection & { kind: "identity" },
  service: StorageService,
  neededFor: string,
): string {
  const url = endpointOf(connection, service);
  if (url === undefined) throw missingEndpointError(connection, service, neededFor);
  return url;
}

function endpointOf(
  connection: StorageConnection & { kind: "identity" },
  service: StorageService,
): string | undefined {
  return {
    blob: connection.blobServiceUrl,
    queue: connection.queueServiceUrl,
    table: connection.tableServiceUrl,
  }[service];
}

/** The @azure/identity credential the host builds for these settings (loaded on first use). */
export async function loadStorageCredential(settings: StorageCredential): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  if (settings.kind === "managedIdentity") {
    if (settings.clientId) return new identity.ManagedIdentityCredential({ clientId: settings.clientId });
    if (settings.resourceId)
      return new identity.ManagedIdentityCredential({ resourceId: settings.resourceId });
    return new identity.ManagedIdentityCredential();
  }
  if (settings.kind === "clientSecret") {
    return new identity.ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret);
  }
  if (settings.resourceId) {
    return new identity.DefaultAzureCredential({ managedIdentityResourceId: settings.resourceId });
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
    requireEndpoint(connection, "table", SERVICE_USERS.table),
    tableName,
    createStorageCredential(connection.credential),
    options,
  );
}
