import { inspect } from "node:util";
import * as library from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { FunctionsLibrary } from "../../../src/dev/host/functionsLibrary";
import { LazyRequest } from "../../../src/dev/host/lazyRequest";
import { type ContextInit, LibraryObjects } from "../../../src/dev/host/libraryObjects";
import type { LogLevel } from "../../../src/dev/host/logging";

const objects = new LibraryObjects(library as unknown as FunctionsLibrary);

const PRINCIPAL = Buffer.from(
  JSON.stringify({ identityProvider: "aad", userId: "u-1", userDetails: "ada", userRoles: ["reader"] }),
).toString("base64");

interface Body {
  type: string;
  text: string;
}
const JSON_BODY: Body = { type: "application/json", text: '{"tenure":37}' };
const FORM_BODY: Body = { type: "application/x-www-form-urlencoded", text: "a=1&b=two" };

/** The dev host's HttpRequest and the library's own, each over its own LazyRequest of the same request. */
function requestPair(body: Body, search = "?region=3&region=4"): [library.HttpRequest, library.HttpRequest] {
  const url = `http://127.0.0.1:7071/api/models/churn/predict${search}`;
  const headers = { "content-type": body.type, "x-ms-client-principal": PRINCIPAL, "x-trace": "a" };
  const native = () => new LazyRequest(url, "POST", headers, Buffer.from(body.text));
  const params = () => ({ model: "churn" });
  const dev = objects.httpRequest(native(), params(), search) as unknown as library.HttpRequest;
  const own = new library.HttpRequest({
    nativeRequest: native(),
    params: params(),
    query: search === "" ? {} : undefined,
  } as unknown as library.HttpRequestInit);
  return [dev, own];
}

/** A value as a test can compare it: streams, headers, buffers, blobs, forms and requests by their content. */
async function comparable(value: unknown): Promise<unknown> {
  if (value instanceof Promise) {
    try {
      return { resolved: await comparable(await value) };
    } catch (error) {
      return { rejected: String(error) };
    }
  }
  if (value instanceof ReadableStream) return { stream: await new Response(value).text() };
  if (value instanceof Headers) return [...value.entries()];
  if (value instanceof URLSearchParams) return value.toString();
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString();
  if (value instanceof Blob) return { blob: await value.text(), type: value.type };
  if (value instanceof FormData) return [...value.entries()];
  if (value instanceof library.HttpRequest) {
    return { url: value.url, params: value.params, query: value.query.toString(), text: await value.text() };
  }
  return value;
}

/** Reads member `key` of `target` (a getter's value, or a method's result called with no arguments). */
function use(target: object, key: PropertyKey, prototype: object): unknown {
  const member = Object.getOwnPropertyDescriptor(prototype, key) as PropertyDescriptor;
  try {
    const value = Reflect.get(target, key);
    return typeof member.value === "function" ? (value as () => unknown).call(target) : value;
  } catch (error) {
    return { threw: String(error) };
  }
}

const memberKeys = (prototype: object) => Reflect.ownKeys(prototype).filter((key) => key !== "constructor");

