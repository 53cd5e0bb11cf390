import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHURN_EXAMPLE as CHURN } from "../../support/world";
import { type RunningLauncher, startLauncher } from "./launcherProcess";

/**
 * Black-box: `npm start`'s launcher with DEPLOYMENT_REFRESH_SCHEDULE every 2 seconds; deployment changes
 * made through the emulator's control API must show up at the relay within a refresh interval (plus the
 * relay's short record cache). The steps build on one another, in order.
 */

const SEEDED = "d0churn00001";
const NEW_ID = "d1churn00002";
/** One refresh interval (2 s) plus the relay's in-memory record cache and slack. */
const WITHIN_MS = 12_000;

let launcher: RunningLauncher;

beforeAll(async () => {
  launcher = await startLauncher();
});

afterAll(async () => {
  await launcher?.process.stop();
});

async function predict() {
  const response = await fetch(`${launcher.base}/models/churn/predict`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(CHURN),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

interface ChurnRecord {
  deploymentId?: string | null;
  status?: string | null;
  usable?: boolean;
}

async function churnRecord(): Promise<ChurnRecord> {
  const response = await fetch(`${launcher.base}/deployments`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { models: Record<string, ChurnRecord> };
  return body.models.churn ?? {};
}

async function control(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${launcher.emulatorUrl}/__emulator/deployments${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, await response.text()).toBeLessThan(300);
}

/** Polls until `check` passes, failing with its last error after WITHIN_MS. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + WITHIN_MS;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe("npm start: the relay against the bundled emulator", () => {
  it("answers the README's churn curl with the model's prediction", async () => {
    const { response, body } = await predict();
    expect(response.status).toBe(200);
    expect(response.headers.get("ai-core-deployment-id")).toBe(SEEDED);
    expect(typeof body.churn_probability).toBe("number");
    expect([0, 1]).toContain(body.churn);
    const record = await churnRecord();
    expect(record).toMatchObject({ deploymentId: SEEDED, usable: true });
  });

  it("keeps serving while a configuration PATCH is in progress (PENDING with lastOperation UPDATE)", async () => {
    await control("PATCH", `/${SEEDED}`, {
      status: "PENDING",
      targetStatus: "RUNNING",
      lastOperation: "UPDATE",
    });
    await eventually(async () => {
      expect(await churnRecord()).toMatchObject({ deploymentId: SEEDED, status: "PENDING", usable: true });
    });
    const { response } = await predict();
    expect(response.status).toBe(200);
    expect(response.headers.get("ai-core-deployment-id")).toBe(SEEDED);
  });

  it("answers 503 problem+json with Retry-After once the deployment is DEAD", async () => {
    await control("PATCH", `/${SEEDED}`, {
      status: "DEAD",
      targetStatus: "RUNNING",
      lastOperation: "CREATE",
      statusMessage: "model server crashed",
    });
    await eventually(async () => {
      expect(await churnRecord()).toMatchObject({ deploymentId: SEEDED, status: "DEAD", usable: false });
    });
    await eventually(async () => {
      const { response, body } = await predict();
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(body.status).toBe(503);
    });
  });

  it("switches to a new deployment (new id and URL) within one refresh interval", async () => {
    await control("POST", "", {
      id: NEW_ID,
      scenarioId: "churn",
      executableId: "churn-serving",
      status: "RUNNING",
      targetStatus: "RUNNING",
    });
    await eventually(async () => {
      expect(await churnRecord()).toMatchObject({ deploymentId: NEW_ID, usable: true });
    });
    await eventually(async () => {
      const { response } = await predict();
      expect(response.status).toBe(200);
      expect(response.headers.get("ai-core-deployment-id")).toBe(NEW_ID);
    });
  });

  it("stops serving a STOPPED deployment even though it still has its URL", async () => {
    await control("PATCH", `/${NEW_ID}`, { status: "STOPPED", targetStatus: "STOPPED" });
    await eventually(async () => {
      const record = await churnRecord();
      expect(record.usable).toBe(false);
    });
    await eventually(async () => {
      const { response } = await predict();
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    });
  });
});
