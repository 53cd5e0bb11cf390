import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { RestError, TableClient } from "@azure/data-tables";
import { it } from "vitest";
import { expandMain, readAppConfig } from "../src/dev/host/appConfig";
import { startAzurite } from "../test/support/azurite";
import { startEmulatorProcess } from "../test/support/emulatorProcess";
import { CHURN_EXAMPLE } from "../test/support/world";
import { moduleLoadMs, startToFirst200Ms } from "./support/coldStart";
import { type LoadResult, loadRun } from "./support/loadRun";
import { rssBytes } from "./support/procStat";
import { type ServingProcess, startServingProcess } from "./support/servingProcess";
import { median, round, thousands } from "./support/statistics";

/**
 * `npm run bench`: the relay against what a user would write instead, in one run on this machine. Five serving
 * processes under autocannon (c=32, 5 s each, interleaved rounds) against the AI Core emulator as a separate
 * process; CPU time of each serving process per request; module-load and start → first 200 medians; memory over
 * a long run. Prints a table and writes it as JSON to bench/results/. Settings: BENCH_ROUNDS (3),
 * BENCH_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_COLD_STARTS (7), BENCH_MEMORY_REQUESTS (100000);
 * BENCH_CPU_PROF=<dir> writes V8 CPU profiles of the naive and the relay serving processes there (they then cost
 * more).
 */

const ROOT = path.resolve(__dirname, "..");
const DEV_HOST = path.join(ROOT, "dist/src/dev/host/main.js");
const NAIVE_APP = path.join(__dirname, "naive");
const ECHO_APP = path.join(__dirname, "echo");
const PREDICT_PATH = "/api/models/churn/predict";
const BODY = JSON.stringify(CHURN_EXAMPLE);

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = setting("BENCH_ROUNDS", 3);
const SECONDS = setting("BENCH_SECONDS", 5);
const CONNECTIONS = setting("BENCH_CONNECTIONS", 32);
const COLD_STARTS = setting("BENCH_COLD_STARTS", 7);
const MEMORY_REQUESTS = setting("BENCH_MEMORY_REQUESTS", 100_000);

/** The serving processes, in the order of the table. */
const TARGETS = {
  bareEcho: "bare node:http server, same body (no upstream call)",
  devHostEcho: "dev host + echo function (no upstream call)",
  bareProxy: "bare node:http keep-alive pass-through proxy",
  naive: "dev host + naive axios function (bench/naive)",
  relay: "dev host + the relay",
} as const;
type Target = keyof typeof TARGETS;

const GOALS = [
  { name: "relay / naive CPU per prediction", goal: "<= 1.15", met: (v: number) => v <= 1.15 },
  { name: "relay / naive throughput", goal: ">= 0.85", met: (v: number) => v >= 0.85 },
  { name: "dev host echo / bare server CPU per request", goal: "<= 1.5", met: (v: number) => v <= 1.5 },
  { name: "relay / naive module load", goal: "<= 1.0", met: (v: number) => v <= 1.0 },
  { name: "relay / naive start -> first 200", goal: "<= 1.2", met: (v: number) => v <= 1.2 },
] as const;

async function predictUrlOf(emulatorUrl: string): Promise<string> {
  const answer = (await (await fetch(`${emulatorUrl}/__emulator/deployments`)).json()) as {
    deployments: Array<{ deploymentUrl?: string; scenarioId?: string; status?: string }>;
  };
  const churn = answer.deployments.find((d) => d.scenarioId === "churn" && d.status === "RUNNING");
  if (!churn?.deploymentUrl) throw new Error("the emulator has no running churn deployment");
  return `${churn.deploymentUrl}/v1/models/churn:predict`;
}

async function deleteRecord(table: TableClient): Promise<void> {
  await table.deleteEntity("churn", "current").catch((error: unknown) => {
    if (!(error instanceof RestError && error.statusCode === 404)) throw error;
  });
}

function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

function devHostArgs(appRoot: string): string[] {
  return [DEV_HOST, "--app-root", appRoot, "--port", "0"];
}

