import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/aicore/upstreamError";
import { UpstreamRejected } from "../../src/aicore/upstreamPolicy";
import { outcomeResponse } from "../../src/http/outcomeResponse";
import { answerValue, MAX_ANSWER_DEPTH, toScoringProblem } from "../../src/scoring/scoringOutcome";
import { ProblemError, problem } from "../../src/shared/problem";

function httpOf(error: unknown) {
  const outcome = toScoringProblem(error);
  if (!outcome) throw new Error("not a known failure");
  const response = outcomeResponse(outcome);
  return { outcome, response, body: JSON.parse(String(response.body)) };
}

describe("scoring outcome of a failure", () => {
  it.each([
    [new UpstreamError("timeout", "model server", "model server did not answer in time"), 504],
    [
      new UpstreamError("unreachable", "model server", "model server could not be reached (ECONNREFUSED)"),
      502,
    ],
    [new UpstreamError("status", "model server", "answered 500", 500, "boom"), 502],
    [new UpstreamRejected("circuit open", 10), 503],
  ])("maps upstream failures: %s -> %i, transient", (error, status) => {
    const { outcome, response, body } = httpOf(error);
    expect(response.status).toBe(status);
    expect(response.headers["Content-Type"]).toBe("application/problem+json");
    expect(body.status).toBe(status);
    expect(outcome.transient).toBe(true);
  });

  it("a model server error carries its status and a short excerpt; a 4xx of the model is not transient", () => {
    const { outcome, body } = httpOf(
      new UpstreamError("status", "model server", "answered 400", 400, "missing feature tenure"),
    );
    expect(body).toMatchObject({ upstreamStatus: 400, upstreamBody: "missing feature tenure" });
    expect(outcome.transient).toBe(false);
  });

  it("a ProblemError keeps its Retry-After; 4xx is permanent, 503 transient", () => {
    const unavailable = httpOf(
      new ProblemError(problem("no-usable-deployment", 503, "down"), { "Retry-After": "30" }),
    );
    expect(unavailable.response.headers["Retry-After"]).toBe("30");
    expect(unavailable.outcome).toMatchObject({ transient: true, retryAfterSeconds: 30 });
    expect(httpOf(new ProblemError(problem("unknown-model", 404, "no"))).outcome.transient).toBe(false);
  });

  it("an unexpected error is not a known failure", () => {
    expect(toScoringProblem(new TypeError("x"))).toBeUndefined();
  });

  it("a model answer is JSON when the model said JSON, its text otherwise", () => {
    expect(answerValue("application/json", Buffer.from('{"p":1}'))).toEqual({ p: 1 });
    expect(answerValue("text/plain", Buffer.from("0.3"))).toBe("0.3");
    expect(answerValue("application/json", Buffer.from("not json"))).toBe("not json");
  });

  it("a JSON answer nested deeper than MAX_ANSWER_DEPTH is kept as its text, which serializes without overflowing", () => {
    const deep = `${"[".repeat(20_000)}0${"]".repeat(20_000)}`;
    const value = answerValue("application/json", Buffer.from(deep));
    expect(value).toBe(deep);
    expect(() => JSON.stringify({ prediction: value })).not.toThrow();
    const atLimit = `${"[".repeat(MAX_ANSWER_DEPTH)}0${"]".repeat(MAX_ANSWER_DEPTH)}`;
    expect(Array.isArray(answerValue("application/json", Buffer.from(atLimit)))).toBe(true);
  });
});
