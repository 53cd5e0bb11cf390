import { describe, expect, it } from "vitest";
import { redactSecrets, registerSecret } from "../../src/shared/secretRedaction";

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

  it("leaves short values alone: they are no credentials and would redact ordinary words", () => {
    registerSecret("abc");
    expect(redactSecrets("abc def")).toBe("abc def");
  });
});
