import { connectionString, startAzurite as startAzuriteChild } from "../../src/dev/launcher/azurite";

export interface RunningAzurite {
  /** Full connection string (account, key and the three endpoints) to pass as `AzureWebJobsStorage`. */
  connectionString: string;
  /** Stops Azurite and resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Azurite in memory on three free loopback ports, started the way `npm start` starts it (without echoing
 * its output); resolves once blob, queue and table listen.
 */
export async function startAzurite(): Promise<RunningAzurite> {
  const { child, ports } = await startAzuriteChild("free", { echo: false });
  return { connectionString: connectionString(ports), stop: () => child.stop(5_000) };
}
