import { describe, expect, it } from "vitest";
import { parseJsonBody } from "../../src/http/parseJson";
import { readBodyWithLimit, requireJsonContentType } from "../../src/http/requestBody";
import { ProblemError } from "../../src/shared/problem";

function statusOf(fn: () => unknown): Promise<number> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => 0,
      (error: unknown) => (error instanceof ProblemError ? error.problem.status : -1),
    );
}

function streamOf(chunks: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream(
    {
      pull(controller) {
        onPull?.();
        const chunk = chunks[i++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

describe("content type", () => {
  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "application/cloudevents+json",
    "Application/JSON;charset=UTF-8",
  ])("accepts %s", async (type) => {
    expect(await statusOf(() => requireJsonContentType(new Headers({ "content-type": type })))).toBe(0);
  });
  it.each([
    undefined,
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin1",
    "application/jsonp",
  ])("refuses %s with 415", async (type) => {
    const headers = new Headers(type ? { "content-type": type } : {});
    expect(await statusOf(() => requireJsonContentType(headers))).toBe(415);
  });
});

/** A request as the library's HttpRequest presents it: headers, the body as a stream, and arrayBuffer(). */
function incoming(headers: Headers, body: ReadableStream<Uint8Array> | null) {
  return { method: "POST", headers, body, arrayBuffer: () => new Response(body).arrayBuffer() };
}

describe("body reading", () => {
  it("answers 411 for a chunked request whose body did not arrive (the host forwards none without streams)", async () => {
    const chunked = incoming(new Headers({ "transfer-encoding": "chunked" }), null);
    expect(await statusOf(() => readBodyWithLimit(chunked, 1000))).toBe(411);
    const declaredEmpty = incoming(new Headers({ "content-length": "0" }), null);
    expect((await readBodyWithLimit(declaredEmpty, 1000)).byteLength).toBe(0);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    let pulls = 0;
    const request = incoming(
      new Headers({ "content-length": "5000" }),
      streamOf([new Uint8Array(10)], () => pulls++),
    );
    expect(await statusOf(() => readBodyWithLimit(request, 1000))).toBe(413);
    expect(pulls).toBe(0);
  });

  it("cuts off an undeclared body at the limit instead of buffering it all", async () => {
    let pulls = 0;
    const chunk = new Uint8Array(64 * 1024);
    const chunks = Array.from({ length: 1600 }, () => chunk); // 100 MiB if read to the end
    const request = incoming(
      new Headers(),
      streamOf(chunks, () => pulls++),
    );
    expect(await statusOf(() => readBodyWithLimit(request, 1024 * 1024))).toBe(413);
    expect(pulls).toBeLessThan(20);
  });

  it("returns the exact bytes under the limit", async () => {
    const bytes = new TextEncoder().encode('{"a":1}');
    const request = incoming(new Headers(), streamOf([bytes.slice(0, 3), bytes.slice(3)]));
    expect(Buffer.from(await readBodyWithLimit(request, 100)).toString()).toBe('{"a":1}');
  });

  it("reads a body with a declared Content-Length in one piece, and still refuses one that is longer than the limit", async () => {
    const bytes = new TextEncoder().encode('{"a":1}');
    const declared = incoming(new Headers({ "content-length": "7" }), streamOf([bytes]));
    expect(Buffer.from(await readBodyWithLimit(declared, 100)).toString()).toBe('{"a":1}');
    // A Content-Length that understates the body: the bytes read decide.
    const understated = incoming(new Headers({ "content-length": "3" }), streamOf([bytes]));
    expect(await statusOf(() => readBodyWithLimit(understated, 5))).toBe(413);
  });
});

describe("JSON parsing", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it.each([
    ["empty", new Uint8Array()],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ["not JSON", enc("{region: 3}")],
    ["too deep", enc(`${"[".repeat(40)}${"]".repeat(40)}`)],
    ["__proto__ key", enc('{"__proto__": {"polluted": true}}')],
    ["nested __proto__ key", enc('{"a": [{"__proto__": {"polluted": true}}]}')],
    ["duplicate key", enc('{"tenure": 1, "tenure": 2}')],
    ["nested duplicate key", enc('{"instances": [{"a": 1}, {"b": 1, "b": 1}]}')],
  ])("400 for %s", async (_name, bytes) => {
    expect(await statusOf(() => parseJsonBody(bytes))).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("parses valid JSON, where the same key in sibling objects is fine", () => {
    expect(parseJsonBody(enc('{"a":[1,2,{"b":null},{"b":1}]}'))).toEqual({
      a: [1, 2, { b: null }, { b: 1 }],
    });
  });

  it("accepts nesting up to the limit", () => {
    expect(parseJsonBody(enc(`${"[".repeat(32)}${"]".repeat(32)}`))).toBeInstanceOf(Array);
  });

  it("names the duplicated key", async () => {
    const error = await Promise.resolve()
      .then(() => parseJsonBody(enc('{"age": 1, "age": 2}')))
      .catch((e: unknown) => e);
    expect((error as ProblemError).problem.detail).toBe('JSON object key "age" appears twice');
  });
});
