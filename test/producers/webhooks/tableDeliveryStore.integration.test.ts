import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import { deliveryKey, hashBody } from "../../../src/producers/webhooks/deliveryStore";
import { parseSources } from "../../../src/producers/webhooks/sourceCatalog";
import {
  MAX_RECORDED_ANSWER_BYTES,
  TableDeliveryStore,
} from "../../../src/producers/webhooks/tableDeliveryStore";
import { WebhookReceiver } from "../../../src/producers/webhooks/webhookReceiver";
import { configureSources } from "../../../src/producers/webhooks/webhookSources";
import type { Scorer } from "../../../src/scoring/scorer";
import type { ScoringOutcome } from "../../../src/scoring/scoringOutcome";
import { ProblemError } from "../../../src/shared/problem";
import { startAzurite } from "../../support/azurite";
import { githubSignature } from "./signing";

const HOUR = 3_600_000;
const t0 = new Date("2026-11-27T10:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const ok = { status: 200, headers: { "Content-Type": "application/json" }, body: Buffer.from('{"churn":1}') };

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let store: TableDeliveryStore;
let sequence = 0;
const key = () => deliveryKey("crm", `msg_${Date.now()}_${sequence++}`);

beforeAll(async () => {
  azurite = await startAzurite();
  store = new TableDeliveryStore(
    { kind: "connectionString", connectionString: azurite.connectionString },
    { ttlMs: 24 * HOUR, abandonAfterMs: 5 * 60_000 },
  );
});

afterAll(async () => {
  await azurite?.stop();
});

describe("delivery records in Table storage", () => {
  it("relays of two AI Core instances on one storage account never replay each other's recorded answers", async () => {
    const connection = { kind: "connectionString" as const, connectionString: azurite.connectionString };
    const dev = new TableDeliveryStore(connection, {
      ttlMs: 24 * HOUR,
      scope: "https://api.ai.dev.example.test",
    });
    const prod = new TableDeliveryStore(connection, {
      ttlMs: 24 * HOUR,
      scope: "https://api.ai.prod.example.test",
    });
    const delivery = key();
    const claimed = await dev.claim(delivery, "h", t0);
    if (claimed.outcome !== "claimed") throw new Error("claimed expected");
    expect(await dev.complete(claimed.claim, ok, t0)).toBe(true);
    expect((await dev.claim(delivery, "h", at(1000))).outcome).toBe("done");
    expect((await prod.claim(delivery, "h", at(1000))).outcome).toBe("claimed");
  });

  it("purges the records past expiry, across partitions, and keeps the others", async () => {
    // A table of its own: the other tests' records must not change the counts.
    const purgeStore = new TableDeliveryStore(
      { kind: "connectionString", connectionString: azurite.connectionString },
      {
        ttlMs: 24 * HOUR,
        tableName: "purgetest",
      },
    );
    const old = Array.from({ length: 300 }, (_, i) => deliveryKey("crm", `old_${i}`));
    for (const k of old) {
      const claimed = await purgeStore.claim(k, "h", t0);
      if (claimed.outcome === "claimed" && old.indexOf(k) % 2 === 0)
        await purgeStore.complete(claimed.claim, ok, t0);
    }
    const recent = deliveryKey("crm", "recent");
    const kept = await purgeStore.claim(recent, "h", at(20 * HOUR));
    if (kept.outcome === "claimed") await purgeStore.complete(kept.claim, ok, at(20 * HOUR));
    expect(new Set(old.map((k) => k.partitionKey)).size).toBeGreaterThan(100);

    expect(await purgeStore.purgeExpired(at(23 * HOUR))).toBe(0);
    expect(await purgeStore.purgeExpired(at(25 * HOUR))).toBe(300);
    expect(await purgeStore.purgeExpired(at(25 * HOUR))).toBe(0);
    // Purged deliveries are new again; the recent one still replays.
    expect((await purgeStore.claim(old[0] as (typeof old)[number], "other", at(25 * HOUR))).outcome).toBe(
      "claimed",
    );
    expect((await purgeStore.claim(recent, "h", at(25 * HOUR))).outcome).toBe("done");
  });

  it("keys records by a hash: 256 partitions spread the writes, not one partition per source", () => {
    const partitions = new Set(
      Array.from({ length: 5000 }, (_, i) => deliveryKey("crm", `msg_${i}`).partitionKey),
    );
    expect(partitions.size).toBe(256);
    const one = deliveryKey("crm", "msg_1");
    expect(one.rowKey).toMatch(/^[0-9a-f]{64}$/);
    expect(one.rowKey.startsWith(one.partitionKey)).toBe(true);
    expect(deliveryKey("other", "msg_1").rowKey).not.toBe(one.rowKey);
  });

  it("the first claim wins; a repeat sees in-progress, then the recorded answer once it is complete", async () => {
    const k = key();
    const first = await store.claim(k, "h1", t0);
    expect(first.outcome).toBe("claimed");
    expect((await store.claim(k, "h1", at(1000))).outcome).toBe("in-progress");
    if (first.outcome !== "claimed") return;
    expect(await store.complete(first.claim, ok, at(2000))).toBe(true);
    const repeat = await store.claim(k, "h1", at(3000));
    expect(repeat).toEqual({ outcome: "done", response: ok });
    expect((await store.claim(k, "h2", at(4000))).outcome).toBe("body-mismatch");
  });

  it("records an answer larger than one table property (chunks) and replays it byte for byte", async () => {
    const k = key();
    const big = { ...ok, body: Buffer.from(Array.from({ length: 150_000 }, (_, i) => i % 251)) };
    const claimed = await store.claim(k, "h", t0);
    if (claimed.outcome !== "claimed") return expect.unreachable();
    expect(await store.complete(claimed.claim, big, t0)).toBe(true);
    const repeat = await store.claim(k, "h", at(1));
    expect(repeat.outcome === "done" && Buffer.compare(repeat.response.body, big.body)).toBe(0);
  });

  it("an in-progress claim older than the abandonment period can be claimed again; the old claim then cannot complete", async () => {
    const k = key();
    const crashed = await store.claim(k, "h", t0);
    expect((await store.claim(k, "h", at(5 * 60_000 - 1))).outcome).toBe("in-progress");
    const taken = await store.claim(k, "h", at(5 * 60_000));
    expect(taken.outcome).toBe("claimed");
    if (crashed.outcome !== "claimed" || taken.outcome !== "claimed") return;
    expect(await store.complete(crashed.claim, ok, at(5 * 60_000 + 1))).toBe(false);
    expect(await store.complete(taken.claim, ok, at(5 * 60_000 + 2))).toBe(true);
  });

  it("a record older than the TTL is forgotten: the delivery is claimed (and scored) again", async () => {
    const k = key();
    const first = await store.claim(k, "h", t0);
    if (first.outcome !== "claimed") return expect.unreachable();
    await store.complete(first.claim, ok, t0);
    expect((await store.claim(k, "other-body", at(24 * HOUR - 1))).outcome).toBe("body-mismatch");
    expect((await store.claim(k, "other-body", at(24 * HOUR))).outcome).toBe("claimed");
  });

  it("a released claim lets the next copy claim it", async () => {
    const k = key();
    const first = await store.claim(k, "h", t0);
    if (first.outcome !== "claimed") return expect.unreachable();
    await store.release(first.claim);
    expect((await store.claim(k, "h", at(1))).outcome).toBe("claimed");
  });

  it("concurrent claims of one delivery from many callers: exactly one wins", async () => {
    const k = key();
    const outcomes = await Promise.all(Array.from({ length: 25 }, () => store.claim(k, "h", t0)));
    expect(outcomes.filter((o) => o.outcome === "claimed")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "in-progress")).toHaveLength(24);
  });
});

