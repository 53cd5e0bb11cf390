import { DevHostProcess, requireBuild } from "../dev/host/devHostProcess";
import type { World } from "./world";

/**
 * The relay in the dev host for a queue test: the app copy at `appRoot`, the world's Azurite and emulator, a scoring
 * and a results queue of the test's own, and polls every 200 ms; `env` adds or overrides settings. Answers once
 * the host listens (a host that does not start is stopped, not left running).
 */
export async function startQueueRelay(
  world: World,
  appRoot: string,
  queues: { jobs: string; results: string },
  env: NodeJS.ProcessEnv = {},
): Promise<{ host: DevHostProcess; base: string }> {
  requireBuild();
  const host = new DevHostProcess(["--app-root", appRoot, "--port", "0"], {
    AICORE_SERVICE_KEY: JSON.stringify(world.emulator.serviceKey),
    AzureWebJobsStorage: world.azurite.connectionString,
    SCORING_QUEUE: queues.jobs,
    RESULTS_QUEUE: queues.results,
    AzureFunctionsJobHost__extensions__queues__maxPollingInterval: "00:00:00.200",
    ...env,
  });
  try {
    const [, url] = await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/, 30_000);
    return { host, base: `${url}/api` };
  } catch (error) {
    await host.stop();
    throw error;
  }
}
