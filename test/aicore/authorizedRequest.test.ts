import { afterEach, describe, expect, it } from "vitest";
import { authorizedRequest } from "../../src/aicore/authorizedRequest";
import { createHttpClient } from "../../src/aicore/httpClient";
import { PreparedRequests } from "../../src/aicore/preparedRequests";
import { TokenProvider } from "../../src/aicore/tokenProvider";
import { sendJson, startLoopbackServer } from "../support/loopbackServer";

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
});

describe("authorized AI Core request", () => {
  it("sends the bearer token and AI-Resource-Group, and on a 401 refetches the token once and retries", async () => {
    let issued = 0;
    const revoked = new Set(["token-1"]);
    server = await startLoopbackServer((req, res) => {
      if (req.url === "/oauth/token") {
        issued++;
        return sendJson(res, 200, { access_token: `token-${issued}`, expires_in: 3600 });
      }
      const token = String(req.headers.authorization).replace("Bearer ", "");
      if (revoked.has(token)) return sendJson(res, 401, { error: { code: "401", message: "Unauthorized" } });
      sendJson(res, 200, { ok: true, group: req.headers["ai-resource-group"] });
    });
    const http = createHttpClient({ timeoutMs: 2000 });
    const tokens = new TokenProvider(
      { tokenUrl: `${server.url}/oauth/token`, clientId: "c", clientSecret: "s" },
      http,
    );
    const posts = new PreparedRequests(http, "post");
    const url = `${server.url}/x`;
    const response = await authorizedRequest(
      tokens,
      (token) =>
        posts.send({
          url,
          data: "{}",
          headers: { Authorization: `Bearer ${token}`, "AI-Resource-Group": "team-a" },
        }),
      "test",
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(Buffer.from(response.data).toString())).toEqual({ ok: true, group: "team-a" });
    const calls = server.requests.filter((r) => r.url === "/x");
    expect(calls.map((r) => r.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(issued).toBe(2);
  });

  it("gives up after one retry when the fresh token is refused too", async () => {
    let issued = 0;
    server = await startLoopbackServer((req, res) => {
      if (req.url === "/oauth/token")
        return sendJson(res, 200, { access_token: `t${++issued}`, expires_in: 3600 });
      sendJson(res, 401, { error: { code: "401", message: "Unauthorized" } });
    });
    const http = createHttpClient({ timeoutMs: 2000 });
    const tokens = new TokenProvider(
      { tokenUrl: `${server.url}/oauth/token`, clientId: "c", clientSecret: "s" },
      http,
    );
    const url = `${server.url}/x`;
    const response = await authorizedRequest(
      tokens,
      (token) => http.request({ method: "GET", url, headers: { Authorization: `Bearer ${token}` } }),
      "test",
    );
    expect(response.status).toBe(401);
    expect(server.requests.filter((r) => r.url === "/x")).toHaveLength(2);
  });
});
