import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevHostProcess, startFixtureHost } from "./devHostProcess";

/** What the Functions host answers itself, before any function runs, and when the worker process must end. */

interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** POSTs `size` bytes, with Content-Length or chunked (no Content-Length), and reads the answer. */
function post(url: string, size: number, framing: "length" | "chunked"): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        headers: framing === "length" ? { "Content-Length": size } : { "Transfer-Encoding": "chunked" },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    // The host may answer and close before the whole body is sent: that is an answer, not a failure.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    const piece = Buffer.alloc(Math.min(size, 500), 0x61);
    for (let sent = 0; sent < size; sent += piece.length) request.write(piece.subarray(0, size - sent));
    request.end();
  });
}

describe("dev host: host-level answers with FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", () => {
  let host: DevHostProcess;
  let url: string;

  beforeAll(async () => {
    ({ host, url } = await startFixtureHost({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: "1000" }));
  });

  afterAll(async () => {
    await host?.stop();
  });

  it("passes a body within the limit", async () => {
    const answer = await post(`${url}/api/models/m/echo`, 1000, "length");
    expect(answer.status).toBe(201);
    expect(answer.headers["x-length"]).toBe("1000");
  });

  it("answers a bare 413 for a body over the limit, declared or counted, without calling the function", async () => {
    const from = host.lines.length;
    for (const framing of ["length", "chunked"] as const) {
      const answer = await post(`${url}/api/models/m/echo`, 5000, framing);
      expect(answer.status, framing).toBe(413);
      expect(answer.body).toBe("");
    }
    expect(host.lines.slice(from).some((l) => l.text.includes("Executing 'Functions.echo'"))).toBe(false);
  });

  it("forwards no body for a chunked request (no Content-Length), as the host does without HTTP streams", async () => {
    const answer = await post(`${url}/api/models/m/echo`, 300, "chunked");
    expect(answer.status).toBe(201);
    expect(answer.headers["x-length"]).toBe("0");
  });
});

describe("dev host: the process ends like the Node worker's", () => {
  it.each([
    ["an unhandled rejection", "rejection", /unhandled rejection, ending the process .*nobody handles/],
    ["an uncaught exception", "exception", /uncaught exception, ending the process .*outside any invocation/],
  ])("on %s", async (_what, kind, line) => {
    const { host, url } = await startFixtureHost();
    try {
      await fetch(`${url}/api/crash/${kind}`, { method: "POST" }).then((r) => r.arrayBuffer());
      expect(await host.exited).toBe(1);
      expect(host.output("stderr")).toMatch(line);
    } finally {
      await host.stop();
    }
  });
});
