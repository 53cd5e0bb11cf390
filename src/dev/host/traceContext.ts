import { randomFillSync } from "node:crypto";
import { isTraceparent } from "../../shared/traceHeaders";

export interface InvocationTraceContext {
  traceParent: string;
  traceState: string | undefined;
  attributes: Record<string, string>;
}

/** Random bytes drawn in blocks (as randomUUID does): one randomBytes call per id costs a syscall per request. */
const pool = Buffer.alloc(40 * 512);
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

const VARIANT = "89ab";

/** A random (version 4) UUID from 32 random hex digits. */
function uuidFrom(hex: string): string {
  const variant = VARIANT[Number.parseInt(hex.charAt(16), 16) & 3];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The trace context the Functions host hands an invocation: a new span (the invocation) in the caller's trace
 * when the request carried a valid W3C `traceparent`, else in a new trace.
 */
export function invocationTraceContext(traceparent?: string, tracestate?: string): InvocationTraceContext {
  return traceContextFrom(randomHex(24), traceparent, tracestate);
}

/** The span id from hex digits 0-15, a new trace id from 16-47. */
function traceContextFrom(hex: string, traceparent?: string, tracestate?: string): InvocationTraceContext {
  const span = hex.slice(0, 16);
  if (isTraceparent(traceparent)) {
    return {
      traceParent: `00-${traceparent.slice(3, 35)}-${span}-${traceparent.slice(53, 55)}`,
      traceState: tracestate,
      attributes: {},
    };
  }
  return { traceParent: `00-${hex.slice(16, 48)}-${span}-00`, traceState: undefined, attributes: {} };
}

/** An invocation's id (a random UUID, as the host's) and trace context, from one draw of random bytes. */
export function invocationIds(
  traceparent?: string,
  tracestate?: string,
): { invocationId: string; traceContext: InvocationTraceContext } {
  const hex = randomHex(40);
  return {
    invocationId: uuidFrom(hex),
    traceContext: traceContextFrom(hex.slice(32), traceparent, tracestate),
  };
}
