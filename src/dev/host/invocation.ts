import { createRequire } from "node:module";
import path from "node:path";
import type { BindingInfo, FunctionCallback } from "./coreApi";
import { registry } from "./coreApi";
import type { FunctionsLibrary } from "./functionsLibrary";
import type { QueueOutput } from "./functionTable";
import { libraryObjectsOf } from "./libraryObjects";
import { type Console, hostLine, invocationLogHandler } from "./logging";
import { invocationIds } from "./traceContext";

export function loadFunctionsLibrary(appRoot: string): FunctionsLibrary {
  const appRequire = createRequire(path.join(appRoot, "package.json"));
  return appRequire("@azure/functions") as FunctionsLibrary;
}

type ContextOptions = ReturnType<typeof deriveOptions>;
const optionsOfBindings = new WeakMap<Record<string, BindingInfo>, ContextOptions>();

/** The context's `options`, as the library derives them from the bindings: once per function, not per call. */
function effectiveOptions(bindings: Record<string, BindingInfo>): ContextOptions {
  let options = optionsOfBindings.get(bindings);
  if (!options) {
    options = deriveOptions(bindings);
    optionsOfBindings.set(bindings, options);
  }
  return options;
}

function deriveOptions(bindings: Record<string, BindingInfo>) {
  let trigger: BindingInfo | undefined;
  let returnBinding: BindingInfo | undefined;
  const extraInputs: BindingInfo[] = [];
  const extraOutputs: BindingInfo[] = [];
  for (const [name, binding] of Object.entries(bindings)) {
    const named = { ...binding, name };
    if (typeof binding.type === "string" && /trigger$/i.test(binding.type)) trigger = named;
    else if (name === "$return") returnBinding = named;
    else if (binding.direction === "in") extraInputs.push(named);
    else extraOutputs.push(named);
  }
  return { trigger, return: returnBinding, extraInputs, extraOutputs };
}

const appHookData: Record<string, unknown> = {};
const appLevelOnlyHookData: Record<string, unknown> = {};

/** Runs the app-level hooks (`appStart`, `appTerminate`) in registration order. */
export async function runAppHooks(
  name: "appStart" | "appTerminate",
  functionAppDirectory: string,
): Promise<void> {
  for (const callback of registry.hookCallbacks(name)) {
    await callback({ hookData: appLevelOnlyHookData, appHookData, functionAppDirectory });
  }
}

export interface InvocationRequest {
  functionName: string;
  bindings: Record<string, BindingInfo>;
  callback: FunctionCallback;
  /** Builds the trigger input (the library's HttpRequest, or the Timer object). */
  input: unknown;
  /** For the "Executing" line (a function: only built when that line is written). */
  reason: string | (() => string);
  /** The incoming W3C trace context (HTTP triggers), continued by the invocation's own span. */
  traceparent?: string;
  tracestate?: string;
  /** `context.triggerMetadata` (queue triggers: id, dequeueCount, ...). */
  triggerMetadata?: Record<string, unknown>;
  /** Queue output bindings, written after a successful run; a failure to write them fails the invocation. */
  queueOutputs?: {
    bindings: QueueOutput[];
    write(bindings: QueueOutput[], outputValue: (bindingName: string) => unknown): Promise<void>;
  };
  /** Log the "Executing"/"Executed" lines of a successful run too (a failure is always logged). */
  verbose?: boolean;
}

let functionTimeoutMs: number | undefined;

/**
 * host.json `functionTimeout` (undefined: none, as `-1`): an invocation still running after it fails with the
 * host's line "Timeout value of ... exceeded by function"; its handler cannot be stopped (the host would restart
 * the worker), but its result is no longer taken.
 */
export function setFunctionTimeout(ms: number | undefined): void {
  functionTimeoutMs = ms;
}

export class FunctionTimeoutError extends Error {
  override readonly name = "FunctionTimeoutException";
}