describe("the receiver while the first copy is still being scored", () => {
  it("answers every concurrent copy 409 until the first is scored, then replays its answer", async () => {
    const catalog = parseCatalog(
      {
        models: { churn: { scenarioId: "churn", executableId: "churn-serving", input: { type: "object" } } },
        sources: { hub: { model: "churn", verify: { scheme: "github", secretSetting: "HUB_SECRET" } } },
      },
      "default",
    );
    const sources = configureSources(parseSources(catalog), { HUB_SECRET: "s" }, { warn: () => {} });
    let release: (outcome: ScoringOutcome) => void = () => {};
    let calls = 0;
    const scorer: Pick<Scorer, "score"> = {
      score: () => {
        calls++;
        return new Promise<ScoringOutcome>((resolve) => {
          release = resolve;
        });
      },
    };
    const receiver = new WebhookReceiver(sources, store, scorer);
    const body = Buffer.from('{"x":1}');
    const headers = new Headers({
      "content-type": "application/json",
      "x-hub-signature-256": githubSignature("s", body),
      "x-github-delivery": `gated_${Date.now()}`,
    });
    const logger = { log: () => {}, warn: () => {}, error: () => {} };
    const source = receiver.source("hub", logger);
    const first = receiver.receive(source, headers, body, logger);
    await expect.poll(() => calls).toBe(1); // the first copy holds the claim and is being scored
    const copies = await Promise.allSettled(
      Array.from({ length: 10 }, () => receiver.receive(source, headers, body, logger)),
    );
    for (const copy of copies) {
      expect(copy.status).toBe("rejected");
      const reason = (copy as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(ProblemError);
      expect((reason as ProblemError).problem.status).toBe(409);
    }
    release({
      kind: "prediction",
      model: "churn",
      deploymentId: "d1",
      contentType: "application/json",
      body: Buffer.from('{"churn":0}'),
    });
    expect((await first).status).toBe(200);
    const late = await receiver.receive(source, headers, body, logger);
    expect(late).toMatchObject({ status: 200, headers: { "Idempotent-Replayed": "true" } });
    expect(Buffer.from(late.body).toString()).toBe('{"churn":0}');
    expect(calls).toBe(1);
    expect(hashBody(body)).not.toBe(hashBody(Buffer.from('{"x":2}')));
  });

  it("an answer too large for one entity (790-900 KB included) is answered, not recorded, and its claim is released", async () => {
    const catalog = parseCatalog(
      {
        models: { churn: { scenarioId: "churn", executableId: "churn-serving", input: { type: "object" } } },
        sources: { hub: { model: "churn", verify: { scheme: "github", secretSetting: "HUB_SECRET" } } },
      },
      "default",
    );
    const sources = configureSources(parseSources(catalog), { HUB_SECRET: "s" }, { warn: () => {} });
    for (const bytes of [790_000, 850_000, 900_000, 1_200_000]) {
      let calls = 0;
      const scorer: Pick<Scorer, "score"> = {
        score: async () => {
          calls++;
          return {
            kind: "prediction",
            model: "churn",
            deploymentId: "d1",
            contentType: "application/json",
            body: Buffer.from(JSON.stringify({ p: "x".repeat(bytes - 8) })),
          };
        },
      };
      const receiver = new WebhookReceiver(sources, store, scorer);
      const body = Buffer.from('{"x":1}');
      const headers = new Headers({
        "content-type": "application/json",
        "x-hub-signature-256": githubSignature("s", body),
        "x-github-delivery": `large_${bytes}_${Date.now()}`,
      });
      const warnings: string[] = [];
      const logger = { log: () => {}, warn: (line: string) => warnings.push(line), error: () => {} };
      const source = receiver.source("hub", logger);
      expect((await receiver.receive(source, headers, body, logger)).status).toBe(200);
      // The repeat is scored again (not 409 for 5 minutes): nothing was recorded and the claim is gone.
      const repeat = await receiver.receive(source, headers, body, logger);
      expect(repeat.status).toBe(200);
      expect(repeat.headers["Idempotent-Replayed"]).toBeUndefined();
      expect(calls).toBe(2);
      expect(warnings.join("\n")).toMatch(/not recorded/);
    }
  });

  it("records the largest answer the bound admits, and Azurite accepts it", async () => {
    const k = key();
    const big = { ...ok, body: Buffer.alloc(MAX_RECORDED_ANSWER_BYTES, 7) };
    const claimed = await store.claim(k, "h", t0);
    if (claimed.outcome !== "claimed") return expect.unreachable();
    expect(await store.complete(claimed.claim, big, t0)).toBe(true);
    const repeat = await store.claim(k, "h", at(1));
    expect(repeat.outcome === "done" && repeat.response.body.byteLength).toBe(MAX_RECORDED_ANSWER_BYTES);
  });
});
