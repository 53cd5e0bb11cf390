import { describe, expect, it } from "vitest";
import * as z from "zod";
import type { ModelDefinition } from "../../src/config/catalog";
import { describeChange, recordFromSelection } from "../../src/deployments/deploymentRecord";

const model: ModelDefinition = {
  name: "churn",
  scenarioId: "churn",
  executableId: "churn-serving",
  resourceGroup: "default",
  predictPath: "/v1/models/churn:predict",
  requestFormat: "raw",
  inputSchema: z.object({}),
};
const now = new Date("2026-11-27T10:00:00Z");

describe("deployment record", () => {
  it("for a DEAD deployment says when AI Core deletes it: completionTime + 7 days", () => {
    const record = recordFromSelection(
      model,
      {
        usable: false,
        deployment: {
          id: "d1",
          status: "DEAD",
          statusMessage: "CrashLoopBackOff",
          completionTime: "2026-11-20T08:30:00Z",
          deploymentUrl: "https://x/d1",
        },
      },
      now,
    );
    expect(record).toMatchObject({
      deploymentId: "d1",
      status: "DEAD",
      usable: false,
      deletesAt: "2026-11-27T08:30:00.000Z",
      refreshedAt: now.toISOString(),
    });
  });

  it("without any deployment names what was searched for", () => {
    const record = recordFromSelection(model, { usable: false, deployment: undefined }, now);
    expect(record.deploymentId).toBeNull();
    expect(record.reason).toContain("scenario churn / executable churn-serving in resource group default");
  });

  it("describes a status change once, and nothing when nothing changed", () => {
    const running = recordFromSelection(
      model,
      {
        usable: true,
        deployment: { id: "d1", status: "RUNNING", targetStatus: "RUNNING", deploymentUrl: "u" },
      },
      now,
    );
    const dead = recordFromSelection(
      model,
      {
        usable: false,
        deployment: { id: "d1", status: "DEAD", targetStatus: "RUNNING", deploymentUrl: "u" },
      },
      now,
    );
    expect(describeChange(undefined, running)).toBe(
      "model churn: deployment none -> d1 RUNNING/RUNNING (usable: RUNNING)",
    );
    expect(describeChange(running, dead)).toMatch(
      /^model churn: deployment d1 RUNNING\/RUNNING -> d1 DEAD\/RUNNING \(not usable/,
    );
    expect(describeChange(running, { ...running, refreshedAt: "later" })).toBeUndefined();
  });
});
