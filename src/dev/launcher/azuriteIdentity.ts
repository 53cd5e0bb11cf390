/** The ports of Azurite's three services. */
export type AzuritePorts = { blob: number; queue: number; table: number };

/** What each Azurite service names itself in its `Server` header (3.37.0: `Azurite-Blob/3.37.0` ...). */
const SERVER_NAMES: Record<keyof AzuritePorts, string> = {
  blob: "Azurite-Blob/",
  queue: "Azurite-Queue/",
  table: "Azurite-Table/",
};

/** True when the server on `port` answers as Azurite's `service` does (any request gets its `Server` header). */
export async function isAzuriteService(
  service: keyof AzuritePorts,
  port: number,
  timeoutMs = 2_000,
): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.headers.get("server")?.startsWith(SERVER_NAMES[service]) ?? false;
  } catch {
    return false;
  }
}
