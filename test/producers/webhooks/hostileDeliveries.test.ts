import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import type { DeliveryStore } from "../../../src/producers/webhooks/deliveryStore";
import { parseSources } from "../../../src/producers/webhooks/sourceCatalog";
import { WebhookReceiver } from "../../../src/producers/webhooks/webhookReceiver";
import { configureSources } from "../../../src/producers/webhooks/webhookSources";
import type { Scorer } from "../../../src/scoring/scorer";
import { ProblemError } from "../../../src/shared/problem";
import { messageOf } from "../../support/thrown";
import { githubSignature, stripeSignature } from "./signing";

// Deliveries a hostile sender crafts, against the receiver itself; the store and the scorer below stand in for
// Table storage and the model (tested elsewhere) and count whether a delivery reached them.
const CRM_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GH_SECRET = "hostile-github-secret";
const STRIPE_SECRET = "whsec_hostile_stripe_secret";
const models = { churn: { scenarioId: "churn", executableId: "churn-serving", input: { type: "object" } } };
const catalog = parseCatalog(
  {
    models,
    sources: {
      crm: { model: "churn", verify: { scheme: "standard-webhooks", secretSetting: "CRM_SECRET" } },
      hub: { model: "churn", verify: { scheme: "github", secretSetting: "GH_SECRET" } },
      "hub-form": {
        model: "churn",
        verify: { scheme: "github", secretSetting: "GH_SECRET" },
        formEncoded: true,
      },
      stripe: { model: "churn", verify: { scheme: "stripe", secretSetting: "STRIPE_SECRET" } },
      unset: { model: "churn", verify: { scheme: "github", secretSetting: "SECRET_NOBODY_SET" } },
    },
  },
  "default",
);
const env = { CRM_SECRET, GH_SECRET, STRIPE_SECRET };

function receiver() {
  const reached = { store: 0, scorer: 0 };
  // Claims always succeed: what is counted is whether a delivery got that far.
  const store: DeliveryStore = {
    claim: async (key, bodyHash) => {
      reached.store++;
      return { outcome: "claimed", claim: { key, bodyHash, etag: "*" } };
    },
    complete: async () => true,
    release: async () => {},
    purgeExpired: async () => 0,
  };
  const scorer: Pick<Scorer, "score"> = {
    score: async () => {
      reached.scorer++;
      return {
        kind: "prediction",
        model: "churn",
        deploymentId: "d1",
        contentType: "application/json",
        body: Buffer.from("{}"),
      };
    },
  };
  const sources = configureSources(parseSources(catalog), env, { warn: () => {} });
  return { receiver: new WebhookReceiver(sources, store, scorer), reached };
}

const lines: string[] = [];
const logger = { log: () => {}, warn: (line: string) => lines.push(line), error: () => {} };

async function outcome(source: string, headers: Record<string, string>, body: Buffer | string) {
  const { receiver: r, reached } = receiver();
  try {
    const answer = await r.receive(r.source(source, logger), new Headers(headers), Buffer.from(body), logger);
    return { status: answer.status, problem: undefined, reached };
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    return { status: error.problem.status, problem: error.problem, reached };
  }
}

