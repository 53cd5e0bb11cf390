import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevHostProcess, startFixtureHost } from "./devHostProcess";

let host: DevHostProcess;
let url: string;

beforeAll(async () => {
  ({ host, url } = await startFixtureHost());
});

afterAll(async () => {
  await host?.stop();
});

describe("dev host HTTP triggers", () => {
  it("says in its banner that it is a dev host, not the Functions runtime, and that keys are not enforced", () => {
    const banner = host.output("stdout");
    expect(banner).toContain("not the Azure Functions runtime");
    expect(banner).toContain("Function keys are not enforced");
    expect(banner).toMatch(
      /hello: \[GET\] http:\/\/127\.0\.0\.1:\d+\/api\/hello\/\{name\?\} \(authLevel anonymous\)/,
    );
  });

  it("runs appStart hooks before serving", () => {
    const lines = host.lines.map((l) => l.text);
    expect(lines.indexOf("fixture: appStart hook ran")).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf("fixture: appStart hook ran")).toBeLessThan(
      lines.findIndex((l) => l.startsWith("dev host listening")),
    );
  });

  it("fills route parameters and the query, and hands the library's request and context to the handler", async () => {
    const response = await fetch(`${url}/api/hello/ada%20l?x=1&y=two`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.name).toBe("ada l");
    expect(body.query).toEqual({ x: "1", y: "two" });
    expect(body.functionName).toBe("hello");
    expect(body.invocationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(body.hooked).toBe(true);
  });

  it("matches an optional parameter when it is absent", async () => {
    const response = await fetch(`${url}/api/hello`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: unknown }).name).toBeNull();
  });

  it("prefers a literal route over a parameter and accepts constrained parameters", async () => {
    expect(await (await fetch(`${url}/api/items/new`)).json()).toEqual({ literal: true });
    expect(await (await fetch(`${url}/api/items/42`)).json()).toEqual({ id: "42", method: "GET" });
  });

  it("routes a function without a route under its name", async () => {
    const response = await fetch(`${url}/api/defaultRoute`);
    expect(await response.text()).toBe("method GET");
  });

  it("answers a bare 404, as the host does, when no route matches or the route does not register the method", async () => {
    for (const [method, path] of [
      ["GET", "/api/nothing-here"],
      ["GET", "/hello"],
      ["GET", "/"],
      ["POST", "/api/items/7"],
    ] as const) {
      const response = await fetch(`${url}${path}`, { method, body: method === "POST" ? "{}" : undefined });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get("content-type")).toBeNull();
      expect(await response.text()).toBe("");
    }
  });

  it("passes the request body as bytes and streams the response's status, headers, cookies and bytes back", async () => {
    const bytes = Buffer.from([0, 255, 254, 10, 13, 0x80, 0x41]);
    const response = await fetch(`${url}/api/models/churn/echo`, { method: "POST", body: bytes });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-model")).toBe("churn");
    expect(response.headers.get("x-length")).toBe(String(bytes.length));
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/; HttpOnly", "b=2; SameSite=Lax"]);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it("answers a plain response's bytes exactly, small (sent with the headers) or large", async () => {
    for (const size of [256, 70_000]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => i % 256));
      const response = await fetch(`${url}/api/models/churn/bytes`, { method: "POST", body: bytes });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-length")).toBe(String(size));
      expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
    }
  });

  it("answers 204 when the handler returns nothing", async () => {
    const response = await fetch(`${url}/api/nothing`, { method: "POST" });
    expect(response.status).toBe(204);
  });

  it("answers a bare 500, as the host does, when the handler throws, and logs the error", async () => {
    const from = host.lines.length;
    const response = await fetch(`${url}/api/boom`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    await host.waitForLine(/boom \([\w-]+\) threw: Error: kaboom/, 15_000, from);
  });

  it("writes context.log/info/warn/error/debug/trace with the function name and invocation id (host.json lets the function log from Trace up)", async () => {
    const response = await fetch(`${url}/api/logs`);
    const { invocationId } = (await response.json()) as { invocationId: string };
    for (const [level, word] of [
      ["info", "log"],
      ["info", "info"],
      ["warn", "warn"],
      ["error", "error"],
      ["debug", "debug"],
      ["trace", "trace"],
    ]) {
      await host.waitForLine(new RegExp(`${level} logs \\(${invocationId}\\): ${word} line$`));
    }
    expect(host.lines.find((l) => l.text.endsWith("error line"))?.stream).toBe("stderr");
  });

  it("prints no per-invocation lines for a successful invocation unless --verbose", async () => {
    const first = host.lines.length;
    expect((await fetch(`${url}/api/hello/ada`)).status).toBe(200);
    const { invocationId } = (await (await fetch(`${url}/api/logs`)).json()) as { invocationId: string };
    await host.waitForLine(new RegExp(`logs \\(${invocationId}\\): trace line$`), 15_000, first);
    expect(host.lines.slice(first).filter((l) => /Execut(ing|ed) 'Functions\./.test(l.text))).toEqual([]);

    const verbose = await startFixtureHost({}, ["--verbose"]);
    try {
      expect((await fetch(`${verbose.url}/api/hello/ada`)).status).toBe(200);
      await verbose.host.waitForLine(/Executing 'Functions\.hello' \(Reason='HTTP GET \/api\/hello\/ada'/);
      await verbose.host.waitForLine(/Executed 'Functions\.hello' \(Succeeded, Id=[\w-]+, Duration=\d+ms\)/);
    } finally {
      await verbose.host.stop();
    }
  });
});
