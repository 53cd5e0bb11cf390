import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { EmulatorProcess } from "../../test/support/emulatorProcess";
import { type ServingProcess, startServingProcess } from "./servingProcess";

/** How the upstream the relay and the naive function call writes its answers. */
export type Upstream = "emulator" | "content-length" | "chunked" | "raw";

/**
 * One setup the relay and the naive function are both measured in, differing from the bench's original one
 * (`emulator`) in one thing: the upstream, the catalog and refresh schedule, or where the output goes.
 */
export interface Variant {
  name: string;
  label: string;
  upstream: Upstream;
  /** `several`: a catalog of four models, and a refresh schedule that does not fire during the run. */
  catalog?: "several";
  /** `nowhere`: the serving processes' stdout and stderr are /dev/null. */
  output?: "nowhere";
}

/** The bench's original setup; its env also serves the floors and the cold start. */
export const EMULATOR: Variant = {
  name: "emulator",
  label: "AI Core emulator (Content-Length, one write)",
  upstream: "emulator",
};

export const VARIANTS: Variant[] = [
  EMULATOR,
  {
    name: "content-length",
    label: "node:http model server, Content-Length",
    upstream: "content-length",
  },
  {
    name: "chunked",
    label: "node:http model server, headers first, then the body (chunked)",
    upstream: "chunked",
  },
  {
    name: "raw",
    label: "net model server (not node:http), head and body in two writes",
    upstream: "raw",
  },
  {
    name: "catalog",
    label: "emulator; 4 models in the catalog, no refresh during the run",
    upstream: "emulator",
    catalog: "several",
  },
  {
    name: "nowhere",
    label: "emulator; output goes nowhere (/dev/null)",
    upstream: "emulator",
    output: "nowhere",
  },
];

/** BENCH_VARIANTS=emulator,chunked picks some; all by default. */
export function chosenVariants(setting: string | undefined): Variant[] {
  if (!setting) return VARIANTS;
  const names = setting.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !VARIANTS.some((v) => v.name === name));
  if (unknown.length > 0) throw new Error(`BENCH_VARIANTS: no variant ${unknown.join(", ")}`);
  return VARIANTS.filter((v) => names.includes(v.name));
}

const PREDICT_PATH = "/v1/models/churn:predict";
const NEVER_DURING_THE_RUN = "0 0 0 1 1 *"; // midnight on January 1st
const MODEL_SERVER = path.resolve(__dirname, "../servers/modelServer.js");
const ROOT = path.resolve(__dirname, "../..");

/**
 * The catalog model of a variant: each its own name, since every relay keeps its deployment record in the same
 * Table storage under the model's name (and its refresh timer rewrites it): with one name for all, a relay would
 * read another variant's record and call that variant's upstream.
 */
export function modelOf(variant: Variant): string {
  return variant.name === EMULATOR.name ? "churn" : `churn-${variant.name}`;
}

/** What a variant's relay and naive function are started with. */
export interface VariantEnv {
  /** The naive function's and the bare proxy's PREDICT_URL. */
  PREDICT_URL: string;
  MODEL_CATALOG: string;
  DEPLOYMENT_REFRESH_SCHEDULE: string;
}

interface ChurnModel {
  scenarioId: string;
  executableId: string;
  [field: string]: unknown;
}

/**
 * The upstreams the chosen variants need (model servers as processes, each registered in the emulator as a
 * RUNNING deployment of a scenario of its own with its URL) and a catalog file per variant in `dir`.
 */
export async function prepareVariants(
  variants: Variant[],
  emulator: EmulatorProcess,
  dir: string,
): Promise<{ envOf(variant: Variant): VariantEnv; servers: ServingProcess[] }> {
  mkdirSync(dir, { recursive: true });
  const shipped = JSON.parse(readFileSync(path.join(ROOT, "models.json"), "utf8")) as {
    models: Record<string, ChurnModel>;
  };
  const churn = shipped.models.churn as ChurnModel;
  const servers: ServingProcess[] = [];
  const scenarios = new Map<string, { scenarioId: string; executableId: string; predictUrl: string }>();

  const emulatorChurn = await runningDeployment(emulator, churn.scenarioId);
  scenarios.set("emulator", {
    scenarioId: churn.scenarioId,
    executableId: churn.executableId,
    predictUrl: `${emulatorChurn}${PREDICT_PATH}`,
  });
  for (const upstream of new Set(variants.map((v) => v.upstream))) {
    if (upstream === "emulator") continue;
    const server = await startServingProcess(`model server (${upstream})`, [MODEL_SERVER], {
      MODEL_SERVER_WRITES: upstream,
    });
    servers.push(server);
    const scenarioId = `bench-${upstream}`;
    const executableId = `${scenarioId}-serving`;
    await emulator.control.addDeployment({
      scenarioId,
      executableId,
      status: "RUNNING",
      deploymentUrl: server.url,
    });
    scenarios.set(upstream, { scenarioId, executableId, predictUrl: `${server.url}${PREDICT_PATH}` });
  }
  const extra = ["churn-eu", "churn-us", "upsell"];
  if (variants.some((v) => v.catalog === "several")) {
    for (const name of extra) {
      await emulator.control.addDeployment({
        scenarioId: `bench-${name}`,
        executableId: `bench-${name}-serving`,
        status: "RUNNING",
      });
    }
  }

  const envs = new Map<string, VariantEnv>();
  const withBase = variants.some((v) => v.name === "emulator") ? variants : [EMULATOR, ...variants];
  for (const variant of withBase) {
    const scenario = scenarios.get(variant.upstream);
    if (!scenario) throw new Error(`no upstream ${variant.upstream}`);
    const models: Record<string, ChurnModel> = {
      [modelOf(variant)]: {
        ...churn,
        scenarioId: scenario.scenarioId,
        executableId: scenario.executableId,
        predictPath: PREDICT_PATH,
      },
    };
    if (variant.catalog === "several") {
      for (const name of extra)
        models[`${variant.name}-${name}`] = {
          ...churn,
          scenarioId: `bench-${name}`,
          executableId: `bench-${name}-serving`,
        };
    }
    const file = path.join(dir, `models.${variant.name}.json`);
    writeFileSync(file, `${JSON.stringify({ models }, null, 2)}\n`);
    envs.set(variant.name, {
      PREDICT_URL: scenario.predictUrl,
      MODEL_CATALOG: file,
      DEPLOYMENT_REFRESH_SCHEDULE: variant.catalog === "several" ? NEVER_DURING_THE_RUN : "0 */1 * * * *",
    });
  }
  return {
    servers,
    envOf: (variant) => {
      const env = envs.get(variant.name);
      if (!env) throw new Error(`variant ${variant.name} was not prepared`);
      return env;
    },
  };
}

async function runningDeployment(emulator: EmulatorProcess, scenarioId: string): Promise<string> {
  const answer = (await (await fetch(`${emulator.url}/__emulator/deployments`)).json()) as {
    deployments: Array<{ deploymentUrl?: string; scenarioId?: string; status?: string }>;
  };
  const found = answer.deployments.find((d) => d.scenarioId === scenarioId && d.status === "RUNNING");
  if (!found?.deploymentUrl) throw new Error(`the emulator has no running ${scenarioId} deployment`);
  return found.deploymentUrl;
}
