import { connectionString, startAzurite as startAzuriteChild } from "../../src/dev/launcher/azurite";

export interface RunningAzurite {
  /** Full connection string (account, key and the three endpoints) to pass as `AzureWebJobsStorage`. */
  connectionString: string;
  /** SIGSTOP: storage that hangs instead of refusing (connections are accepted by the kernel, never answered). */
  freeze(): void;
  /** SIGCONT after a freeze. */
  thaw(): void;
  /** Stops Azurite (thawing it first) and resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Azurite in memory on three free loopback ports, started the way `npm start` starts it (without echoing
 * its output); resolves once blob, queue and table listen.
 */
export async function startAzurite(): Promise<RunningAzurite> {
  const { child, ports } = await startAzuriteChild("free", { echo: false });
  const signal = (name: NodeJS.Signals) => {
    if (child.running) child.process.kill(name);
  };
  return {
    connectionString: connectionString(ports),
    freeze: () => signal("SIGSTOP"),
    thaw: () => signal("SIGCONT"),
    stop: () => {
      signal("SIGCONT"); // a stopped process would hold its SIGTERM until continued
      return child.stop(5_000);
    },
  };
}
