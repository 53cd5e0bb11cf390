import { afterEach, describe, expect, it } from "vitest";
import { DeploymentsApi } from "../../src/aicore/deploymentsApi";
import { createHttpClient } from "../../src/aicore/httpClient";
import { TokenProvider } from "../../src/aicore/tokenProvider";
import { UpstreamError } from "../../src/aicore/upstreamError";
import { sendJson, startLoopbackServer } from "../support/loopbackServer";

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
});

function deployment(i: number) {
  return {
    id: `dep-${String(i).padStart(4, "0")}`,
    configurationId: "cfg-1",
    status: "RUNNING",
    createdAt: "2026-01-01T00:00:00Z",
    modifiedAt: "2026-01-01T00:00:00Z",
    someFutureField: { nested: true },
  };
}

async function apiOver(all: ReturnType<typeof deployment>[], pageSize: number) {
  server = await startLoopbackServer((req, res) => {
    if (req.url === "/oauth/token") return sendJson(res, 200, { access_token: "t", expires_in: 3600 });
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/v2/lm/deployments") {
      const top = Number(url.searchParams.get("$top"));
      const skip = Number(url.searchParams.get("$skip") ?? 0);
      return sendJson(res, 200, { count: all.length, resources: all.slice(skip, skip + top) });
    }
    const match = /^\/v2\/lm\/deployments\/(.+)$/.exec(url.pathname);
    const found = all.find((d) => d.id === match?.[1]);
    if (found) return sendJson(res, 200, found);
    sendJson(res, 404, { error: { code: "01020012", message: "Deployment not found", requestID: "r1" } });
  });
  const http = createHttpClient({ timeoutMs: 2000 });
  const key = { tokenUrl: `${server.url}/oauth/token`, clientId: "c", clientSecret: "s" };
  return new DeploymentsApi(http, new TokenProvider(key, http), server.url, pageSize);
}

describe("deployments API", () => {
  it("pages with $top and $skip until count is reached, sending the filters on every page", async () => {
    const api = await apiOver(
      Array.from({ length: 23 }, (_, i) => deployment(i)),
      10,
    );
    const list = await api.list({ resourceGroup: "rg-1", scenarioId: "churn", executableIds: ["a", "b"] });
    expect(list.map((d) => d.id)).toEqual(Array.from({ length: 23 }, (_, i) => deployment(i).id));
    const pages = (server as Server).requests.filter((r) => r.url.startsWith("/v2/lm/deployments"));
    expect(pages).toHaveLength(3);
    const queries = pages.map((r) => Object.fromEntries(new URL(r.url, "http://x").searchParams));
    expect(queries[0]).toEqual({ scenarioId: "churn", executableIds: "a,b", $top: "10" });
    expect(queries[2]).toEqual({ scenarioId: "churn", executableIds: "a,b", $top: "10", $skip: "20" });
    expect(pages.every((r) => r.headers["ai-resource-group"] === "rg-1")).toBe(true);
  });

  it("makes one call when everything fits a page, and keeps unknown fields", async () => {
    const api = await apiOver([deployment(1)], 100);
    const list = await api.list({ resourceGroup: "default", scenarioId: "churn", executableIds: [] });
    expect(list[0]?.someFutureField).toEqual({ nested: true });
    expect((server as Server).requests.filter((r) => r.url.startsWith("/v2/"))).toHaveLength(1);
  });

  it("gets one deployment, and undefined for a 404", async () => {
    const api = await apiOver([deployment(7)], 100);
    expect((await api.get("default", "dep-0007"))?.status).toBe("RUNNING");
    expect(await api.get("default", "dep-9999")).toBeUndefined();
  });

  it("turns an error answer into an UpstreamError with status and excerpt", async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url === "/oauth/token") return sendJson(res, 200, { access_token: "t", expires_in: 3600 });
      sendJson(res, 400, {
        error: { code: "400", message: "Missing header AI-Resource-Group", requestId: "x" },
      });
    });
    const http = createHttpClient({ timeoutMs: 2000 });
    const key = { tokenUrl: `${server.url}/oauth/token`, clientId: "c", clientSecret: "s" };
    const api = new DeploymentsApi(http, new TokenProvider(key, http), server.url);
    const error = await api
      .list({ resourceGroup: "x", scenarioId: "s", executableIds: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(400);
    expect((error as UpstreamError).bodyExcerpt).toContain("Missing header AI-Resource-Group");
  });
});
