import type { RelayResponse } from "../../http/problemResponse";
import { ProblemError, problem } from "../../shared/problem";

export interface HandshakePolicy {
  /** Origins granted, lower case; `*` grants any. */
  allowedOrigins: readonly string[];
  /** `*` or requests per minute. */
  allowedRate: string;
}

/**
 * The CloudEvents webhook abuse-protection handshake (http-webhook.md §4.2): `OPTIONS` with
 * `WebHook-Request-Origin` is granted by echoing the origin in `WebHook-Allowed-Origin`, with
 * `WebHook-Allowed-Rate` and `Allow: POST`; an origin the entry does not list is refused 403. The callback
 * variant (`WebHook-Request-Callback`) is answered the same synchronous way: the relay calls no URL a request
 * names. An `OPTIONS` without an origin is an ordinary one and learns only `Allow`.
 */
export function answerHandshake(policy: HandshakePolicy, headers: Headers): RelayResponse {
  const origin = headers.get("webhook-request-origin")?.trim();
  if (!origin) return { status: 200, headers: { Allow: "POST" }, body: "" };
  const granted = policy.allowedOrigins.includes("*") || policy.allowedOrigins.includes(origin.toLowerCase());
  if (!granted) {
    throw new ProblemError(
      problem(
        "origin-not-allowed",
        403,
        `WebHook-Request-Origin ${JSON.stringify(origin.slice(0, 100))} is not among this entry's allowedOrigins`,
      ),
      { Allow: "POST" },
    );
  }
  return {
    status: 200,
    headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": policy.allowedRate, Allow: "POST" },
    body: "",
  };
}
