import { timingSafeEqual } from "node:crypto";
import { type EmulatorReply, type EmulatorRequest, headerValue, jsonReply } from "./httpTypes";
import type { TokenIssuer } from "./tokenIssuer";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

// XSUAA's answer to bad client credentials.
const badCredentials = (): EmulatorReply =>
  jsonReply(401, { error: "unauthorized", error_description: "Bad credentials" });

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Client id and secret from HTTP Basic auth (preferred, as XSUAA) or else from the form body. */
function presentedCredentials(
  request: EmulatorRequest,
  form: URLSearchParams,
): ClientCredentials | undefined {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    // Basic credentials are form-urlencoded before base64 (RFC 6749 2.3.1).
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  }
  const clientId = form.get("client_id");
  const clientSecret = form.get("client_secret");
  return clientId !== null && clientSecret !== null ? { clientId, clientSecret } : undefined;
}

/** `POST /oauth/token` with the client credentials grant, as XSUAA answers it. */
export function handleTokenRequest(
  request: EmulatorRequest,
  expected: ClientCredentials,
  issuer: TokenIssuer,
): EmulatorReply {
  if (request.method !== "POST") {
    return jsonReply(405, { error: "method_not_allowed", error_description: "Use POST" }, { allow: "POST" });
  }
  // The grant may come in the form body or, as some clients send it, in the query string.
  const form = new URLSearchParams(request.body.toString("utf8"));
  const grantType = form.get("grant_type") ?? request.query.get("grant_type");
  if (grantType !== "client_credentials") {
    return jsonReply(400, {
      error: "unsupported_grant_type",
      error_description: "Only grant_type=client_credentials is supported",
    });
  }
  let credentials: ClientCredentials | undefined;
  try {
    credentials = presentedCredentials(request, form);
  } catch {
    credentials = undefined; // malformed percent-encoding in Basic credentials
  }
  if (
    credentials === undefined ||
    credentials.clientId !== expected.clientId ||
    !sameSecret(credentials.clientSecret, expected.clientSecret)
  ) {
    return badCredentials();
  }
  const token = issuer.issue(credentials.clientId);
  return jsonReply(
    200,
    { access_token: token.accessToken, token_type: "bearer", expires_in: token.expiresIn, jti: token.jti },
    { "cache-control": "no-store" },
  );
}
