import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError";
import { aiApiBaseUrl, parseServiceKey, tokenUrl } from "../../src/config/serviceKey";

const key = {
  clientid: "sb-client!b1|aicore!b540",
  clientsecret: "s3cr3t-value-never-printed",
  url: "https://tenant.authentication.eu10.hana.ondemand.com",
  identityzone: "tenant",
  serviceurls: { AI_API_URL: "https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com/" },
};

describe("service key", () => {
  it("accepts SAP's service key JSON with surrounding whitespace and keeps unknown fields", () => {
    const parsed = parseServiceKey(`\n  ${JSON.stringify(key)}  \n`);
    expect(parsed.clientid).toBe(key.clientid);
    expect(parsed.identityzone).toBe("tenant");
    expect(aiApiBaseUrl(parsed)).toBe("https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com");
    expect(tokenUrl(parsed)).toBe("https://tenant.authentication.eu10.hana.ondemand.com/oauth/token");
  });

  it("rejects JSON that is not JSON without echoing it", () => {
    const text = `{"clientsecret":"${key.clientsecret}"`;
    expect(() => parseServiceKey(text)).toThrowError(ConfigError);
    try {
      parseServiceKey(text);
    } catch (error) {
      expect((error as Error).message).toBe(
        "AICORE_SERVICE_KEY is not valid JSON (line 1, column 45: close brace expected; expected SAP AI Core service key JSON)",
      );
    }
  });

  it("names the missing fields in one line and never the secret", () => {
    const broken = { ...key, serviceurls: {}, url: "not a url" };
    let message = "";
    try {
      parseServiceKey(JSON.stringify(broken));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^AICORE_SERVICE_KEY is not an SAP AI Core service key: missing or invalid/);
    expect(message).toContain("url");
    expect(message).toContain("serviceurls.AI_API_URL");
    expect(message).not.toContain(key.clientsecret);
    expect(message).not.toContain("\n");
  });
});
