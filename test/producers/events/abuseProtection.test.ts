import { describe, expect, it } from "vitest";
import { answerHandshake } from "../../../src/producers/events/abuseProtection";
import { ProblemError } from "../../../src/shared/problem";

const ANY = { allowedOrigins: ["*"], allowedRate: "*" };

describe("abuse-protection handshake", () => {
  it("echoes an origin when any is allowed, with the allowed rate and Allow: POST", () => {
    const answer = answerHandshake(
      ANY,
      new Headers({ "WebHook-Request-Origin": "eventgrid.azure.net", "WebHook-Request-Rate": "120" }),
    );
    expect(answer).toEqual({
      status: 200,
      headers: {
        "WebHook-Allowed-Origin": "eventgrid.azure.net",
        "WebHook-Allowed-Rate": "*",
        Allow: "POST",
      },
      body: "",
    });
  });

  it("grants a listed origin whatever its case, and answers the entry's rate", () => {
    const answer = answerHandshake(
      { allowedOrigins: ["eventgrid.azure.net"], allowedRate: "600" },
      new Headers({ "WebHook-Request-Origin": "EventGrid.Azure.net" }),
    );
    expect(answer.headers["WebHook-Allowed-Origin"]).toBe("EventGrid.Azure.net");
    expect(answer.headers["WebHook-Allowed-Rate"]).toBe("600");
  });

  it("refuses an origin that a listed set does not hold: 403, no WebHook-Allowed-Origin", () => {
    let thrown: unknown;
    try {
      answerHandshake(
        { allowedOrigins: ["eventgrid.azure.net"], allowedRate: "*" },
        new Headers({ "WebHook-Request-Origin": "evil.example.com" }),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    expect((thrown as ProblemError).problem.status).toBe(403);
    expect((thrown as ProblemError).headers).toEqual({ Allow: "POST" });
  });

  it("an OPTIONS without WebHook-Request-Origin learns only Allow", () => {
    expect(answerHandshake(ANY, new Headers())).toEqual({
      status: 200,
      headers: { Allow: "POST" },
      body: "",
    });
  });
});
