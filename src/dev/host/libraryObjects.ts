import type { FunctionsLibrary } from "./functionsLibrary";
import type { LazyRequest } from "./lazyRequest";
import type { LogLevel } from "./logging";

/** What the library's InvocationContext constructor takes, as the dev host fills it. */
export interface ContextInit {
  invocationId: string;
  functionName: string;
  logHandler: (level: LogLevel, ...args: unknown[]) => void;
  options: { trigger?: unknown; return?: unknown; extraInputs: unknown[]; extraOutputs: unknown[] };
  traceContext?: unknown;
  triggerMetadata?: Record<string, unknown>;
}

/** An invocation's context as the dev host reads it back. */
export interface DevInvocationContext {
  extraOutputs: { get(name: string): unknown };
}

/** The members of a library class's prototype and of its base classes' (the nearest first), constructors aside. */
function membersOf(libraryPrototype: object): Map<PropertyKey, PropertyDescriptor> {
  const members = new Map<PropertyKey, PropertyDescriptor>();
  for (let p = libraryPrototype; p !== Object.prototype && p !== null; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key !== "constructor" && !members.has(key)) {
        members.set(key, Object.getOwnPropertyDescriptor(p, key) as PropertyDescriptor);
      }
    }
  }
  return members;
}

/**
 * Gives `prototype` every member of `libraryPrototype` (and of its base classes) but those in `answered`: each one
 * the same member called on a library instance, which `instanceOf` builds on first use.
 */
function delegateMembers(
  prototype: object,
  libraryPrototype: object,
  instanceOf: (self: object) => object,
  answered: ReadonlySet<PropertyKey> = new Set(),
): void {
  for (const [key, member] of membersOf(libraryPrototype)) {
    if (answered.has(key)) continue;
    const { value, get, set } = member;
    if (typeof value === "function") {
      member.value = function (this: object, ...args: unknown[]) {
        return value.apply(instanceOf(this), args);
      };
    } else if (get || set) {
      member.get =
        get &&
        function (this: object) {
          return get.call(instanceOf(this));
        };
      member.set =
        set &&
        function (this: object, v: unknown) {
          set.call(instanceOf(this), v);
        };
    }
    Object.defineProperty(prototype, key, member);
  }
}

