import { describe, expect, it } from "vitest";
import type { AiDeployment } from "../../src/aicore/deploymentSchema";
import { assessUsability } from "../../src/deployments/usability";

const STATUSES = ["PENDING", "RUNNING", "COMPLETED", "DEAD", "STOPPING", "STOPPED", "UNKNOWN"] as const;
const TARGETS = [undefined, "RUNNING", "STOPPED", "DELETED"] as const;
const OPERATIONS = [undefined, "CREATE", "UPDATE", "DELETE", "CASCADE-UPDATE"] as const;

function deployment(fields: Partial<AiDeployment>): AiDeployment {
  return { id: "d1", deploymentUrl: "https://ai.example/v2/inference/deployments/d1", ...fields };
}

/** The rule of DESIGN §4, written independently of the implementation, as the oracle. */
function expected(
  status: string,
  target: string | undefined,
  operation: string | undefined,
  url: boolean,
): boolean {
  if (!url) return false;
  if (target !== undefined && target !== "RUNNING") return false;
  return status === "RUNNING" || (status === "PENDING" && operation === "UPDATE");
}

describe("usability rule", () => {
  const cases = STATUSES.flatMap((status) =>
    TARGETS.flatMap((targetStatus) =>
      OPERATIONS.flatMap((lastOperation) =>
        [true, false].map((url) => ({ status, targetStatus, lastOperation, url })),
      ),
    ),
  );

  it.each(cases)("status $status, target $targetStatus, last operation $lastOperation, url $url", (c) => {
    const result = assessUsability(
      deployment({
        status: c.status,
        targetStatus: c.targetStatus,
        lastOperation: c.lastOperation,
        deploymentUrl: c.url ? "https://ai.example/d1" : "",
      }),
    );
    expect(result.usable).toBe(expected(c.status, c.targetStatus, c.lastOperation, c.url));
    expect(result.reason.length).toBeGreaterThan(0);
  });

  it("never chooses a STOPPED deployment although it keeps its URL", () => {
    const result = assessUsability(
      deployment({ status: "STOPPED", targetStatus: "STOPPED", statusMessage: "Stopped by user" }),
    );
    expect(result).toEqual({
      usable: false,
      reason: "target status is STOPPED; status STOPPED (Stopped by user)",
    });
  });

  it("keeps serving a PENDING deployment whose configuration is being patched", () => {
    expect(
      assessUsability(deployment({ status: "PENDING", targetStatus: "RUNNING", lastOperation: "UPDATE" }))
        .usable,
    ).toBe(true);
    expect(
      assessUsability(deployment({ status: "PENDING", targetStatus: "RUNNING", lastOperation: "CREATE" }))
        .usable,
    ).toBe(false);
  });

  it("a RUNNING deployment without a URL is not usable", () => {
    expect(assessUsability(deployment({ status: "RUNNING", deploymentUrl: null })).reason).toMatch(/no URL/);
  });

  it("unknown future statuses are not usable", () => {
    expect(assessUsability(deployment({ status: "HIBERNATING" })).usable).toBe(false);
  });
});
