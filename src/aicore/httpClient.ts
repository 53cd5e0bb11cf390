import http from "node:http";
import https from "node:https";
import axios, { type AxiosInstance } from "axios";
import { callSignal } from "./callSignal";

export const DEFAULT_MAX_UPSTREAM_BYTES = 4 * 1024 * 1024;

/**
 * One axios instance per upstream role, on keep-alive agents: the hot path reuses its TLS connection to
 * AI Core instead of paying a handshake per prediction. Status codes are never thrown; callers map them.
 * `timeoutMs` bounds a whole call (connect, headers and body), a caller's `signal` too.
 * `maxBytes` bounds an answer while it is read, after decompression: a small gzip that expands to gigabytes is cut
 * off at the limit, never held (axios counts the decompressed stream).
 */
export function createHttpClient(options: {
  timeoutMs: number;
  maxSockets?: number;
  maxBytes?: number;
}): AxiosInstance {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, keepAliveMsecs: 10_000 };
  const instance = axios.create({
    timeout: options.timeoutMs,
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent(agentOptions),
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: options.maxBytes ?? DEFAULT_MAX_UPSTREAM_BYTES,
    // No `proxy: false`: axios then follows HTTP_PROXY / HTTPS_PROXY / NO_PROXY as the app's storage clients do, and
    // its adapter does not build, per request, a closure over the whole request for the direct-agent path it takes
    // for `proxy: false` (axios 1.21): that closure kept every request's objects alive through two young-generation
    // GCs, which then promoted them (about 1.4 MB per scavenge under load, scavenges 3-4 times as long) — 15-20 % of
    // the relay's CPU per prediction (docs/benchmarks.md).
    // Keep bytes as they came: the relay passes model answers through untouched.
    responseType: "arraybuffer",
    transitional: { clarifyTimeoutError: true },
  });
  // `timeout` bounds each call whole (body included), as one signal with the caller's: see callSignal.
  instance.interceptors.request.use((config) => {
    config.signal = callSignal(config.timeout, config.signal as AbortSignal | undefined);
    return config;
  });
  return instance;
}
