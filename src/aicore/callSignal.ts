/**
 * The one aborting deadline of an outbound call: it fires `timeoutMs` after the call starts (or when `outer`, the
 * request's or policy's signal, aborts first) and bounds the call end to end — connect, headers and every byte of
 * the body. axios's own `timeout` is a socket idle timer once connected: a server that sends a byte a second
 * never trips it. Aborting destroys the socket, so the call's bulkhead slot is released with it.
 */
export function callSignal(timeoutMs: number | undefined, outer?: AbortSignal): AbortSignal | undefined {
  if (timeoutMs === undefined || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) return outer;
  const own = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
  return outer ? AbortSignal.any([outer, own]) : own;
}