it("relay against the naive function: hot path, cold start, memory", async () => {
  const [azurite, emulator] = await Promise.all([startAzurite(), startEmulatorProcess()]);
  const running: ServingProcess[] = [];
  try {
    const env = {
      AICORE_SERVICE_KEY: JSON.stringify(emulator.serviceKey),
      AzureWebJobsStorage: azurite.connectionString,
      PREDICT_URL: await predictUrlOf(emulator.url),
      DEPLOYMENT_REFRESH_SCHEDULE: "0 */1 * * * *",
    };
    const table = TableClient.fromConnectionString(azurite.connectionString, "deployments", {
      allowInsecureConnection: true,
    });

    const starts: Record<Target, [string, string[]]> = {
      bareEcho: ["bare echo", [path.join(__dirname, "servers/bareEcho.js")]],
      devHostEcho: ["dev host echo", devHostArgs(ECHO_APP)],
      bareProxy: ["bare proxy", [path.join(__dirname, "servers/bareProxy.js")]],
      naive: ["naive", [...profiling(), ...devHostArgs(NAIVE_APP)]],
      relay: ["relay", [...profiling(), ...devHostArgs(ROOT)]],
    };
    const targets = {} as Record<Target, ServingProcess>;
    for (const [target, [name, args]] of Object.entries(starts) as Array<[Target, [string, string[]]]>) {
      targets[target] = await startServingProcess(name, args, env);
      running.push(targets[target]);
    }
    const names = Object.keys(TARGETS) as Target[];
    const run = (target: Target, seconds: number) =>
      loadRun(targets[target], {
        path: PREDICT_PATH,
        body: BODY,
        connections: CONNECTIONS,
        durationSeconds: seconds,
      });

    for (const target of names) await run(target, 2); // JIT, sockets, token, the relay's live lookup

    // Interleaved rounds, the order rotated each round: a change of the machine's load hits every target.
    const rounds: Array<Record<Target, LoadResult>> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const results = {} as Record<Target, LoadResult>;
      for (let i = 0; i < names.length; i++) {
        const target = names[(i + r) % names.length] as Target;
        results[target] = await run(target, SECONDS);
      }
      rounds.push(results);
    }

    // Memory and upstream calls over a long relay run (skipped with BENCH_MEMORY_REQUESTS=0), in steady state: a
    // second of load first, so that keep-alive connections the emulator closed while the other targets ran (a reset
    // on reuse is retried, as it should be) are replaced before the calls are counted.
    if (MEMORY_REQUESTS > 0) await run("relay", 1);
    await emulator.control.resetRequests();
    const rssSamples: number[] = [rssBytes(targets.relay.pid)];
    const sampler = setInterval(() => rssSamples.push(rssBytes(targets.relay.pid)), 1_000);
    const long =
      MEMORY_REQUESTS > 0
        ? await loadRun(targets.relay, {
            path: PREDICT_PATH,
            body: BODY,
            connections: CONNECTIONS,
            amount: MEMORY_REQUESTS,
          })
        : undefined;
    clearInterval(sampler);
    rssSamples.push(rssBytes(targets.relay.pid));
    const upstream = await emulator.control.requests();

    for (const target of running.splice(0)) await target.stop();

    // Cold start, interleaved: module loading, then process start -> first 200 (no record stored: live lookup).
    const relayFiles = expandMain(ROOT, readAppConfig(ROOT).mainPattern);
    const naiveFiles = expandMain(NAIVE_APP, readAppConfig(NAIVE_APP).mainPattern);
    const load = { relay: [] as number[], naive: [] as number[] };
    const first200 = { relay: [] as number[], naive: [] as number[] };
    for (let i = 0; i < COLD_STARTS; i++) {
      load.naive.push(await moduleLoadMs(naiveFiles, env));
      load.relay.push(await moduleLoadMs(relayFiles, env));
      first200.naive.push(await startToFirst200Ms(devHostArgs(NAIVE_APP), env, PREDICT_PATH, BODY));
      await deleteRecord(table);
      first200.relay.push(await startToFirst200Ms(devHostArgs(ROOT), env, PREDICT_PATH, BODY));
    }

    const summary = Object.fromEntries(
      names.map((target) => {
        const of = (pick: (r: LoadResult) => number) => median(rounds.map((r) => pick(r[target])));
        return [
          target,
          {
            label: TARGETS[target],
            perSecond: round(of((r) => r.perSecond)),
            p50Ms: round(
              of((r) => r.p50Ms),
              1,
            ),
            p99Ms: round(
              of((r) => r.p99Ms),
              1,
            ),
            cpuMicrosPerRequest: round(of((r) => r.cpuMicrosPerRequest)),
            failed: rounds.reduce((sum, r) => sum + r[target].failed, 0),
          },
        ];
      }),
    ) as Record<
      Target,
      {
        label: string;
        perSecond: number;
        p50Ms: number;
        p99Ms: number;
        cpuMicrosPerRequest: number;
        failed: number;
      }
    >;
    const perRound = (pick: (r: Record<Target, LoadResult>) => number) => median(rounds.map(pick));
    const ratioValues = [
      perRound((r) => r.relay.cpuMicrosPerRequest / r.naive.cpuMicrosPerRequest),
      perRound((r) => r.relay.perSecond / r.naive.perSecond),
      perRound((r) => r.devHostEcho.cpuMicrosPerRequest / r.bareEcho.cpuMicrosPerRequest),
      median(load.relay) / median(load.naive),
      median(first200.relay) / median(first200.naive),
    ];
    const ratios = GOALS.map((goal, i) => {
      const value = round(ratioValues[i] ?? Number.NaN, 2);
      return { name: goal.name, value, goal: goal.goal, met: goal.met(value) };
    });
    const memory = {
      requests: long?.requests ?? 0,
      failed: long?.failed ?? 0,
      rssMiB: {
        start: round((rssSamples[0] ?? 0) / 2 ** 20, 1),
        max: round(Math.max(...rssSamples) / 2 ** 20, 1),
        end: round((rssSamples.at(-1) ?? 0) / 2 ** 20, 1),
      },
      upstream: { predictions: long?.ok ?? 0, ...upstream.byKind },
      upstreamCallsPerPrediction: round(upstream.byKind.predict / Math.max(1, long?.ok ?? 0), 4),
    };
    const coldStart = {
      moduleLoadMs: { relay: round(median(load.relay), 1), naive: round(median(load.naive), 1) },
      startToFirst200Ms: { relay: round(median(first200.relay), 1), naive: round(median(first200.naive), 1) },
      samples: { load, first200 },
    };

    const when = new Date().toISOString();
    const report = {
      when,
      node: process.version,
      cpus: cpus().length,
      settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, coldStarts: COLD_STARTS },
      targets: summary,
      ratios,
      coldStart,
      memory,
      rounds,
    };
    const dir = path.join(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(path.join(dir, `${when.replace(/[:.]/g, "-")}.json`), json);
    writeFileSync(path.join(dir, "latest.json"), json);

    const lines = [
      "",
      `aicore-relay benchmark, ${when}, Node ${process.version}; c=${CONNECTIONS}, ${SECONDS} s x ${ROUNDS} interleaved rounds (medians)`,
      "",
      "| serving process | req/s | p50 ms | p99 ms | CPU µs / request |",
      "|---|---|---|---|---|",
      ...names.map((t) => {
        const s = summary[t];
        const failed = s.failed > 0 ? ` (${s.failed} failed)` : "";
        return `| ${s.label}${failed} | ${thousands(s.perSecond)} | ${s.p50Ms} | ${s.p99Ms} | ${thousands(s.cpuMicrosPerRequest)} |`;
      }),
      "",
      "| ratio (same run) | value | goal | met |",
      "|---|---|---|---|",
      ...ratios.map((r) => `| ${r.name} | ${r.value} | ${r.goal} | ${r.met ? "yes" : "NO"} |`),
      "",
      `module load (median of ${COLD_STARTS} fresh processes): relay ${coldStart.moduleLoadMs.relay} ms, naive ${coldStart.moduleLoadMs.naive} ms`,
      `process start -> first 200 (median of ${COLD_STARTS}, relay with no stored record): relay ${coldStart.startToFirst200Ms.relay} ms, naive ${coldStart.startToFirst200Ms.naive} ms`,
      `memory over ${thousands(memory.requests)} relay requests (${memory.failed} failed): RSS ${memory.rssMiB.start} MiB at start, ${memory.rssMiB.max} max, ${memory.rssMiB.end} at end`,
      `upstream calls: ${upstream.byKind.predict} predict for ${memory.upstream.predictions} predictions (${memory.upstreamCallsPerPrediction} per prediction), token ${upstream.byKind.token}, deployments list ${upstream.byKind.list}`,
      `written to bench/results/latest.json`,
    ];
    console.log(lines.join("\n"));
  } finally {
    await Promise.all(running.map((t) => t.stop()));
    await Promise.all([emulator.stop(), azurite.stop()]);
  }
});
