import { randomBytes } from "node:crypto";
import { isTraceparent } from "../../tracing/traceHeaders";

export interface InvocationTraceContext {
  traceParent: string;
  traceState: string | undefined;
  attributes: Record<string, string>;
}

/**
 * The trace context the Functions host hands an invocation: a new span (the invocation) in the caller's trace
 * when the request carried a valid W3C `traceparent`, else in a new trace.
 */
export function invocationTraceContext(traceparent?: string, tracestate?: string): InvocationTraceContext {
  const span = randomBytes(8).toString("hex");
  if (isTraceparent(traceparent)) {
    const [, traceId, , flags] = traceparent.split("-");
    return { traceParent: `00-${traceId}-${span}-${flags}`, traceState: tracestate, attributes: {} };
  }
  return {
    traceParent: `00-${randomBytes(16).toString("hex")}-${span}-00`,
    traceState: undefined,
    attributes: {},
  };
}
