import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

/** The well-known development account of Azurite (public, documented by Microsoft; not a secret). */
const ACCOUNT_NAME = "devstoreaccount1";
const ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

export interface RunningAzurite {
  /** Full connection string (account, key and the three endpoints) to pass as `AzureWebJobsStorage`. */
  connectionString: string;
  blobUrl: string;
  queueUrl: string;
  /** e.g. `http://127.0.0.1:41907/devstoreaccount1` */
  tableUrl: string;
  /** Kills Azurite and resolves once the process has exited. */
  stop(): Promise<void>;
}

function azuriteBin(): string {
  const packageJson = require.resolve("azurite/package.json");
  return path.join(path.dirname(packageJson), "dist", "src", "azurite.js");
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts Azurite in memory on three free loopback ports and resolves once all three services
 * listen. Rejects (and cleans up) if Azurite exits first or does not come up within `timeoutMs`.
 */
export async function startAzurite(timeoutMs = 30_000): Promise<RunningAzurite> {
  const child = spawn(
    process.execPath,
    [
      azuriteBin(),
      "--blobHost",
      "127.0.0.1",
      "--queueHost",
      "127.0.0.1",
      "--tableHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      "--queuePort",
      "0",
      "--tablePort",
      "0",
      "--disableTelemetry",
      "--inMemoryPersistence",
      "--skipApiVersionCheck",
      "--silent",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited(child);
      clearTimeout(timer);
    }
  };

  const endpoints = await new Promise<Record<string, string>>((resolve, reject) => {
    const found: Record<string, string> = {};
    let output = "";
    let buffered = "";
    const fail = (reason: string) => {
      cleanup();
      reject(new Error(`Azurite did not start: ${reason}\n${output.slice(-2_000)}`));
    };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      buffered += text;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = LISTENING.exec(line);
        if (match?.[1] && match[2]) found[match[1].toLowerCase()] = match[2];
      }
      if (found.blob && found.queue && found.table) {
        cleanup();
        resolve(found);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`it exited (${signal ?? `code ${code}`})`);
    const onError = (error: Error) => fail(error.message);
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", onExit);
    child.once("error", onError);
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  // Keep draining the pipes so Azurite never blocks on a full buffer.
  child.stdout?.resume();
  child.stderr?.resume();

  const blobUrl = `${endpoints.blob}/${ACCOUNT_NAME}`;
  const queueUrl = `${endpoints.queue}/${ACCOUNT_NAME}`;
  const tableUrl = `${endpoints.table}/${ACCOUNT_NAME}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT_NAME};AccountKey=${ACCOUNT_KEY};` +
    `BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};TableEndpoint=${tableUrl};`;
  return { connectionString, blobUrl, queueUrl, tableUrl, stop };
}
