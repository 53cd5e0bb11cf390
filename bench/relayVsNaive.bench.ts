import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { RestError, TableClient } from "@azure/data-tables";
import { it } from "vitest";
import { expandMain, readAppConfig } from "../src/dev/host/appConfig";
import { startAzurite } from "../test/support/azurite";
import { startEmulatorProcess } from "../test/support/emulatorProcess";
import { CHURN_EXAMPLE } from "../test/support/world";
import { benchChart } from "./support/chart";
import { moduleLoadMs, startToFirst200Ms } from "./support/coldStart";
import { type LoadResult, loadRun } from "./support/loadRun";
import { rssBytes } from "./support/procStat";
import { progress, RESULTS_DIR, writeResult } from "./support/results";
import { freeLoopbackPort, type ServingProcess, startServingProcess } from "./support/servingProcess";
import { median, round, thousands } from "./support/statistics";
import { chosenVariants, EMULATOR, modelOf, prepareVariants, type Variant } from "./support/variants";

/**
 * `npm run bench`: the relay against what a user would write instead, in one run on this machine. Serving
 * processes under autocannon (c=32, 5 s each, interleaved rounds): the relay and the naive function side by side
 * in every variant (bench/support/variants.ts: the AI Core emulator as the upstream, other model servers that
 * write their answers otherwise, a catalog of several models with no refresh during the run, output going
 * nowhere), plus a bare server, the dev host's echo and a bare proxy; CPU time of each serving process per request;
 * module-load and start → first 200 medians; memory over a long run. Prints progress and a table, writes the
 * result as JSON and an SVG chart to bench/results/ (ignored by git; `npm run bench:keep` copies the latest into
 * docs/). Settings: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_COLD_STARTS (7),
 * BENCH_MEMORY_REQUESTS (100000), BENCH_VARIANTS (all; e.g. `emulator,chunked`); BENCH_CPU_PROF=<dir> writes V8
 * CPU profiles of the naive and the relay serving processes there (they then cost more).
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
const VARIANTS = chosenVariants(process.env.BENCH_VARIANTS);

/** The serving processes besides each variant's naive and relay pair. */
const FLOORS = {
  bareEcho: "bare node:http server, same body (no upstream call)",
  devHostEcho: "dev host + echo function (no upstream call)",
  bareProxy: "bare node:http keep-alive pass-through proxy (emulator)",
} as const;

const CPU_GOAL = 1.15;
const THROUGHPUT_GOAL = 0.85;
const OTHER_GOALS = [
  { name: "dev host echo / bare server CPU per request", goal: "<= 1.5", met: (v: number) => v <= 1.5 },
  { name: "relay / naive module load", goal: "<= 1.0", met: (v: number) => v <= 1.0 },
  { name: "relay / naive start -> first 200", goal: "<= 1.2", met: (v: number) => v <= 1.2 },
] as const;

interface TargetSummary {
  label: string;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  failed: number;
}

async function deleteRecord(table: TableClient): Promise<void> {
  await table.deleteEntity("churn", "current").catch((error: unknown) => {
    if (!(error instanceof RestError && error.statusCode === 404)) throw error;
  });
}

function profiling(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir
    ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
}

function devHostArgs(appRoot: string, port = 0): string[] {
  return [DEV_HOST, "--app-root", appRoot, "--port", String(port)];
}

