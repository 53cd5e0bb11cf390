import type { HttpRequest, InvocationContext, Timer } from "@azure/functions";
import { ConfigError } from "../config/configError";
import { logConfigurationErrorOnce } from "../http/configurationErrorResponse";
import { toErrorResponse } from "../http/errorResponse";
import type { RelayResponse } from "../http/problemResponse";
import type { Relay } from "../relay/relay";
import type { Logger } from "../shared/logger";

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<RelayResponse>;
export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;
type RelaySource = (logger: Pick<Logger, "warn">) => Relay | Promise<Relay>;
/**
 * Loads a handler factory on first use (a dynamic import), so that nothing of it is evaluated at start. A factory
 * that needs the relay's features awaits them (`logger`: the invocation that builds it).
 */
type Loader<H> = () => Promise<(relay: Relay, logger: Pick<Logger, "warn">) => H | Promise<H>>;

/**
 * The relay of this process, loaded and built on first use: while the worker indexes the functions only
 * @azure/functions and these adapters are evaluated — axios, zod, cockatiel and the storage client wait for the
 * first invocation (cold start).
 */
const relayOfEnvironment: RelaySource = async (logger) =>
  (await import("./handlers.js")).relayFromEnvironment(logger);

/**
 * An HTTP function whose handler module is loaded and whose relay is built on its first invocation (concurrent
 * first calls share that). A configuration error does not stop the worker from registering the function: every
 * request is answered 503 problem+json that names the setting, and the next one tries again.
 */
export function relayHttpFunction(
  load: Loader<HttpHandler>,
  source: RelaySource = relayOfEnvironment,
): HttpHandler {
  const handler = onFirstUse(load, source);
  return async (request, context) => {
    let ready: HttpHandler;
    try {
      ready = await handler(context);
    } catch (error) {
      // A configuration error: 503 naming the setting, logged once.
      return toErrorResponse(error, context);
    }
    return ready(request, context);
  };
}

/** A timer function whose handler and relay are built on its first tick; a configuration error is logged once and skips it. */
export function relayTimerFunction(
  load: Loader<TimerHandler>,
  source: RelaySource = relayOfEnvironment,
): TimerHandler {
  const handler = onFirstUse(load, source);
  return async (timer, context) => {
    let ready: TimerHandler;
    try {
      ready = await handler(context);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logConfigurationErrorOnce(error, context);
      return;
    }
    return ready(timer, context);
  };
}

export type QueueHandler<T> = (message: unknown, context: InvocationContext) => Promise<T>;

/**
 * A storage queue function whose handler and relay are built on its first message. A configuration error is logged
 * once and thrown: the host retries the message and, after maxDequeueCount deliveries, parks it in the poison queue.
 */
export function relayQueueFunction<T>(
  load: Loader<QueueHandler<T>>,
  source: RelaySource = relayOfEnvironment,
): QueueHandler<T> {
  const handler = onFirstUse(load, source);
  return async (message, context) => {
    let ready: QueueHandler<T>;
    try {
      ready = await handler(context);
    } catch (error) {
      if (error instanceof ConfigError) logConfigurationErrorOnce(error, context);
      throw error;
    }
    return ready(message, context);
  };
}

/**
 * The handler, loaded and built on the first call (concurrent first calls share that); a failed build is tried
 * again on the next call.
 */
function onFirstUse<H>(load: Loader<H>, source: RelaySource): (logger: Pick<Logger, "warn">) => Promise<H> {
  let handler: Promise<H> | undefined;
  return (logger) => {
    handler ??= Promise.all([load(), source(logger)])
      .then(([create, relay]) => create(relay, logger))
      .catch((error: unknown) => {
        handler = undefined;
        throw error;
      });
    return handler;
  };
}
