import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  zid: string;
  client_id: string;
  exp: number;
  iat: number;
  jti: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  jti: string;
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

/**
 * Issues and verifies JWT-shaped tokens the way XSUAA's look (SAP clients decode `zid`, `client_id`, `exp`).
 * HS256 with a secret made per emulator, so a token from another emulator instance or a tampered one fails.
 */
export class TokenIssuer {
  private secret = randomBytes(32);

  constructor(
    private readonly zoneId: string,
    private readonly lifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(clientId: string): IssuedToken {
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      zid: this.zoneId,
      client_id: clientId,
      exp: iat + this.lifetimeSeconds,
      iat,
      jti: randomUUID().replaceAll("-", ""),
    };
    const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
    return {
      accessToken: `${unsigned}.${this.sign(unsigned)}`,
      expiresIn: this.lifetimeSeconds,
      jti: claims.jti,
    };
  }

  /** The claims of a token this issuer made and that has not expired; undefined otherwise. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
    } catch {
      return undefined;
    }
    // Valid strictly before exp: a lifetime of 0 gives a token that is already expired (useful in tests).
    return typeof claims.exp === "number" && this.now() / 1000 < claims.exp ? claims : undefined;
  }

  /** Every token issued so far stops working at once, expired or not (as when XSUAA revokes them). */
  revokeAll(): void {
    this.secret = randomBytes(32);
  }

  private sign(unsigned: string): string {
    return createHmac("sha256", this.secret).update(unsigned).digest("base64url");
  }
}