function formatTimeSpan(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/** Runs `work` under the function timeout. */
async function withinTimeout<T>(
  work: Promise<T>,
  out: Console,
  functionName: string,
  id: string,
): Promise<T> {
  const limit = functionTimeoutMs;
  if (limit === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const span = formatTimeSpan(limit);
      hostLine(
        out,
        `Timeout value of ${span} exceeded by function 'Functions.${functionName}' (Id: '${id}'). Initiating cancellation.`,
        "error",
      );
      reject(
        new FunctionTimeoutError(
          `Timeout value of ${span} was exceeded by function: Functions.${functionName}`,
        ),
      );
    }, limit);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export interface InvocationOutcome {
  invocationId: string;
  result?: unknown;
  error?: unknown;
}

/**
 * One invocation as the worker runs it: a fresh InvocationContext (uuid, function name, log handler),
 * preInvocation hooks (which may replace inputs and handler), the handler, postInvocation hooks
 * (which may replace result and error). A failure is always logged; the "Executing"/"Executed" lines of a
 * successful run only when verbose (one stdout write per request costs more than the dev host's own work).
 */
export async function invoke(
  library: FunctionsLibrary,
  out: Console,
  request: InvocationRequest,
): Promise<InvocationOutcome> {
  const { invocationId, traceContext } = invocationIds(request.traceparent, request.tracestate);
  const { functionName } = request;
  const verbose = request.verbose === true;
  const context = libraryObjectsOf(library).invocationContext({
    invocationId,
    functionName,
    logHandler: invocationLogHandler(out, functionName, invocationId),
    options: effectiveOptions(request.bindings),
    traceContext,
    triggerMetadata: request.triggerMetadata,
  });
  const started = Date.now();
  if (verbose) {
    const reason = typeof request.reason === "string" ? request.reason : request.reason();
    hostLine(out, `Executing 'Functions.${functionName}' (Reason='${reason}', Id=${invocationId})`);
  }

  // Hook contexts are only built when there are hooks: most apps have none, and this runs per request.
  const preHooks = registry.hookCallbacks("preInvocation");
  const postHooks = registry.hookCallbacks("postInvocation");
  const hookData: Record<string, unknown> = {};
  let inputs: unknown[] | undefined;
  let result: unknown;
  let error: unknown;
  try {
    if (preHooks.length === 0) {
      result = await withinTimeout(
        Promise.resolve(request.callback(request.input, context)),
        out,
        functionName,
        invocationId,
      );
    } else {
      inputs = [request.input];
      const pre = {
        hookData,
        appHookData,
        invocationContext: context,
        functionCallback: request.callback,
        inputs,
      };
      for (const hook of preHooks) await hook(pre);
      inputs = pre.inputs;
      result = await withinTimeout(
        Promise.resolve(pre.functionCallback(...inputs, context)),
        out,
        functionName,
        invocationId,
      );
    }
  } catch (caught) {
    error = caught;
  }
  if (postHooks.length > 0) {
    const post = {
      hookData,
      appHookData,
      invocationContext: context,
      inputs: inputs ?? [request.input],
      result,
      error,
    };
    try {
      for (const hook of postHooks) await hook(post);
      result = post.result;
      error = post.error;
    } catch (caught) {
      error = caught;
    }
  }
  const outputs = request.queueOutputs;
  if (error === undefined && outputs && outputs.bindings.length > 0) {
    try {
      await outputs.write(outputs.bindings, (name) =>
        name === "$return" ? result : context.extraOutputs.get(name),
      );
    } catch (caught) {
      error = caught;
    }
  }

  if (error !== undefined) {
    const duration = Date.now() - started;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    hostLine(
      out,
      `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${duration}ms)`,
      "error",
    );
    hostLine(out, `${functionName} (${invocationId}) threw: ${detail}`, "error");
    return { invocationId, error };
  }
  if (verbose) {
    hostLine(
      out,
      `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
    );
  }
  return { invocationId, result };
}
