import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, isolatedApp } from "../../support/isolatedApp";
import { DEVHOST_MAIN, requireBuild } from "./devHostProcess";

/**
 * Pins what every relay function registers through @azure/functions-core: exactly what Azure indexes.
 * Loads the app's `main` (the bundle, dist/app.js) through the dev host's registration layer (`--describe`: no
 * server, no timers).
 */

const ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

const EXPECTED = [
  // One attempt per message; the next attempt is a message it queues itself (no output binding).
  {
    name: "deliverCallbacks",
    trigger: "queueTrigger",
    queueName: "scoring-callbacks",
    connection: "AzureWebJobsStorage",
    output: undefined,
  },
  {
    name: "deployments",
    trigger: "httpTrigger",
    route: "deployments",
    methods: ALL_METHODS,
    authLevel: "function",
  },
  {
    name: "docs",
    trigger: "httpTrigger",
    route: "docs/{asset?}",
    methods: ALL_METHODS,
    authLevel: "anonymous",
  },
  // Function keys: Event Grid and SAP Event Mesh carry one in the endpoint URL's code; OPTIONS is the handshake.
  {
    name: "events",
    trigger: "httpTrigger",
    route: "events/{name}",
    methods: ALL_METHODS,
    authLevel: "function",
  },
  { name: "health", trigger: "httpTrigger", route: "health", methods: ALL_METHODS, authLevel: "anonymous" },
  // A catch-all: job ids derived from CloudEvents (source#id) may hold slashes.
  { name: "job", trigger: "httpTrigger", route: "jobs/{*id}", methods: ALL_METHODS, authLevel: "function" },
  {
    name: "openapi",
    trigger: "httpTrigger",
    route: "openapi.json",
    methods: ALL_METHODS,
    authLevel: "anonymous",
  },
  {
    name: "predict",
    trigger: "httpTrigger",
    route: "models/{model}/predict",
    methods: ALL_METHODS,
    authLevel: "function",
  },
  { name: "purgeJobs", trigger: "timerTrigger", schedule: "0 45 3 * * *", runOnStartup: undefined },
  {
    name: "purgeWebhookDeliveries",
    trigger: "timerTrigger",
    schedule: "0 30 3 * * *",
    runOnStartup: undefined,
  },
  // A literal: no app setting the host would need defined; never runOnStartup (it fires on every scale-out).
  { name: "refreshDeployments", trigger: "timerTrigger", schedule: "0 */1 * * * *", runOnStartup: undefined },
  // The queue names default when SCORING_QUEUE / RESULTS_QUEUE are unset; the result goes out through $return.
  {
    name: "scoreJobs",
    trigger: "queueTrigger",
    queueName: "scoring-requests",
    connection: "AzureWebJobsStorage",
    output: {
      name: "$return",
      type: "queue",
      queueName: "scoring-results",
      connection: "AzureWebJobsStorage",
    },
  },
  { name: "status", trigger: "httpTrigger", route: "status", methods: ALL_METHODS, authLevel: "function" },
  {
    name: "webhook",
    trigger: "httpTrigger",
    route: "hooks/{source}",
    methods: ALL_METHODS,
    authLevel: "anonymous",
  },
];

/** A well-formed service key (nothing is called: loading only builds clients). */
const SERVICE_KEY = JSON.stringify({
  clientid: "snapshot-client",
  clientsecret: "snapshot-secret",
  url: "http://127.0.0.1:9",
  serviceurls: { AI_API_URL: "http://127.0.0.1:9" },
});

interface Binding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
  queueName?: string;
  connection?: string;
}

type Metadata = { name: string; bindings: Record<string, Binding> }[];

// The built app with the fixture catalog and no local.settings.json: never the developer's own files.
const app = isolatedApp();
afterAll(() => app.remove());

/** What the app registers, loaded with these settings (and no others of the relay's). */
function describeApp(env: NodeJS.ProcessEnv): Metadata {
  requireBuild();
  expect(existsSync(path.join(app.root, "dist", "app.js")), "dist/app.js: run `npm run build`").toBe(true);
  const result = spawnSync(process.execPath, [DEVHOST_MAIN, "--app-root", app.root, "--describe"], {
    encoding: "utf8",
    env: cleanEnv(env),
  });
  expect(result.status, result.stderr).toBe(0);
  // The app may log while it loads; the metadata is the last line.
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as Metadata;
}

describe("relay function metadata", () => {
  it("registers exactly the expected functions, routes, methods, auth levels and schedules", () => {
    const metadata = describeApp({
      AICORE_SERVICE_KEY: SERVICE_KEY,
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
    });
    const table = metadata
      .map(({ name, bindings }) => {
        const trigger = Object.values(bindings).find((b) => b.direction === "in" && /Trigger$/.test(b.type));
        const others = Object.entries(bindings).filter(([, b]) => b !== trigger);
        if (trigger?.type === "httpTrigger") {
          expect(others.map(([key, b]) => [key, b.type, b.direction])).toEqual([["$return", "http", "out"]]);
          const { route, methods, authLevel } = trigger;
          return { name, trigger: trigger.type, route, methods, authLevel };
        }
        if (trigger?.type === "queueTrigger") {
          expect(others.length).toBeLessThanOrEqual(1);
          const [outputName, output] = (others[0] ?? []) as [string, Binding] | [];
          return {
            name,
            trigger: trigger.type,
            queueName: trigger.queueName,
            connection: trigger.connection,
            output: output && {
              name: outputName,
              type: output.type,
              queueName: output.queueName,
              connection: output.connection,
            },
          };
        }
        expect(others).toEqual([]);
        return {
          name,
          trigger: trigger?.type,
          schedule: trigger?.schedule,
          runOnStartup: trigger?.runOnStartup,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(table).toEqual(EXPECTED);
  });

  it("registers the timer with DEPLOYMENT_REFRESH_SCHEDULE when it is set (read while the worker indexes)", () => {
    const metadata = describeApp({ DEPLOYMENT_REFRESH_SCHEDULE: " */20 * * * * * " });
    const refresh = metadata.find((f) => f.name === "refreshDeployments");
    expect(Object.values(refresh?.bindings ?? {}).find((b) => b.type === "timerTrigger")?.schedule).toBe(
      "*/20 * * * * *",
    );
  });

  it("listens on SCORING_QUEUE and writes results to RESULTS_QUEUE when they are set", () => {
    const metadata = describeApp({ SCORING_QUEUE: "orders-to-score", RESULTS_QUEUE: "order-scores" });
    const bindings = Object.values(metadata.find((f) => f.name === "scoreJobs")?.bindings ?? {});
    expect(bindings.find((b) => b.type === "queueTrigger")?.queueName).toBe("orders-to-score");
    expect(bindings.find((b) => b.type === "queue")?.queueName).toBe("order-scores");
  });

  it("listens on CALLBACK_QUEUE when it is set", () => {
    const metadata = describeApp({ CALLBACK_QUEUE: "crm-callbacks" });
    const bindings = Object.values(metadata.find((f) => f.name === "deliverCallbacks")?.bindings ?? {});
    expect(bindings.find((b) => b.type === "queueTrigger")?.queueName).toBe("crm-callbacks");
  });

  it("registers every function even when the settings are wrong: the relay is built on first use", () => {
    const metadata = describeApp({ AICORE_SERVICE_KEY: "not json", AICORE_RESOURCE_GROUP: "bad group!" });
    expect(metadata.map((f) => f.name).sort()).toEqual(EXPECTED.map((f) => f.name));
  });
});
