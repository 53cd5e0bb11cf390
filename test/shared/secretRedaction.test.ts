import { describe, expect, it } from "vitest";
import {
  redactSecrets,
  redactValue,
  registerBasicCredentials,
  registerIssuedToken,
  registerSecret,
} from "../../src/shared/secretRedaction";

describe("secret redaction", () => {
  it("removes a registered secret wherever it is, as is, JSON-escaped or URL-encoded", () => {
    const secret = 'se/cr"et+val ue&1';
    registerSecret(secret);
    const text = `a${secret}b ${JSON.stringify({ s: secret })} ${encodeURIComponent(secret)} ${new URLSearchParams({ s: secret })}`;
    const clean = redactSecrets(text);
    expect(clean).not.toContain(secret);
    expect(clean).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(clean).not.toContain(encodeURIComponent(secret));
    expect(clean).toMatch(/^a\[redacted\]b/);
  });

  it("removes a secret's base64 (standard, unpadded, base64url), JSON-escaped with \\/ or \\u escapes", () => {
    const secret = "pässwörd-ü?>~1";
    registerSecret(secret);
    const b64 = Buffer.from(secret).toString("base64");
    const forms = [
      b64,
      b64.replace(/=+$/, ""),
      Buffer.from(secret).toString("base64url"),
      b64.replaceAll("/", "\\/"),
      JSON.stringify(secret)
        .slice(1, -1)
        .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    ];
    for (const form of forms) expect(redactSecrets(`x ${form} y`)).toBe("x [redacted] y");
  });

  it("removes a Basic credential: the header's base64 of user:password, and the password alone", () => {
    registerBasicCredentials("tech-user", "pw:with:colons");
    const header = `Basic ${Buffer.from("tech-user:pw:with:colons").toString("base64")}`;
    expect(redactSecrets(`{"authorization":"${header}"}`)).toBe('{"authorization":"Basic [redacted]"}');
    expect(redactSecrets("password=pw:with:colons")).toBe("password=[redacted]");
  });

  it("keeps configured secrets however many tokens are issued after them", () => {
    registerSecret("configured-secret-1");
    for (let n = 0; n < 100; n++) registerIssuedToken(`issued-token-${n}-xxxxxxxx`);
    expect(redactSecrets("configured-secret-1")).toBe("[redacted]");
    expect(redactSecrets("issued-token-99-xxxxxxxx")).toBe("[redacted]");
    expect(redactSecrets("issued-token-0-xxxxxxxx")).toBe("issued-token-0-xxxxxxxx");
  });

  it("redacts every string of a JSON value, member names too, and leaves other values", () => {
    registerSecret("value-secret-42");
    expect(redactValue({ a: ["value-secret-42", 1, null], "value-secret-42": true, n: 3 })).toEqual({
      a: ["[redacted]", 1, null],
      "[redacted]": true,
      n: 3,
    });
  });

  it("leaves short values alone: they are no credentials and would redact ordinary words", () => {
    registerSecret("abc");
    expect(redactSecrets("abc def")).toBe("abc def");
  });
});
