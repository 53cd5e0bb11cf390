import path from "node:path";
import { type AzuritePorts, isAzuriteService } from "./azuriteIdentity";
import { Child } from "./child";
import { canListen, isListening } from "./ports";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
export const DEFAULT_AZURITE_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;

export function connectionString(ports: AzuritePorts, host = "127.0.0.1"): string {
  const endpoint = (port: number) => `http://${host}:${port}/${DEV_ACCOUNT}`;
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
    `BlobEndpoint=${endpoint(ports.blob)};QueueEndpoint=${endpoint(ports.queue)};TableEndpoint=${endpoint(ports.table)};`
  );
}

export function azuriteBin(): string {
  return path.join(path.dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
}

/**
 * RELAY_AZURITE_PORTS: unset = 10000,10001,10002; `0` = three free ports; `B,Q,T` = these ports.
 */
export function azuritePortsFromSetting(raw: string | undefined): AzuritePorts | "free" {
  const text = raw?.trim() ?? "";
  if (text === "") return { ...DEFAULT_AZURITE_PORTS };
  if (text === "0") return "free";
  const parts = text.split(",").map((p) => p.trim());
  const [blob, queue, table] = parts.map(Number);
  if (
    parts.length !== 3 ||
    [blob, queue, table].some((p) => p === undefined || !Number.isInteger(p) || p < 1 || p > 65_535)
  ) {
    throw new Error(`RELAY_AZURITE_PORTS must be 0 or three ports "blob,queue,table", got '${text}'`);
  }
  return { blob: blob as number, queue: queue as number, table: table as number };
}

export type AzuritePlan =
  | { action: "reuse"; ports: AzuritePorts }
  | { action: "start"; ports: AzuritePorts | "free" }
  | { action: "fail"; reason: string };

/**
 * Reuse an Azurite that already listens on all three ports (each must answer as that Azurite service); start one
 * when none is taken; else fail.
 */
export async function planAzurite(ports: AzuritePorts | "free"): Promise<AzuritePlan> {
  if (ports === "free") return { action: "start", ports };
  const entries = Object.entries(ports) as [keyof AzuritePorts, number][];
  const listening = await Promise.all(entries.map(([, port]) => isListening(port)));
  if (listening.every(Boolean)) {
    const azurite = await Promise.all(entries.map(([service, port]) => isAzuriteService(service, port)));
    if (azurite.every(Boolean)) return { action: "reuse", ports };
  }
  const taken: string[] = [];
  for (const [index, [service, port]] of entries.entries()) {
    if (listening[index] || !(await canListen(port))) taken.push(`${port} (${service})`);
  }
  if (taken.length === 0) return { action: "start", ports };
  return {
    action: "fail",
    reason:
      `port ${taken.join(", ")} is already in use by something other than a complete Azurite ` +
      `(Azurite needs ${ports.blob}, ${ports.queue} and ${ports.table}); free it, set RELAY_AZURITE_PORTS=0 ` +
      "for free ports, or set AzureWebJobsStorage",
  };
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:\s]+:(\d+)/;

/** Starts Azurite in memory and resolves once blob, queue and table listen. */
export async function startAzurite(
  ports: AzuritePorts | "free",
  options: { echo?: boolean } = {},
): Promise<{ child: Child; ports: AzuritePorts }> {
  const chosen = ports === "free" ? { blob: 0, queue: 0, table: 0 } : ports;
  const echo = options.echo ?? true;
  const child = new Child(
    "azurite",
    process.execPath,
    [
      azuriteBin(),
      "--inMemoryPersistence",
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
      "--blobHost",
      "127.0.0.1",
      "--queueHost",
      "127.0.0.1",
      "--tableHost",
      "127.0.0.1",
      "--blobPort",
      String(chosen.blob),
      "--queuePort",
      String(chosen.queue),
      "--tablePort",
      String(chosen.table),
    ],
    { echoStdout: () => echo },
  );
  const found: Partial<AzuritePorts> = {};
  try {
    const result = await child.waitFor((line) => {
      const match = LISTENING.exec(line);
      if (match?.[1] && match[2]) found[match[1].toLowerCase() as keyof AzuritePorts] = Number(match[2]);
      return found.blob && found.queue && found.table ? (found as AzuritePorts) : undefined;
    }, 30_000);
    return { child, ports: result };
  } catch (error) {
    await child.stop();
    throw new Error(`Azurite did not start: ${(error as Error).message}`);
  }
}
