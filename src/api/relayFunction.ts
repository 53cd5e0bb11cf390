import type { HttpRequest, InvocationContext, Timer } from "@azure/functions";
import { ConfigError } from "../config/configError";
import { errorLine } from "../errorLine";
import { toErrorResponse } from "../http/errorResponse";
import { problem, problemResponse, type RelayResponse } from "../http/problem";
import type { Logger } from "../logger";
import { type Relay, relayFromEnvironment } from "../relay";

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<RelayResponse>;
export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;
type RelaySource = (logger: Pick<Logger, "warn">) => Relay;

/** Configuration errors already logged: each is logged once per instance, not once per request. */
const logged = new WeakSet<ConfigError>();

function logOnce(error: ConfigError, context: InvocationContext): void {
  if (logged.has(error)) return;
  logged.add(error);
  context.error(`configuration error: ${error.message}`);
}

/** 503 problem+json naming the setting at fault; the message never holds a value. */
export function configurationErrorResponse(error: ConfigError): RelayResponse {
  return problemResponse(
    problem("configuration-error", 503, `The relay is not configured correctly: ${errorLine(error)}`, {
      setting: error.setting,
    }),
  );
}

/**
 * An HTTP function whose relay is built on its first invocation. A configuration error does not stop the
 * worker from registering the function: every request is answered 503 problem+json that names the setting.
 */
export function relayHttpFunction(
  create: (relay: Relay) => HttpHandler,
  source: RelaySource = relayFromEnvironment,
): HttpHandler {
  let handler: HttpHandler | undefined;
  return async (request, context) => {
    if (!handler) {
      try {
        handler = create(source(context));
      } catch (error) {
        if (error instanceof ConfigError) {
          logOnce(error, context);
          return configurationErrorResponse(error);
        }
        return toErrorResponse(error, context);
      }
    }
    return handler(request, context);
  };
}

/** A timer function whose relay is built on its first tick; a configuration error is logged once and skips it. */
export function relayTimerFunction(
  create: (relay: Relay) => TimerHandler,
  source: RelaySource = relayFromEnvironment,
): TimerHandler {
  let handler: TimerHandler | undefined;
  return async (timer, context) => {
    if (!handler) {
      try {
        handler = create(source(context));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        logOnce(error, context);
        return;
      }
    }
    return handler(timer, context);
  };
}

export type QueueHandler<T> = (message: unknown, context: InvocationContext) => Promise<T>;

/**
 * A storage queue function whose relay is built on its first message. A configuration error is logged once and
 * thrown: the host retries the message and, after maxDequeueCount deliveries, parks it in the poison queue.
 */
export function relayQueueFunction<T>(
  create: (relay: Relay) => QueueHandler<T>,
  source: RelaySource = relayFromEnvironment,
): QueueHandler<T> {
  let handler: QueueHandler<T> | undefined;
  return async (message, context) => {
    if (!handler) {
      try {
        handler = create(source(context));
      } catch (error) {
        if (error instanceof ConfigError) logOnce(error, context);
        throw error;
      }
    }
    return handler(message, context);
  };
}
