import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevHostProcess, startFixtureHost } from "./devHostProcess";

/** Sends raw request bytes (a client library would refuse to send these) and answers the status code. */
function rawStatus(url: string, request: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe("dev host: the request line and Host header", () => {
  let host: DevHostProcess;
  let url: string;

  beforeAll(async () => {
    ({ host, url } = await startFixtureHost());
  });

  afterAll(async () => {
    await host?.stop();
  });

  const get = (target: string, hostHeader: string) =>
    `GET ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`;

  it("serves a well-formed request", async () => {
    expect(await rawStatus(url, get("/api/hello/ann", "localhost:7071"))).toBe(200);
  });

  it.each(["[::1", "a b", "exa%mple.com", "host:port", "[zz]:80"])(
    "a malformed Host header (%s) gets 400, not 500",
    async (hostHeader) => {
      expect(await rawStatus(url, get("/api/hello/ann", hostHeader))).toBe(400);
    },
  );

  it("//evil/api/hello/ann is a path of its own (404), not /api/hello/ann on host evil", async () => {
    expect(await rawStatus(url, get("//evil/api/hello/ann", "localhost"))).toBe(404);
  });

  it("a request target that is not a path (absolute form) gets 400", async () => {
    expect(await rawStatus(url, get("http://evil/api/hello/ann", "localhost"))).toBe(400);
  });
});
