import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../../src/dev/emulator/server";
import { EmulatorClient, requestToken } from "./emulatorClient";

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((emulator) => emulator.close()));
});

async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  const emulator = await startEmulator(options);
  opened.push(emulator);
  return emulator;
}

function payloadOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

describe("POST /oauth/token", () => {
  it("issues a JWT-shaped bearer token for the client credentials of the service key", async () => {
    const emulator = await start({ clientId: "my-client", clientSecret: "s3cret" });
    const answer = await requestToken(emulator.url, {
      grant_type: "client_credentials",
      client_id: "my-client",
      client_secret: "s3cret",
    });
    expect(answer.status).toBe(200);
    const body = answer.json as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(typeof body.jti).toBe("string");
    const token = String(body.access_token);
    expect(token.split(".")).toHaveLength(3);
    const payload = payloadOf(token);
    expect(payload).toMatchObject({
      client_id: "my-client",
      zid: emulator.serviceKey.identityzoneid,
      jti: body.jti,
    });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
  });

  it("accepts the client credentials as HTTP Basic auth", async () => {
    const emulator = await start();
    const basic = Buffer.from(`${emulator.serviceKey.clientid}:${emulator.serviceKey.clientsecret}`).toString(
      "base64",
    );
    const answer = await requestToken(
      emulator.url,
      { grant_type: "client_credentials" },
      { authorization: `Basic ${basic}` },
    );
    expect(answer.status).toBe(200);
  });

  it("answers 401 Bad credentials for a wrong secret", async () => {
    const emulator = await start();
    const answer = await requestToken(emulator.url, {
      grant_type: "client_credentials",
      client_id: emulator.serviceKey.clientid,
      client_secret: "wrong",
    });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: "unauthorized", error_description: "Bad credentials" });
  });

  it("answers 400 for another grant type", async () => {
    const emulator = await start();
    const answer = await requestToken(emulator.url, { grant_type: "password" });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("uses the configured token lifetime", async () => {
    const client = await EmulatorClient.start({ tokenLifetimeSeconds: 120 });
    opened.push(client);
    const payload = payloadOf(client.token);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(120);
  });
});

describe("bearer tokens on the AI API", () => {
  it("rejects an expired token", async () => {
    const client = await EmulatorClient.start({ tokenLifetimeSeconds: 0 });
    opened.push(client);
    const answer = await client.call("GET", "/v2/lm/deployments");
    expect(answer.status).toBe(401);
  });

  it("rejects a token whose payload was altered", async () => {
    const client = await EmulatorClient.start();
    opened.push(client);
    const [header, , signature] = client.token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...payloadOf(client.token), exp: 9_999_999_999 })).toString(
      "base64url",
    );
    const answer = await client.call("GET", "/v2/lm/deployments", {
      token: `${header}.${forged}.${signature}`,
    });
    expect(answer.status).toBe(401);
  });

  it("rejects a token issued by another emulator", async () => {
    const first = await EmulatorClient.start();
    const second = await EmulatorClient.start();
    opened.push(first, second);
    expect((await second.call("GET", "/v2/lm/deployments", { token: first.token })).status).toBe(401);
    expect((await second.call("GET", "/v2/lm/deployments")).status).toBe(200);
  });
});