/** Puts `libraryClass` in `devClass`'s place: instances are `instanceof` it and name it as their constructor. */
function passAs(devClass: { prototype: object }, libraryClass: { prototype: object }): void {
  Object.setPrototypeOf(devClass.prototype, libraryClass.prototype);
  Object.defineProperty(devClass.prototype, "constructor", {
    value: libraryClass,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * The library's HttpRequest members that, in @azure/functions 4, only hand on the native request's own: answered
 * from it here (a test compares each with the library's).
 */
const NATIVE_GETTERS = ["url", "method", "headers", "body", "bodyUsed"] as const;
const NATIVE_READS = ["arrayBuffer", "blob", "formData", "json", "text"] as const;

type RequestInstance = object & { query: URLSearchParams; params: Record<string, string> };

function httpRequestClass(library: FunctionsLibrary) {
  class HttpRequest {
    readonly #native: LazyRequest;
    readonly #search: string;
    #instance: object | undefined;
    query: URLSearchParams;
    params: Record<string, string>;

    constructor(native: LazyRequest, params: Record<string, string>, search: string) {
      this.#native = native;
      this.#search = search;
      // As the library sets them, in its order: the query string's parameters, the route's.
      this.query = new URLSearchParams(search);
      this.params = params;
    }

    static native(request: HttpRequest): LazyRequest {
      return request.#native;
    }

    /** The library's own HttpRequest for the same request, for the members that need its private state. */
    static instance(request: HttpRequest): object {
      request.#instance ??= new library.HttpRequest({
        nativeRequest: request.#native,
        params: request.params,
        query: request.#search === "" ? {} : undefined,
      }) as object;
      return request.#instance;
    }
  }
  passAs(HttpRequest, library.HttpRequest);
  const prototype = HttpRequest.prototype as unknown as Record<string, unknown>;
  for (const name of NATIVE_GETTERS) {
    Object.defineProperty(prototype, name, {
      get(this: HttpRequest) {
        return HttpRequest.native(this)[name];
      },
      configurable: true,
      enumerable: false,
    });
  }
  for (const name of NATIVE_READS) {
    Object.defineProperty(prototype, name, {
      async value(this: HttpRequest) {
        return HttpRequest.native(this)[name]();
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  delegateMembers(
    prototype,
    library.HttpRequest.prototype as object,
    (self) => HttpRequest.instance(self as HttpRequest),
    new Set([...NATIVE_GETTERS, ...NATIVE_READS]),
  );
  return HttpRequest;
}

/** The class of an InvocationContext's `extraInputs` or `extraOutputs` (the library does not export them). */
function extraBindingsClass(libraryExtras: object) {
  const LibraryExtras = libraryExtras.constructor as new () => object;
  class ExtraBindings {
    #instance: object | undefined;
    static instance(extras: ExtraBindings): object {
      extras.#instance ??= new LibraryExtras();
      return extras.#instance;
    }
  }
  passAs(ExtraBindings, LibraryExtras);
  delegateMembers(ExtraBindings.prototype, LibraryExtras.prototype, (self) =>
    ExtraBindings.instance(self as ExtraBindings),
  );
  return ExtraBindings;
}

/**
 * The library's InvocationContext logging methods, each of which, in @azure/functions 4, calls the log handler with
 * its level: answered here the same way (a test compares each with the library's).
 */
const LOG_LEVELS = {
  log: "information",
  trace: "trace",
  debug: "debug",
  info: "information",
  warn: "warning",
  error: "error",
} as const satisfies Record<string, LogLevel>;

function invocationContextClass(library: FunctionsLibrary) {
  const sample = new library.InvocationContext({}) as { extraInputs: object; extraOutputs: object };
  const ExtraInputs = extraBindingsClass(sample.extraInputs);
  const ExtraOutputs = extraBindingsClass(sample.extraOutputs);
  class InvocationContext {
    readonly #init: ContextInit;
    #instance: object | undefined;
    invocationId: string;
    functionName: string;
    extraInputs: object;
    extraOutputs: object;
    retryContext: unknown;
    traceContext: unknown;
    triggerMetadata: unknown;
    options: ContextInit["options"];

    constructor(init: ContextInit) {
      this.#init = init;
      // As the library sets them, in its order.
      this.invocationId = init.invocationId;
      this.functionName = init.functionName;
      this.extraInputs = new ExtraInputs();
      this.extraOutputs = new ExtraOutputs();
      this.retryContext = undefined;
      this.traceContext = init.traceContext;
      this.triggerMetadata = init.triggerMetadata;
      const { options } = init;
      this.options = {
        trigger: options.trigger || { name: "unknown", type: "unknown" },
        return: options.return,
        extraInputs: options.extraInputs,
        extraOutputs: options.extraOutputs,
      };
    }

    static logHandler(context: InvocationContext): ContextInit["logHandler"] {
      return context.#init.logHandler;
    }

    /** The library's own context (same init), for any member not answered here. */
    static instance(context: InvocationContext): object {
      context.#instance ??= new library.InvocationContext(context.#init) as object;
      return context.#instance;
    }
  }
  passAs(InvocationContext, library.InvocationContext);
  for (const [name, level] of Object.entries(LOG_LEVELS)) {
    Object.defineProperty(InvocationContext.prototype, name, {
      value(this: InvocationContext, ...args: unknown[]) {
        InvocationContext.logHandler(this).call(this, level, ...args);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  delegateMembers(
    InvocationContext.prototype,
    library.InvocationContext.prototype as object,
    (self) => InvocationContext.instance(self as InvocationContext),
    new Set(Object.keys(LOG_LEVELS)),
  );
  return InvocationContext;
}

/**
 * The library's HttpRequest and InvocationContext as functions get them, built without the library's constructors.
 * @azure/functions is compiled with its private fields as WeakMaps: its two constructors make six WeakMap entries
 * per invocation, which cost V8 more (the entries, then their garbage collection) than everything else the dev host
 * does per request. These objects are instances of the library's classes (`instanceof`, `constructor`), with the
 * same own properties in the same order, and every member of the classes: the request's url, method, headers and
 * body reads come from the native request, and the context's logging methods call the log handler, as the library's
 * own do; any other member (`user`, `clone`, `extraOutputs.set`, and whatever a later version adds) is the library's
 * own, called on a library instance built from the same init on first use.
 */
export class LibraryObjects {
  readonly #HttpRequest: ReturnType<typeof httpRequestClass>;
  readonly #InvocationContext: ReturnType<typeof invocationContextClass>;

  constructor(library: FunctionsLibrary) {
    this.#HttpRequest = httpRequestClass(library);
    this.#InvocationContext = invocationContextClass(library);
  }

  /** An HttpRequest of `native`, with the route's parameters and the URL's query string (`?...`, or ""). */
  httpRequest(native: LazyRequest, params: Record<string, string>, search: string): RequestInstance {
    return new this.#HttpRequest(native, params, search);
  }

  invocationContext(init: ContextInit): DevInvocationContext {
    return new this.#InvocationContext(init) as unknown as DevInvocationContext;
  }
}

const objectsOfLibrary = new WeakMap<FunctionsLibrary, LibraryObjects>();

/** The LibraryObjects of a library, made once. */
export function libraryObjectsOf(library: FunctionsLibrary): LibraryObjects {
  let objects = objectsOfLibrary.get(library);
  if (!objects) {
    objects = new LibraryObjects(library);
    objectsOfLibrary.set(library, objects);
  }
  return objects;
}