function uptime(): string {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`;
  }
}

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** Slices of one target's load as one run: sums, CPU per request over all, latency percentiles averaged. */
function combined(slices: LoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number) => slices.reduce((total, r) => total + pick(r), 0);
  const requests = sum((r) => r.requests);
  const seconds = sum((r) => r.requests / Math.max(r.perSecond, Number.EPSILON));
  return {
    requests,
    ok: sum((r) => r.ok),
    failed: sum((r) => r.failed),
    perSecond: requests / Math.max(seconds, Number.EPSILON),
    p50Ms: sum((r) => r.p50Ms) / slices.length,
    p99Ms: sum((r) => r.p99Ms) / slices.length,
    cpuMicrosPerRequest: sum((r) => r.cpuMicrosPerRequest * r.requests) / Math.max(1, requests),
  };
}

it("relay against the naive function in every variant: hot path, cold start, memory", async () => {
  const started = performance.now();
  const loadBefore = uptime();
  progress(`bench: ${VARIANTS.length} variants (${VARIANTS.map((v) => v.name).join(", ")}); ${loadBefore}`);
  const [azurite, emulator] = await Promise.all([startAzurite(), startEmulatorProcess()]);
  const running: ServingProcess[] = [];
  try {
    const prepared = await prepareVariants(VARIANTS, emulator, path.join(RESULTS_DIR, "catalogs"));
    running.push(...prepared.servers);
    const base = {
      AICORE_SERVICE_KEY: JSON.stringify(emulator.serviceKey),
      AzureWebJobsStorage: azurite.connectionString,
    };
    const emulatorEnv = { ...base, ...prepared.envOf(EMULATOR) };
    const table = TableClient.fromConnectionString(azurite.connectionString, "deployments", {
      allowInsecureConnection: true,
    });

    // Targets: the floors, then naive and relay of each variant.
    const targets = new Map<string, { label: string; process: ServingProcess; path: string }>();
    const start = async (
      key: string,
      label: string,
      args: string[],
      env: Record<string, string>,
      variant?: Variant,
    ) => {
      const nowhere = variant?.output === "nowhere";
      const port = nowhere ? await freeLoopbackPort() : 0;
      const argsWithPort = nowhere ? args.map((a, i) => (args[i - 1] === "--port" ? String(port) : a)) : args;
      const process = await startServingProcess(key, argsWithPort, env, {
        output: nowhere ? "nowhere" : "read",
        port,
      });
      running.push(process);
      const predictPath = variant ? `/api/models/${modelOf(variant)}/predict` : PREDICT_PATH;
      targets.set(key, { label, process, path: predictPath });
    };
    progress("starting the serving processes");
    await start("bareEcho", FLOORS.bareEcho, [path.join(__dirname, "servers/bareEcho.js")], emulatorEnv);
    await start("devHostEcho", FLOORS.devHostEcho, devHostArgs(ECHO_APP), emulatorEnv);
    await start("bareProxy", FLOORS.bareProxy, [path.join(__dirname, "servers/bareProxy.js")], emulatorEnv);
    for (const variant of VARIANTS) {
      const env = { ...base, ...prepared.envOf(variant) };
      await start(
        `naive:${variant.name}`,
        `naive, ${variant.label}`,
        [...profiling(`naive-${variant.name}`), ...devHostArgs(NAIVE_APP)],
        env,
        variant,
      );
      await start(
        `relay:${variant.name}`,
        `relay, ${variant.label}`,
        [...profiling(`relay-${variant.name}`), ...devHostArgs(ROOT)],
        env,
        variant,
      );
    }
    const names = [...targets.keys()];
    const run = (name: string, seconds: number) => {
      const target = targets.get(name);
      if (!target) throw new Error(`no target ${name}`);
      return loadRun(target.process, {
        path: target.path,
        body: BODY,
        connections: CONNECTIONS,
        durationSeconds: seconds,
      });
    };

    progress(`warm-up: 2 s each of ${names.length} serving processes`);
    for (const name of names) await run(name, 2); // JIT, sockets, token, the relay's live lookup

    // Rounds: the floors one after the other, then each variant's pair in ABBA order (half the time each: naive,
    // relay, relay, naive; relay first in odd rounds), so that a change of the machine's load while a pair runs hits
    // both alike; the order of the floors and the variants rotates each round.
    const floors = Object.keys(FLOORS);
    const rounds: Array<Record<string, LoadResult>> = [];
    const loads: string[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const results: Record<string, LoadResult> = {};
      for (let i = 0; i < floors.length; i++) {
        const name = floors[(i + r) % floors.length] as string;
        results[name] = await run(name, SECONDS);
      }
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(i + r) % VARIANTS.length] as Variant;
        const [a, b] =
          r % 2 === 0
            ? [`naive:${variant.name}`, `relay:${variant.name}`]
            : [`relay:${variant.name}`, `naive:${variant.name}`];
        const slices: Record<string, LoadResult[]> = { [a]: [], [b]: [] };
        for (const name of [a, b, b, a]) slices[name]?.push(await run(name, SECONDS / 2));
        results[a] = combined(slices[a] ?? []);
        results[b] = combined(slices[b] ?? []);
      }
      rounds.push(results);
      loads.push(uptime());
      const line = VARIANTS.map((v) => {
        const naive = results[`naive:${v.name}`];
        const relay = results[`relay:${v.name}`];
        if (!naive || !relay) return "";
        return `${v.name} ${round(relay.cpuMicrosPerRequest / naive.cpuMicrosPerRequest, 2)}x CPU ${round(relay.perSecond / naive.perSecond, 2)}x req/s`;
      }).join("; ");
      progress(`round ${r + 1}/${ROUNDS}: ${line} (${loads.at(-1)})`);
    }

    // Memory and upstream calls over a long relay run against the emulator (skipped with BENCH_MEMORY_REQUESTS=0),
    // in steady state: a second of load first, so that keep-alive connections the emulator closed while the other
    // targets ran (a reset on reuse is retried, as it should be) are replaced before the calls are counted.
    const relayEmulator = targets.get("relay:emulator")?.process;
    let memory: Record<string, unknown> | undefined;
    let upstreamLine = "";
    if (MEMORY_REQUESTS > 0 && relayEmulator) {
      progress(`memory: ${thousands(MEMORY_REQUESTS)} relay predictions`);
      await run("relay:emulator", 1);
      await emulator.control.resetRequests();
      const rssSamples: number[] = [rssBytes(relayEmulator.pid)];
      const sampler = setInterval(() => rssSamples.push(rssBytes(relayEmulator.pid)), 1_000);
      const long = await loadRun(relayEmulator, {
        path: PREDICT_PATH,
        body: BODY,
        connections: CONNECTIONS,
        amount: MEMORY_REQUESTS,
      });
      clearInterval(sampler);
      rssSamples.push(rssBytes(relayEmulator.pid));
      const upstream = await emulator.control.requests();
      memory = {
        requests: long.requests,
        failed: long.failed,
        rssMiB: {
          start: round((rssSamples[0] ?? 0) / 2 ** 20, 1),
          max: round(Math.max(...rssSamples) / 2 ** 20, 1),
          end: round((rssSamples.at(-1) ?? 0) / 2 ** 20, 1),
        },
        upstream: { predictions: long.ok, ...upstream.byKind },
        upstreamCallsPerPrediction: round(upstream.byKind.predict / Math.max(1, long.ok), 4),
      };
      upstreamLine =
        `memory over ${thousands(long.requests)} relay requests (${long.failed} failed): RSS ${round((rssSamples[0] ?? 0) / 2 ** 20, 1)} MiB at start, ` +
        `${round(Math.max(...rssSamples) / 2 ** 20, 1)} max, ${round((rssSamples.at(-1) ?? 0) / 2 ** 20, 1)} at end\n` +
        `upstream calls: ${upstream.byKind.predict} predict for ${long.ok} predictions, token ${upstream.byKind.token}, deployments list ${upstream.byKind.list}`;
    }

    const outputDir = process.env.BENCH_OUTPUT_DIR;
    if (outputDir) {
      mkdirSync(outputDir, { recursive: true });
      for (const [name, target] of targets)
        writeFileSync(path.join(outputDir, `${name.replace(/[^\w-]/g, "_")}.log`), target.process.output());
    }
    for (const target of running.splice(0)) await target.stop();

    // Cold start, interleaved: module loading, then process start -> first 200 (no record stored: live lookup).
    const load = { relay: [] as number[], naive: [] as number[] };
    const first200 = { relay: [] as number[], naive: [] as number[] };
    if (COLD_STARTS > 0) {
      progress(`cold start: ${COLD_STARTS} fresh processes each`);
      const relayFiles = expandMain(ROOT, readAppConfig(ROOT).mainPattern);
      const naiveFiles = expandMain(NAIVE_APP, readAppConfig(NAIVE_APP).mainPattern);
      for (let i = 0; i < COLD_STARTS; i++) {
        load.naive.push(await moduleLoadMs(naiveFiles, emulatorEnv));
        load.relay.push(await moduleLoadMs(relayFiles, emulatorEnv));
        first200.naive.push(await startToFirst200Ms(devHostArgs(NAIVE_APP), emulatorEnv, PREDICT_PATH, BODY));
        await deleteRecord(table);
        first200.relay.push(await startToFirst200Ms(devHostArgs(ROOT), emulatorEnv, PREDICT_PATH, BODY));
      }
    }

    const summary: Record<string, TargetSummary> = {};
    for (const name of names) {
      const of = (pick: (r: LoadResult) => number) =>
        median(rounds.map((r) => (r[name] ? pick(r[name]) : Number.NaN)));
      summary[name] = {
        label: targets.get(name)?.label ?? name,
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
        failed: rounds.reduce((sum, r) => sum + (r[name]?.failed ?? 0), 0),
      };
    }
    /** Median over the rounds of a ratio taken within each round (paired). */
    const paired = (a: string, b: string, pick: (r: LoadResult) => number) =>
      round(median(rounds.map((r) => (r[a] && r[b] ? pick(r[a]) / pick(r[b]) : Number.NaN))), 2);
    const variants = VARIANTS.map((variant) => {
      const relay = `relay:${variant.name}`;
      const naive = `naive:${variant.name}`;
      const cpu = paired(relay, naive, (r) => r.cpuMicrosPerRequest);
      const throughput = paired(relay, naive, (r) => r.perSecond);
      return {
        name: variant.name,
        label: variant.label,
        naive: summary[naive],
        relay: summary[relay],
        cpuRatio: cpu,
        throughputRatio: throughput,
        cpuRatioPerRound: rounds.map((r) =>
          round((r[relay]?.cpuMicrosPerRequest ?? 0) / (r[naive]?.cpuMicrosPerRequest ?? 1), 2),
        ),
        met: cpu <= CPU_GOAL && throughput >= THROUGHPUT_GOAL,
      };
    });
    const otherValues = [
      paired("devHostEcho", "bareEcho", (r) => r.cpuMicrosPerRequest),
      round(median(load.relay) / median(load.naive), 2),
      round(median(first200.relay) / median(first200.naive), 2),
    ];
    const ratios = OTHER_GOALS.map((goal, i) => {
      const value = otherValues[i] ?? Number.NaN;
      return { name: goal.name, value, goal: goal.goal, met: goal.met(value) };
    });
    const coldStart = {
      moduleLoadMs: { relay: round(median(load.relay), 1), naive: round(median(load.naive), 1) },
      startToFirst200Ms: { relay: round(median(first200.relay), 1), naive: round(median(first200.naive), 1) },
      samples: { load, first200 },
    };

    const when = new Date().toISOString();
    const minutes = round((performance.now() - started) / 60_000, 1);
    const loadAfter = uptime();
    const report = {
      when,
      commit: commit(),
      node: process.version,
      cpus: cpus().length,
      minutes,
      load: { before: loadBefore, afterEachRound: loads, after: loadAfter },
      settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, coldStarts: COLD_STARTS },
      goals: { cpu: `<= ${CPU_GOAL}`, throughput: `>= ${THROUGHPUT_GOAL}` },
      floors: Object.fromEntries(Object.keys(FLOORS).map((k) => [k, summary[k]])),
      variants,
      ratios,
      coldStart,
      memory,
      rounds,
    };
    const lines = [
      "",
      `aicore-relay benchmark, ${when} (commit ${report.commit}), Node ${process.version}, ${report.cpus} cores; ` +
        `c=${CONNECTIONS}, ${SECONDS} s x ${ROUNDS} interleaved rounds (medians); ${minutes} min`,
      `load before: ${loadBefore}`,
      `load after:  ${loadAfter}`,
      "",
      "| serving process | req/s | p50 ms | p99 ms | CPU µs / request |",
      "|---|---|---|---|---|",
      ...names.map((name) => {
        const s = summary[name] as TargetSummary;
        const failed = s.failed > 0 ? ` (${s.failed} failed)` : "";
        return `| ${s.label}${failed} | ${thousands(s.perSecond)} | ${s.p50Ms} | ${s.p99Ms} | ${thousands(s.cpuMicrosPerRequest)} |`;
      }),
      "",
      `| variant | relay / naive CPU per prediction (goal <= ${CPU_GOAL}) | per round | relay / naive throughput (goal >= ${THROUGHPUT_GOAL}) | met |`,
      "|---|---|---|---|---|",
      ...variants.map(
        (v) =>
          `| ${v.label} | ${v.cpuRatio} | ${v.cpuRatioPerRound.join(", ")} | ${v.throughputRatio} | ${v.met ? "yes" : "NO"} |`,
      ),
      "",
      "| ratio (same run) | value | goal | met |",
      "|---|---|---|---|",
      ...ratios.map((r) => `| ${r.name} | ${r.value} | ${r.goal} | ${r.met ? "yes" : "NO"} |`),
      "",
      `module load (median of ${COLD_STARTS} fresh processes): relay ${coldStart.moduleLoadMs.relay} ms, naive ${coldStart.moduleLoadMs.naive} ms`,
      `process start -> first 200 (median of ${COLD_STARTS}, relay with no stored record): relay ${coldStart.startToFirst200Ms.relay} ms, naive ${coldStart.startToFirst200Ms.naive} ms`,
      upstreamLine,
    ];
    const written = writeResult("relay-vs-naive", report, benchChart(report));
    lines.push(`written to ${written.join(" and ")}`);
    console.log(lines.join("\n"));
  } finally {
    await Promise.all(running.map((t) => t.stop()));
    await Promise.all([emulator.stop(), azurite.stop()]);
  }
});