describe("the dev host's HttpRequest", () => {
  it("is an instance of the library's class, with the library's own properties in its order", () => {
    const [dev, own] = requestPair(JSON_BODY);
    expect(dev).toBeInstanceOf(library.HttpRequest);
    expect(dev.constructor).toBe(library.HttpRequest);
    expect(Object.keys(dev)).toEqual(Object.keys(own));
    expect(JSON.stringify(dev)).toBe(JSON.stringify(own));
    expect(inspect(dev)).toMatch(/^HttpRequest \{/);
    expect(dev.query.getAll("region")).toEqual(["3", "4"]);
    expect(dev.params).toEqual({ model: "churn" });
    expect(
      objects.httpRequest(new LazyRequest("http://h/x", "GET", {}, Buffer.alloc(0)), {}, "").query.size,
    ).toBe(0);
  });

  it.each([
    ["a JSON body", JSON_BODY],
    ["a form body", FORM_BODY],
  ])("answers every member of the library's class as the library does, with %s", async (_, body) => {
    const prototype = library.HttpRequest.prototype;
    const keys = memberKeys(prototype);
    expect(keys).toEqual(expect.arrayContaining(["url", "headers", "user", "json", "formData", "clone"]));
    for (const key of keys) {
      // A fresh pair for each member: a body is read once.
      const [dev, own] = requestPair(body);
      expect(await comparable(use(dev, key, prototype)), String(key)).toEqual(
        await comparable(use(own, key, prototype)),
      );
    }
  });

  it("reads the body once, as the library's does, whichever member reads it", async () => {
    const [dev, own] = requestPair(JSON_BODY);
    for (const request of [dev, own]) {
      await request.text();
      expect(request.bodyUsed).toBe(true);
      await expect(request.json()).rejects.toThrow(TypeError);
    }
  });
});

describe("the dev host's InvocationContext", () => {
  function contextPair(logged: unknown[][]): [library.InvocationContext, library.InvocationContext] {
    const init = (): ContextInit => ({
      invocationId: "6f0a5c1e-0000-4000-8000-000000000001",
      functionName: "predict",
      logHandler: (level: LogLevel, ...args: unknown[]) => logged.push([level, ...args]),
      options: { trigger: { name: "request", type: "httpTrigger" }, extraInputs: [], extraOutputs: [] },
      traceContext: {
        traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        attributes: {},
      },
      triggerMetadata: { id: "m-1" },
    });
    const dev = objects.invocationContext(init()) as unknown as library.InvocationContext;
    const own = new library.InvocationContext(init() as unknown as library.InvocationContextInit);
    return [dev, own];
  }

  it("is an instance of the library's class, with the library's own properties in its order and values", () => {
    const [dev, own] = contextPair([]);
    expect(dev).toBeInstanceOf(library.InvocationContext);
    expect(dev.constructor).toBe(library.InvocationContext);
    expect(Object.keys(dev)).toEqual(Object.keys(own));
    expect(JSON.stringify(dev)).toBe(JSON.stringify(own));
    expect(dev.extraOutputs).toBeInstanceOf(own.extraOutputs.constructor);
    expect(dev.extraInputs).toBeInstanceOf(own.extraInputs.constructor);
    expect(inspect(dev)).toMatch(/^InvocationContext \{/);
  });

  it("logs through the log handler as the library's does, member by member", () => {
    const keys = memberKeys(library.InvocationContext.prototype);
    expect(keys).toEqual(expect.arrayContaining(["log", "info", "warn", "error"]));
    for (const key of keys) {
      const devLines: unknown[][] = [];
      const ownLines: unknown[][] = [];
      const [dev] = contextPair(devLines);
      const [, own] = contextPair(ownLines);
      (Reflect.get(dev, key) as (...args: unknown[]) => void).call(dev, "scored", { model: "churn" });
      (Reflect.get(own, key) as (...args: unknown[]) => void).call(own, "scored", { model: "churn" });
      expect(devLines, String(key)).toEqual(ownLines);
      expect(devLines).toHaveLength(1);
    }
  });

  it("keeps extra inputs and outputs per invocation, by name or by binding, as the library's do", () => {
    const [dev, other] = contextPair([]);
    const binding = { name: "results", type: "queue" } as unknown as library.StorageQueueOutput;
    dev.extraOutputs.set(binding, { id: 1 });
    dev.extraInputs.set("lookup", 7);
    expect(dev.extraOutputs.get("results")).toEqual({ id: 1 });
    expect(dev.extraInputs.get("lookup")).toBe(7);
    expect(other.extraOutputs.get("results")).toBeUndefined();
  });
});

describe("a later library's members", () => {
  it("are the library's own, on an instance built on first use, also those of a base class", async () => {
    // A library whose classes keep private state the dev host's objects do not have, one member in a base class.
    class Extras {
      readonly #values: Record<string, unknown> = {};
      get(name: string) {
        return this.#values[name];
      }
      set(name: string, value: unknown) {
        this.#values[name] = value;
      }
    }
    class Base {
      readonly #init: { nativeRequest: LazyRequest };
      constructor(init: { nativeRequest: LazyRequest }) {
        this.#init = init;
      }
      get shout() {
        return this.#init.nativeRequest.method.toUpperCase();
      }
    }
    class HttpRequest extends Base {
      readonly #init: { nativeRequest: LazyRequest };
      constructor(init: { nativeRequest: LazyRequest }) {
        super(init);
        this.#init = init;
      }
      url2() {
        return `${this.#init.nativeRequest.url}#2`;
      }
    }
    class InvocationContext {
      extraInputs = new Extras();
      extraOutputs = new Extras();
      readonly #init: ContextInit;
      constructor(init: ContextInit) {
        this.#init = init;
      }
      critical(message: string) {
        this.#init.logHandler("critical", message);
      }
    }
    const later = new LibraryObjects({ HttpRequest, InvocationContext } as unknown as FunctionsLibrary);
    const request = later.httpRequest(
      new LazyRequest("http://h/x", "post", {}, Buffer.alloc(0)),
      {},
      "",
    ) as unknown as HttpRequest;
    expect(request).toBeInstanceOf(HttpRequest);
    expect(request.url2()).toBe("http://h/x#2");
    expect(request.shout).toBe("POST");
    const logged: unknown[][] = [];
    const context = later.invocationContext({
      invocationId: "i",
      functionName: "f",
      logHandler: (...args) => logged.push(args),
      options: { extraInputs: [], extraOutputs: [] },
    }) as unknown as InvocationContext;
    context.critical("down");
    expect(logged).toEqual([["critical", "down"]]);
    context.extraOutputs.set("out", 1);
    expect(context.extraOutputs.get("out")).toBe(1);
  });
});
