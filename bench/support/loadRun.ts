import autocannon from "autocannon";
import { cpuMicros } from "./procStat";
import type { ServingProcess } from "./servingProcess";

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
}

export interface LoadOptions {
  path: string;
  body: string;
  connections: number;
  durationSeconds?: number;
  amount?: number;
}

/** autocannon against one serving process; CPU time of that process (from /proc) divided by the requests. */
export async function loadRun(target: ServingProcess, options: LoadOptions): Promise<LoadResult> {
  const cpuBefore = cpuMicros(target.pid);
  const result = await autocannon({
    url: `${target.url}${options.path}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: options.body,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds ?? 5 }),
  });
  const cpu = cpuMicros(target.pid) - cpuBefore;
  const requests = result["2xx"] + result.non2xx;
  return {
    requests,
    ok: result["2xx"],
    failed: result.non2xx + result.errors,
    perSecond: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: cpu / Math.max(1, requests),
  };
}
