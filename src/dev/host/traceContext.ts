import { randomFillSync } from "node:crypto";
import { isTraceparent } from "../../tracing/traceHeaders";

export interface InvocationTraceContext {
  traceParent: string;
  traceState: string | undefined;
  attributes: Record<string, string>;
}

/** Random bytes drawn in blocks (as randomUUID does): one randomBytes call per id costs a syscall per request. */
const pool = Buffer.alloc(24 * 512);
let taken = pool.length;

function randomHex(bytes: number): string {
  if (taken + bytes > pool.length) {
    randomFillSync(pool);
    taken = 0;
  }
  const hex = pool.toString("hex", taken, taken + bytes);
  taken += bytes;
  return hex;
}

/**
 * The trace context the Functions host hands an invocation: a new span (the invocation) in the caller's trace
 * when the request carried a valid W3C `traceparent`, else in a new trace.
 */
export function invocationTraceContext(traceparent?: string, tracestate?: string): InvocationTraceContext {
  const span = randomHex(8);
  if (isTraceparent(traceparent)) {
    const [, traceId, , flags] = traceparent.split("-");
    return { traceParent: `00-${traceId}-${span}-${flags}`, traceState: tracestate, attributes: {} };
  }
  return {
    traceParent: `00-${randomHex(16)}-${span}-00`,
    traceState: undefined,
    attributes: {},
  };
}
