import { describe, expect, it } from "vitest";
import { checkDocumentedRequest, validateAgainstSchema } from "../../support/openapi";

describe("validateAgainstSchema", () => {
  it("accepts a deployment list that follows the spec", () => {
    const list = {
      count: 1,
      resources: [
        {
          id: "d0churn00001",
          configurationId: "c0churn00001",
          configurationName: "churn-config",
          status: "RUNNING",
          deploymentUrl: "http://127.0.0.1:1/v2/inference/deployments/d0churn00001",
          createdAt: "2024-01-01T00:00:00.000Z",
          modifiedAt: "2024-01-01T00:00:00.000Z",
          ttl: null,
        },
      ],
    };
    expect(validateAgainstSchema("AiDeploymentList", list)).toEqual([]);
  });

  it("reports a status outside the enum and a missing required field", () => {
    const errors = validateAgainstSchema("AiDeployment", {
      id: "d0churn00001",
      status: "SLEEPING",
      createdAt: "2024-01-01T00:00:00Z",
      modifiedAt: "2024-01-01T00:00:00Z",
    });
    expect(errors.join("\n")).toMatch(/configurationId/);
    expect(errors.join("\n")).toMatch(/allowed values/);
  });

  it("rejects a timestamp that is not date-time and a bad id", () => {
    const errors = validateAgainstSchema("AiDeployment", {
      id: "d!",
      configurationId: "c0churn00001",
      status: "RUNNING",
      createdAt: "yesterday",
      modifiedAt: "2024-01-01T00:00:00Z",
    });
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it("checks the spec's url format", () => {
    const deployment = {
      id: "d0churn00001",
      configurationId: "c0churn00001",
      status: "RUNNING",
      createdAt: "2024-01-01T00:00:00Z",
      modifiedAt: "2024-01-01T00:00:00Z",
    };
    expect(
      validateAgainstSchema("AiDeployment", { ...deployment, deploymentUrl: "https://x.example/v2" }),
    ).toEqual([]);
    expect(validateAgainstSchema("AiDeployment", { ...deployment, deploymentUrl: "not a url" })[0]).toMatch(
      /deploymentUrl.*url/,
    );
  });

  it("throws for a schema the spec does not have", () => {
    expect(() => validateAgainstSchema("NoSuchSchema", {})).toThrow(/NoSuchSchema/);
  });
});

describe("checkDocumentedRequest", () => {
  const headers = { "ai-resource-group": "default", authorization: "Bearer x" };

  it("accepts the documented list call with filters and paging", () => {
    expect(
      checkDocumentedRequest({
        method: "GET",
        path: "/v2/lm/deployments?scenarioId=churn&executableIds=churn-serving,other-exec&$top=100&$skip=100",
        headers,
      }),
    ).toEqual([]);
  });

  it("accepts query parameters given separately and a deployment id path", () => {
    expect(
      checkDocumentedRequest({
        method: "GET",
        path: "/v2/lm/deployments/d0churn00001",
        query: { $select: "status" },
        headers: { "AI-Resource-Group": "default" },
      }),
    ).toEqual([]);
    expect(
      checkDocumentedRequest({ method: "PATCH", path: "/v2/lm/deployments/d0churn00001", headers }),
    ).toEqual([]);
  });

  it("reports an undocumented query parameter", () => {
    const errors = checkDocumentedRequest({
      method: "GET",
      path: "/v2/lm/deployments?scenario=churn",
      headers,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/'scenario' is not documented/);
  });

  it("reports a value its schema forbids", () => {
    const errors = checkDocumentedRequest({ method: "GET", path: "/v2/lm/deployments?$top=200000", headers });
    expect(errors.join()).toMatch(/\$top/);
    expect(
      checkDocumentedRequest({ method: "GET", path: "/v2/lm/deployments?status=ALIVE", headers }),
    ).toHaveLength(1);
  });

  it("reports a missing AI-Resource-Group header", () => {
    const errors = checkDocumentedRequest({ method: "GET", path: "/v2/lm/deployments", headers: {} });
    expect(errors).toEqual(["GET /v2/lm/deployments: required header 'AI-Resource-Group' is missing"]);
  });

  it("reports unknown paths, methods and paths outside the base", () => {
    expect(checkDocumentedRequest({ method: "GET", path: "/v2/lm/deploymentz", headers })[0]).toMatch(
      /no documented path/,
    );
    expect(
      checkDocumentedRequest({ method: "PUT", path: "/v2/lm/deployments/d0churn00001", headers })[0],
    ).toMatch(/documents no PUT/);
    expect(checkDocumentedRequest({ method: "POST", path: "/oauth/token", headers })[0]).toMatch(/not under/);
  });

  it("prefers a literal path segment over a template", () => {
    expect(
      checkDocumentedRequest({ method: "GET", path: "/v2/lm/deployments/$count?scenarioId=churn", headers }),
    ).toEqual([]);
  });
});
