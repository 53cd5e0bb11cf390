import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import type { StorageConnection } from "../../src/config/storageConnection";
import type { CallbackProgress, CallbackQueue, CallbackTask } from "../../src/deliveries/callbackDelivery";
import { type Callbacks, createCallbacks } from "../../src/deliveries/createCallbacks";
import { parseEventEntries } from "../../src/producers/events/eventCatalog";
import { messageOf } from "../support/thrown";
import { shippedCatalogJson } from "../support/world";
import { RECEIVER_SECRET, startCallbackReceiver } from "./callbackReceiver";

// A catalog callback may name a signing secret of its own (Standard Webhooks: a secret per endpoint); its callbacks
// are signed with that one, every other callback with CALLBACK_SIGNING_SECRET's. A real receiver on loopback; the
// job record and the queue are in memory.
const ENDPOINT_SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
const EVENT = JSON.stringify({
  specversion: "1.0",
  id: "result-9",
  type: "aicore-relay.prediction.succeeded",
});
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const queue: CallbackQueue = { schedule: async () => undefined, deadLetter: async () => undefined };
const store = {
  callbackSubject: async () => ({
    resultId: "result-9",
    body: EVENT,
    callback: { state: "pending", attempts: 0, at: new Date() } as CallbackProgress,
  }),
  recordCallback: async () => undefined,
  restartCallback: async () => ({ outcome: "unknown-job" as const }),
};

function callbacks(env: NodeJS.ProcessEnv, url: string): Callbacks {
  return createCallbacks({
    env: { CALLBACK_ALLOWED_HOSTS: "http://127.0.0.1:*", ...env },
    endpointSecrets: [{ url, setting: "CRM_CALLBACK_SECRET" }],
    storage: undefined as unknown as StorageConnection,
    messageEncoding: "none",
    store,
    queue,
  });
}

async function deliver(wired: Callbacks, url: string) {
  const task: CallbackTask = { jobId: "job-9", url, attempt: 1 };
  await wired.delivery.run(task, { warn: () => undefined });
}

describe("a callback's own signing secret", () => {
  it("signs that endpoint's callbacks; every other callback is signed with CALLBACK_SIGNING_SECRET", async () => {
    const receiver = await startCallbackReceiver();
    cleanups.push(() => receiver.close());
    const crm = `${receiver.url}/hooks/crm`;
    const wired = callbacks(
      { CALLBACK_SIGNING_SECRET: RECEIVER_SECRET, CRM_CALLBACK_SECRET: ENDPOINT_SECRET },
      crm,
    );
    await deliver(wired, crm);
    await deliver(wired, `${receiver.url}/hooks/other`);
    const [toCrm, toOther] = receiver.requests;
    const headers = (request: typeof toCrm) =>
      Object.fromEntries(Object.entries(request?.headers ?? {}).map(([k, v]) => [k, String(v)]));
    expect(() => new Webhook(ENDPOINT_SECRET).verify(toCrm?.body ?? "", headers(toCrm))).not.toThrow();
    expect(receiver.received.map((r) => r.verified)).toEqual([false, true]);
    expect(() => new Webhook(ENDPOINT_SECRET).verify(toOther?.body ?? "", headers(toOther))).toThrow();
  });

  it("needs no CALLBACK_SIGNING_SECRET for that endpoint, and refuses it while its own setting is unset", () => {
    const crm = "http://127.0.0.1:8080/hooks/crm";
    expect(callbacks({ CRM_CALLBACK_SECRET: ENDPOINT_SECRET }, crm).admit(crm).allowed).toBe(true);
    expect(
      callbacks({ CRM_CALLBACK_SECRET: ENDPOINT_SECRET }, crm).admit("http://127.0.0.1:8080/x"),
    ).toMatchObject({
      allowed: false,
      reason: expect.stringContaining("CALLBACK_SIGNING_SECRET is not set"),
    });
    expect(callbacks({ CALLBACK_SIGNING_SECRET: RECEIVER_SECRET }, crm).admit(crm)).toEqual({
      allowed: false,
      reason: "its signing secret setting CRM_CALLBACK_SECRET is not set (nothing is sent unsigned)",
    });
  });

  it("stops the app on an own secret that is not a Standard Webhooks secret, naming the setting", () => {
    expect(messageOf(() => callbacks({ CRM_CALLBACK_SECRET: "whsec_c2hvcnQ=" }, "http://127.0.0.1/x"))).toBe(
      "CRM_CALLBACK_SECRET holds a secret that is not a Standard Webhooks secret (whsec_ and the base64 of at least 24 bytes)",
    );
  });

  it("is named in the catalog beside the callback's url", () => {
    const callback = { url: "https://crm.example.com/hooks", secretSetting: "CRM_CALLBACK_SECRET" };
    const catalog = parseCatalog(
      { models: shippedCatalogJson().models, events: { crm: { model: "churn", types: ["t"], callback } } },
      "default",
    );
    expect(parseEventEntries(catalog).get("crm")?.callback).toEqual(callback);
  });
});