/** A Standard Webhooks signature over exact bytes, as a sender that signs bytes computes it. */
function signBytes(id: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(CRM_SECRET.slice("whsec_".length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
  return `v1,${mac}`;
}

describe("Standard Webhooks: the bytes verified are the bytes received", () => {
  it("a body that is not valid UTF-8 is refused (400) before any signature is checked", async () => {
    const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const timestamp = String(Math.floor(Date.now() / 1000));
    // Signed over what the library would have turned the bytes into (U+FFFD), and over the bytes themselves.
    const overText = new Webhook(CRM_SECRET).sign(
      "msg_1",
      new Date(Number(timestamp) * 1000),
      body.toString(),
    );
    for (const signature of [overText, signBytes("msg_1", timestamp, body), "v1,AAAA"]) {
      const result = await outcome(
        "crm",
        {
          "content-type": "application/json",
          "webhook-id": "msg_1",
          "webhook-timestamp": timestamp,
          "webhook-signature": signature,
        },
        body,
      );
      expect(result.status).toBe(400);
      expect(result.problem?.detail).toMatch(/UTF-8/);
    }
  });

  it("a timestamp that is not canonical digits (a leading zero) is malformed, even with a signature that matches it", async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const body = '{"a":1}';
    const signature = new Webhook(CRM_SECRET).sign("msg_2", now, body);
    const canonical = String(now.getTime() / 1000);
    const ok = await outcome(
      "crm",
      {
        "content-type": "application/json",
        "webhook-id": "msg_2",
        "webhook-timestamp": canonical,
        "webhook-signature": signature,
      },
      body,
    );
    expect(ok.status).toBe(200);
    const result = await outcome(
      "crm",
      {
        "content-type": "application/json",
        "webhook-id": "msg_2",
        "webhook-timestamp": `0${canonical}`,
        "webhook-signature": signature,
      },
      body,
    );
    expect(result.status).toBe(401);
    expect(result.problem?.failure).toBe("malformed");
  });
});

describe("delivery ids", () => {
  it("an id that is not well-formed Unicode (a lone surrogate) is refused with 400, so evt_X\\ud800 and evt_X\\udc00 cannot collide", async () => {
    for (const id of ["evt_X\\ud800", "evt_X\\udc00"]) {
      const body = `{"id":"${id}","a":1}`;
      const t = Math.floor(Date.now() / 1000);
      const result = await outcome(
        "stripe",
        { "content-type": "application/json", "stripe-signature": stripeSignature(STRIPE_SECRET, t, body) },
        body,
      );
      expect(result.status).toBe(400);
      expect(result.reached).toEqual({ store: 0, scorer: 0 });
    }
  });
});

describe("GitHub form encoding", () => {
  const json = '{"a":"x&payload={\\"evil\\":1}"}';
  const form = (body: string) => ({
    "content-type": "application/x-www-form-urlencoded",
    "x-hub-signature-256": githubSignature(GH_SECRET, body),
    "x-github-delivery": "d-form",
  });

  it("is refused (415) from a source that has not opted in", async () => {
    const body = `payload=${encodeURIComponent('{"a":1}')}`;
    expect((await outcome("hub", form(body), body)).status).toBe(415);
  });

  it("from a source that opted in: exactly one payload field, nothing else; a payload inside JSON text is not one", async () => {
    const good = `payload=${encodeURIComponent('{"a":1}')}`;
    expect((await outcome("hub-form", form(good), good)).status).toBe(200);
    for (const body of [
      json,
      `${good}&x=1`,
      `x=1&${good}`,
      `${good}&${good}`,
      "payload",
      "payload=%FF",
      "payload=%E",
    ]) {
      const result = await outcome("hub-form", form(body), body);
      expect(result.status, body).toBe(400);
    }
  });

  it("a charset other than UTF-8 is refused on the form path as on the JSON path", async () => {
    const good = `payload=${encodeURIComponent('{"a":1}')}`;
    const headers = {
      ...form(good),
      "content-type": "application/x-www-form-urlencoded; charset=iso-8859-1",
    };
    expect((await outcome("hub-form", headers, good)).status).toBe(415);
  });

  it("the same signed JSON bytes score the same features whatever the content type says", async () => {
    const headers = { ...form(json), "content-type": "application/json" };
    expect((await outcome("hub-form", headers, json)).status).toBe(200);
  });
});

describe("the anonymous route does not describe the catalog", () => {
  it("404 for an unknown source names no source; the log does", () => {
    lines.length = 0;
    const { receiver: r } = receiver();
    const problem = (() => {
      try {
        r.source("nope", logger);
      } catch (error) {
        if (error instanceof ProblemError) return error.problem;
      }
      return undefined;
    })();
    expect(problem?.status).toBe(404);
    const text = JSON.stringify(problem);
    for (const name of ["crm", "hub", "stripe", "unset", "knownSources"]) expect(text).not.toContain(name);
    expect(lines.join("\n")).toMatch(/crm/);
  });

  it("503 for a source whose secret is unset names no setting; the log does", () => {
    lines.length = 0;
    const { receiver: r } = receiver();
    let text = "";
    try {
      r.source("unset", logger);
    } catch (error) {
      if (error instanceof ProblemError) text = JSON.stringify(error.problem);
    }
    expect(text).toMatch(/"status":503/);
    expect(text).not.toContain("SECRET_NOBODY_SET");
    expect(lines.join("\n")).toContain("SECRET_NOBODY_SET");
  });
});

describe("Standard Webhooks secrets", () => {
  const crmOnly = parseSources(
    parseCatalog(
      {
        models,
        sources: {
          crm: { model: "churn", verify: { scheme: "standard-webhooks", secretSetting: "CRM_SECRET" } },
        },
      },
      "default",
    ),
  );
  it.each([
    ["hex", "6c4f0b1e2d3c4b5a69788796a5b4c3d2e1f00112233445566"],
    ["plain", "my-plain-webhook-secret-value"],
    ["base64 without whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    ["whsec_ and fewer than 24 bytes", "whsec_c29tZWJvZHk="],
    ["one bad secret of a rotation list", `${CRM_SECRET} not-a-secret-at-all`],
  ])("%s stops the start with one line naming the setting, never the secret", (_kind, value) => {
    const message = messageOf(() => configureSources(crmOnly, { CRM_SECRET: value }, { warn: () => {} }));
    expect(message).toMatch(/^CRM_SECRET /);
    expect(message).not.toContain("\n");
    for (const secret of value.split(" ")) expect(message).not.toContain(secret);
  });

  it("whsec_ and base64 of 24 bytes or more is accepted", () => {
    expect(() => configureSources(crmOnly, { CRM_SECRET }, { warn: () => {} })).not.toThrow();
  });
});
