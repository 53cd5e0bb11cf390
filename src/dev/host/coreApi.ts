/**
 * The `@azure/functions-core` module as the Azure Functions Node worker provides it to the
 * `@azure/functions` library: function registration, hooks, the programming model and system logs.
 * The worker's module is a process-wide singleton; so is this one (the library caches it).
 */

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";

export interface BindingInfo {
  type?: string;
  direction?: "in" | "out" | "inout";
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
  [key: string]: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface ProgrammingModel {
  name: string;
  version: string;
  getCapabilities?(
    capabilities: Record<string, string>,
  ): Promise<Record<string, string>> | Record<string, string>;
  [key: string]: unknown;
}

export interface Registration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

export type SystemLogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";
export type SystemLogger = (level: SystemLogLevel, category: string, message: string) => void;

/** The worker's Disposable: `new Disposable(fn)`, `Disposable.from(...)`, `dispose()` calls fn once. */
export class Disposable {
  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  static from(...inDisposables: { dispose(): unknown }[]): Disposable {
    const disposables = [...inDisposables];
    return new Disposable(() => {
      for (const disposable of disposables) disposable.dispose();
    });
  }

  dispose(): void {
    const callOnDispose = this.#callOnDispose;
    this.#callOnDispose = undefined;
    callOnDispose?.();
  }
}

const HOOK_NAMES: readonly HookName[] = [
  "appStart",
  "appTerminate",
  "preInvocation",
  "postInvocation",
  "log",
];

const NO_HOOKS: readonly HookCallback[] = Object.freeze([]);

/** What the dev host reads back from the core module after the app has loaded. */
export class CoreRegistry {
  readonly functions = new Map<string, Registration>();
  readonly hooks = new Map<HookName, HookCallback[]>(HOOK_NAMES.map((name) => [name, []]));
  programmingModel: ProgrammingModel | undefined;
  /** Set once the app has loaded: like the worker, registrations are only accepted during startup. */
  locked = false;
  systemLog: SystemLogger = () => {};

  /** A copy (a hook may unregister itself while they run); the same empty array when there are none. */
  hookCallbacks(name: HookName): readonly HookCallback[] {
    const callbacks = this.hooks.get(name);
    return callbacks && callbacks.length > 0 ? [...callbacks] : NO_HOOKS;
  }
}

export const registry = new CoreRegistry();

function isHookName(name: string): name is HookName {
  return (HOOK_NAMES as readonly string[]).includes(name);
}

/** The object `require('@azure/functions-core')` returns. */
export const coreApi = {
  version: "devhost",
  Disposable,

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (registry.locked) {
      throw new Error(`A function can only be registered during app startup (function "${metadata?.name}").`);
    }
    if (!metadata || typeof metadata.name !== "string" || metadata.name === "") {
      throw new Error("registerFunction: the function metadata has no name.");
    }
    if (typeof callback !== "function") {
      throw new Error(`registerFunction: the handler of function "${metadata.name}" is not a function.`);
    }
    const key = metadata.name.toLowerCase();
    if (registry.functions.has(key)) {
      throw new Error(`A function with name "${metadata.name}" has already been registered.`);
    }
    registry.functions.set(key, { metadata, callback });
    return new Disposable(() => {
      if (registry.locked) {
        throw new Error(
          `A function can only be unregistered during app startup (function "${metadata.name}").`,
        );
      }
      registry.functions.delete(key);
    });
  },

  registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!isHookName(hookName)) {
      const error = new RangeError(`Unrecognized hook "${hookName}"`);
      // The library checks this flag to explain that a hook needs a newer host.
      (error as RangeError & { isAzureFunctionsSystemError: boolean }).isAzureFunctionsSystemError = true;
      throw error;
    }
    const callbacks = registry.hooks.get(hookName) ?? [];
    callbacks.push(callback);
    registry.hooks.set(hookName, callbacks);
    return new Disposable(() => {
      const index = callbacks.indexOf(callback);
      if (index >= 0) callbacks.splice(index, 1);
    });
  },

  setProgrammingModel(programmingModel: ProgrammingModel): void {
    if (registry.programmingModel && registry.programmingModel !== programmingModel) {
      registry.systemLog(
        "warning",
        "system",
        `Programming model "${registry.programmingModel.name}" replaced by "${programmingModel.name}".`,
      );
    }
    registry.programmingModel = programmingModel;
  },

  getProgrammingModel(): ProgrammingModel | undefined {
    return registry.programmingModel;
  },

  log(level: SystemLogLevel, category: string, message: string): void {
    registry.systemLog(level, category, message);
  },
};
