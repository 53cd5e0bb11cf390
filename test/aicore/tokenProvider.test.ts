import { afterEach, describe, expect, it } from "vitest";
import { createHttpClient } from "../../src/aicore/httpClient";
import { TokenProvider } from "../../src/aicore/tokenProvider";
import { UpstreamError } from "../../src/aicore/upstreamError";
import { clientCredentials } from "../../src/config/serviceKey";
import { sendJson, startLoopbackServer } from "../support/loopbackServer";

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function keyFor(url: string) {
  return clientCredentials({
    clientid: "client-1",
    clientsecret: "secret-1",
    url,
    serviceurls: { AI_API_URL: url },
  });
}

async function tokenServer(expiresIn = 3600, delayMs = 20) {
  let issued = 0;
  server = await startLoopbackServer(async (_req, res) => {
    issued++;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    sendJson(res, 200, { access_token: `token-${issued}`, token_type: "bearer", expires_in: expiresIn });
  });
  return server;
}

describe("token provider", () => {
  it("sends client credentials as a form to {url}/oauth/token", async () => {
    const s = await tokenServer();
    const provider = new TokenProvider(keyFor(s.url), createHttpClient({ timeoutMs: 2000 }));
    expect(await provider.getToken()).toBe("token-1");
    const [request] = s.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/oauth/token");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: "secret-1",
    });
  });

  it("with Basic client authentication sends the client in the Authorization header, not the form", async () => {
    const s = await tokenServer();
    const credentials = {
      tokenUrl: `${s.url}/sap/bc/sec/oauth2/token`,
      clientId: "s4:client",
      clientSecret: "p@ss",
    };
    const provider = new TokenProvider(credentials, createHttpClient({ timeoutMs: 2000 }), {
      clientAuthentication: "basic",
    });
    expect(await provider.getToken()).toBe("token-1");
    const [request] = s.requests;
    expect(request?.url).toBe("/sap/bc/sec/oauth2/token");
    const basic = String(request?.headers.authorization).replace(/^Basic /, "");
    expect(Buffer.from(basic, "base64").toString()).toBe("s4%3Aclient:p%40ss");
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: "client_credentials",
    });
  });

  it("50 simultaneous callers share one token fetch", async () => {
    const s = await tokenServer(3600, 50);
    const provider = new TokenProvider(keyFor(s.url), createHttpClient({ timeoutMs: 2000 }));
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    expect(s.requests).toHaveLength(1);
  });

  it("keeps the token until expires_in minus the margin, then fetches a new one", async () => {
    const s = await tokenServer(600, 1);
    let now = 1_000_000;
    const provider = new TokenProvider(keyFor(s.url), createHttpClient({ timeoutMs: 2000 }), {
      marginSeconds: 60,
      now: () => now,
    });
    expect(await provider.getToken()).toBe("token-1");
    now += 539_000; // 1 s before expiry minus margin
    expect(await provider.getToken()).toBe("token-1");
    now += 2_000;
    expect(await provider.getToken()).toBe("token-2");
    expect(s.requests).toHaveLength(2);
  });

  it("invalidate drops only the token that was refused", async () => {
    const s = await tokenServer(3600, 1);
    const provider = new TokenProvider(keyFor(s.url), createHttpClient({ timeoutMs: 2000 }));
    const first = await provider.getToken();
    provider.invalidate("some-older-token");
    expect(await provider.getToken()).toBe(first);
    provider.invalidate(first);
    expect(await provider.getToken()).toBe("token-2");
  });

  it("reports refused credentials without the secret, and a later call tries again", async () => {
    let refuse = true;
    server = await startLoopbackServer((_req, res) => {
      if (refuse) sendJson(res, 401, { error: "unauthorized", error_description: "Bad credentials" });
      else sendJson(res, 200, { access_token: "ok-token", expires_in: 3600 });
    });
    const provider = new TokenProvider(keyFor(server.url), createHttpClient({ timeoutMs: 2000 }));
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(401);
    expect(JSON.stringify(error) + (error as Error).message).not.toContain("secret-1");
    refuse = false;
    expect(await provider.getToken()).toBe("ok-token");
  });
});

describe("a caller's wait for a token", () => {
  it("ends at the caller's waitMs with a timeout, while the shared fetch goes on for the others", async () => {
    const s = await tokenServer(3600, 600);
    const provider = new TokenProvider(keyFor(s.url), createHttpClient({ timeoutMs: 5_000 }));
    const patient = provider.getToken();
    const started = performance.now();
    const hurried = await provider.getToken(100).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(400);
    expect(hurried).toBeInstanceOf(UpstreamError);
    expect((hurried as UpstreamError).failure).toBe("timeout");
    expect(await patient).toBe("token-1");
    expect(s.requests).toHaveLength(1);
  });
});
