import { describe, expect, it } from "vitest";
import type { AiDeployment } from "../../src/aicore/deploymentSchema";
import { selectDeployment } from "../../src/deployments/selection";

function d(id: string, fields: Partial<AiDeployment>): AiDeployment {
  return {
    id,
    deploymentUrl: `https://ai.example/v2/inference/deployments/${id}`,
    status: "RUNNING",
    targetStatus: "RUNNING",
    createdAt: "2026-01-01T00:00:00Z",
    modifiedAt: "2026-01-01T00:00:00Z",
    ...fields,
  };
}

describe("deployment selection", () => {
  it("takes the newest usable deployment by startTime", () => {
    const picked = selectDeployment([
      d("old", { startTime: "2026-01-01T00:00:00Z" }),
      d("new", { startTime: "2026-03-01T00:00:00Z" }),
      d("mid", { startTime: "2026-02-01T00:00:00Z" }),
    ]);
    expect(picked).toMatchObject({ usable: true, deployment: { id: "new" } });
  });

  it("breaks startTime ties by modifiedAt", () => {
    const start = "2026-02-01T00:00:00Z";
    const picked = selectDeployment([
      d("a", { startTime: start, modifiedAt: "2026-02-02T00:00:00Z" }),
      d("b", { startTime: start, modifiedAt: "2026-02-03T00:00:00Z" }),
    ]);
    expect(picked.deployment?.id).toBe("b");
  });

  it("prefers an older usable deployment over a newer unusable one", () => {
    const picked = selectDeployment([
      d("stopped", { status: "STOPPED", targetStatus: "STOPPED", startTime: "2026-05-01T00:00:00Z" }),
      d("dead", { status: "DEAD", startTime: "2026-06-01T00:00:00Z" }),
      d("running", { startTime: "2026-01-01T00:00:00Z" }),
    ]);
    expect(picked).toMatchObject({ usable: true, deployment: { id: "running" } });
  });

  it("without a usable one reports the most recently changed deployment", () => {
    const picked = selectDeployment([
      d("stopped", { status: "STOPPED", targetStatus: "STOPPED", modifiedAt: "2026-05-01T00:00:00Z" }),
      d("dead", { status: "DEAD", modifiedAt: "2026-06-01T00:00:00Z" }),
    ]);
    expect(picked).toMatchObject({ usable: false, deployment: { id: "dead" } });
  });

  it("with no deployments at all selects none", () => {
    expect(selectDeployment([])).toEqual({ usable: false, deployment: undefined });
  });
});
