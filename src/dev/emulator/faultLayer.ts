import type { Handler } from "./httpTypes";
import type { RequestKind } from "./requestLog";

/**
 * The seam for fault injection (latency, error statuses, connection resets, hangs for a fraction of
 * requests). A fault layer wraps the handler of every AI API, inference and token request, after the route
 * is known and inside request logging, so injected failures are logged with the status the client saw.
 * It may delay `next`, answer without calling it, or use `request.raw.socket` to reset or stall the
 * connection. Control requests (`/__emulator/...`) never pass through it.
 *
 * The emulator's layer is `FaultInjector.layer` (faultInjector.ts), driven by `/__emulator/faults` and
 * EMULATOR_FAULTS; with no rules it passes every request through.
 */
export type FaultLayer = (kind: RequestKind, next: Handler) => Handler;

/**
 * The status of a reply that must not be written: the connection was reset or hung. The request log records
 * it as status 0 ("no answer").
 */
export const NO_ANSWER = 0;
