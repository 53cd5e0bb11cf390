import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { LazyRequest } from "../../../src/dev/host/lazyRequest";

const URL_ = "http://127.0.0.1:7071/api/models/churn/predict";
const BODY = '{"tenure": 37}';

/** The library's HttpRequest over a LazyRequest, as the dev host builds it, and over its own undici Request. */
function both(): [HttpRequest, HttpRequest] {
  const headers = { "content-type": "application/json", "x-trace": "a" };
  const lazy = new HttpRequest({
    nativeRequest: new LazyRequest(URL_, "POST", headers, Buffer.from(BODY)),
    params: {},
  } as unknown as ConstructorParameters<typeof HttpRequest>[0]);
  const real = new HttpRequest({ method: "POST", url: URL_, headers, params: {}, body: { string: BODY } });
  return [lazy, real];
}

describe("LazyRequest: the dev host's request behind the library's HttpRequest", () => {
  it("answers headers, text, json and arrayBuffer as the library's own request does", async () => {
    for (const read of [
      (r: HttpRequest) => r.text(),
      (r: HttpRequest) => r.json(),
      async (r: HttpRequest) => Buffer.from(await r.arrayBuffer()).toString(),
      async (r: HttpRequest) => [...r.headers.entries()],
    ]) {
      const [lazy, real] = both();
      expect(await read(lazy)).toEqual(await read(real));
    }
  });

  it("is consumed once, as a fetch body is: a second read rejects and bodyUsed says so", async () => {
    const [lazy, real] = both();
    await lazy.text();
    await real.text();
    expect(lazy.bodyUsed).toBe(true);
    expect(real.bodyUsed).toBe(true);
    await expect(lazy.arrayBuffer()).rejects.toThrow(TypeError);
    await expect(real.arrayBuffer()).rejects.toThrow(TypeError);
  });

  it("hands out a fresh copy: changing what arrayBuffer gave does not change the request's bytes", async () => {
    const bytes = Buffer.from(BODY);
    const request = new LazyRequest(URL_, "POST", {}, bytes);
    new Uint8Array(await request.arrayBuffer()).fill(0);
    expect(bytes.toString()).toBe(BODY);
  });

  it("builds a real Request for a stream or a clone, with the same bytes", async () => {
    const [lazy] = both();
    const clone = lazy.clone();
    expect(await clone.text()).toBe(BODY);
    expect(await new Response(lazy.body).text()).toBe(BODY);
  });
});
