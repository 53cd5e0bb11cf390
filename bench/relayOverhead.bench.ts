import axios from "axios";
import { it } from "vitest";
import { parseCatalog } from "../src/config/catalog";
import { parseJsonBody } from "../src/http/parseJson";
import { createHarness } from "../test/support/relayHarness";
import { CHURN_EXAMPLE as EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../test/support/world";

const catalog = parseCatalog(shippedCatalogJson(), "default");

const world = useAzuriteAndEmulator();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs `count` calls, `concurrency` at a time; latencies in ms and the wall time. */
async function measure(count: number, concurrency: number, call: () => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wall = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: (count / wall) * 1000,
  };
}

const fmt = (n: number) => n.toFixed(2);

it("relay overhead against the model server itself, and memory per request", async () => {
  const h = createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
  });
  await h.refresh();
  const record = h.relay.records.peek("churn");
  const token = await h.relay.tokens.getToken();
  const direct = axios.create({
    headers: { Authorization: `Bearer ${token}`, "AI-Resource-Group": "default" },
  });
  const url = `${record?.deploymentUrl}/v1/models/churn:predict`;
  const viaDirect = () => direct.post(url, EXAMPLE);
  const viaRelay = async () => {
    const answer = await h.predict("churn", EXAMPLE);
    if (answer.status !== 200) throw new Error(`relay answered ${answer.status}`);
  };
  await measure(500, 8, viaDirect); // warm both paths (JIT, keep-alive sockets)
  await measure(500, 8, viaRelay);

  const rows: string[] = [];
  for (const concurrency of [1, 32]) {
    const count = concurrency === 1 ? 2000 : 5000;
    const d = await measure(count, concurrency, viaDirect);
    const r = await measure(count, concurrency, viaRelay);
    rows.push(
      `| ${concurrency} | ${count} | ${fmt(d.p50)} / ${fmt(d.p99)} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${d.perSecond.toFixed(0)} | ${r.perSecond.toFixed(0)} | ${fmt(r.p50 - d.p50)} ms | ${fmt(d.perSecond / r.perSecond)} |`,
    );
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  await measure(20_000, 32, viaRelay);
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const rssAfter = process.memoryUsage().rss;

  const big = Buffer.from(
    JSON.stringify({
      instances: Array.from({ length: 100 }, () => ({ ...EXAMPLE, note: "x".repeat(10_000) })),
    }),
  );
  const parseOnly = await measure(200, 1, async () => JSON.parse(big.toString("utf8")));
  const checked = await measure(200, 1, async () => parseJsonBody(big));

  console.log(
    [
      "",
      `relay vs. direct model-server calls (loopback, emulator as a separate process; latency ms p50 / p99)`,
      "| concurrency | requests | direct | through relay | direct req/s | relay req/s | added p50 | throughput ratio |",
      "|---|---|---|---|---|---|---|---|",
      ...rows,
      "",
      `memory over 20,000 relay requests: heap ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB, rss ${((rssAfter - rssBefore) / 1024 / 1024).toFixed(1)} MiB (after GC: ${gc ? "yes" : "no"})`,
      `body parsing of ${(big.byteLength / 1024 / 1024).toFixed(2)} MiB: JSON.parse p50 ${fmt(parseOnly.p50)} ms, relay's checked parse p50 ${fmt(checked.p50)} ms (x${fmt(checked.p50 / parseOnly.p50)})`,
    ].join("\n"),
  );
});
