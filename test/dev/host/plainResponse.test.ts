import { HttpResponse, type HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { plainResponse } from "../../../src/dev/host/plainResponse";

/** What the library's HttpResponse (an undici Response) would send for the same init. */
async function viaLibrary(init: HttpResponseInit) {
  const response = new HttpResponse(init);
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: bytes.byteLength > 0 ? bytes : undefined,
  };
}

describe("plainResponse: the dev host's shortcut for a plain HttpResponseInit", () => {
  const same: Array<[string, HttpResponseInit]> = [
    ["a string body (text/plain by default)", { body: "hello" }],
    ["a string beyond ASCII", { body: "żółw \u{1F422}" }],
    ["an empty string", { headers: { "X-A": "1" }, body: "" }],
    [
      "a string body with its own type",
      { status: 201, headers: { "Content-Type": "application/json" }, body: "{}" },
    ],
    ["bytes (no default type)", { body: Buffer.from([0, 255, 10]) }],
    ["a Uint8Array view", { body: new Uint8Array([1, 2, 3, 4]).subarray(1, 3) }],
    ["jsonBody (application/json by default)", { status: 422, jsonBody: { errors: [1, "two"] } }],
    [
      "jsonBody with its own type",
      { headers: { "content-type": "application/problem+json" }, jsonBody: { a: 1 } },
    ],
    ["no body", { status: 202, headers: { "X-Id": " 42 " } }],
  ];
  for (const [name, init] of same) {
    it(`sends what the library would for ${name}`, async () => {
      const plain = plainResponse(init);
      // A string body goes out as UTF-8: compare the bytes (none as viaLibrary says it).
      const bytes = plain?.body ? Buffer.from(plain.body) : undefined;
      expect({ ...plain, body: bytes }).toEqual(await viaLibrary(init));
    });
  }

  it("leaves everything else to the library: instances, cookies, streams, Headers, odd statuses", () => {
    for (const init of [
      new HttpResponse({ body: "x" }),
      { body: "x", cookies: [{ name: "a", value: "1" }] },
      { body: new ReadableStream() },
      { headers: new Headers({ a: "1" }), body: "x" },
      { headers: { a: "1", A: "2" } },
      { status: 204 },
      { status: 99 },
      { body: "x", unknownMember: true },
    ]) {
      expect(plainResponse(init)).toBeUndefined();
    }
  });
});
