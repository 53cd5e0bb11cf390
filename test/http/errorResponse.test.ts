import { describe, expect, it, vi } from "vitest";
import { toErrorResponse } from "../../src/http/errorResponse";
import { ProblemError, problem } from "../../src/shared/problem";

const logger = () => ({ log: vi.fn(), warn: vi.fn(), error: vi.fn() });

function body(response: { body: string | Uint8Array }) {
  return JSON.parse(String(response.body));
}

describe("error mapping", () => {
  it("answers a ProblemError as problem+json with its headers", () => {
    const r = toErrorResponse(
      new ProblemError(problem("no-usable-deployment", 503, "down"), { "Retry-After": "30" }),
      logger(),
    );
    expect(r.status).toBe(503);
    expect(r.headers).toMatchObject({ "Content-Type": "application/problem+json", "Retry-After": "30" });
    expect(body(r)).toMatchObject({ status: 503, title: "No usable deployment", detail: "down" });
  });

  it("an unexpected error is a 500 without its stack, logged as one line", () => {
    const log = logger();
    const error = new TypeError("x is undefined");
    const r = toErrorResponse(error, log);
    expect(r.status).toBe(500);
    expect(String(r.body)).not.toContain("at ");
    expect(log.error).toHaveBeenCalledWith("unexpected error: TypeError: x is undefined");
  });
});
