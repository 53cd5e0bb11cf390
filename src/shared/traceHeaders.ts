/** W3C Trace Context headers to send on an upstream call, so one trace spans the relay, AI Core and the model. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

/** version-traceid-parentid-flags, lower-case hex; all-zero ids and version ff are invalid (W3C Trace Context). */
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_TRACESTATE = 512;

export function isTraceparent(value: string | null | undefined): value is string {
  return typeof value === "string" && value.length === 55 && TRACEPARENT.test(value);
}

/**
 * The trace context of an invocation: the Functions host sets `context.traceContext` from the incoming
 * `traceparent` (or starts a trace), so the relay reads it there. Anything that is not an InvocationContext
 * with a valid traceparent gives undefined (and no header is sent).
 */
export function traceHeadersOf(context: unknown): TraceHeaders | undefined {
  const trace = (context as { traceContext?: { traceParent?: string | null; traceState?: string | null } })
    ?.traceContext;
  const traceparent = trace?.traceParent;
  if (!isTraceparent(traceparent)) return undefined;
  const tracestate = trace?.traceState;
  return tracestate && tracestate.length <= MAX_TRACESTATE && !/[\r\n]/.test(tracestate)
    ? { traceparent, tracestate }
    : { traceparent };
}
