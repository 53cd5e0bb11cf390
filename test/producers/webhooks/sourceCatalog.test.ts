import { describe, expect, it } from "vitest";
import { loadCatalog, parseCatalog } from "../../../src/config/catalog";
import { ConfigError } from "../../../src/config/configError";
import { loadDedupSettings } from "../../../src/producers/webhooks/dedupSettings";
import { parseSources } from "../../../src/producers/webhooks/sourceCatalog";
import { configureSources } from "../../../src/producers/webhooks/webhookSources";
import { FIXTURE_CATALOG } from "../../support/isolatedApp";

const churnInput = {
  type: "object",
  required: ["region", "tenure"],
  properties: { region: { type: "integer" }, tenure: { type: "number" } },
};
const models = { churn: { scenarioId: "churn", executableId: "churn-serving", input: churnInput } };
const crm = {
  model: "churn",
  verify: { scheme: "standard-webhooks", secretSetting: "CRM_WEBHOOK_SECRET" },
  map: { region: "/data/region", tenure: "/data/tenure_months" },
  coerce: true,
};

function errorOf(sources: Record<string, unknown>): string {
  try {
    parseSources(parseCatalog({ models, sources }, "default"));
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

function silent() {
  const lines: string[] = [];
  return { lines, warn: (...args: unknown[]) => lines.push(args.map(String).join(" ")) };
}

describe("catalog sources", () => {
  it("the shipped models.json has a crm standard-webhooks source mapped onto churn, and github, stripe and hmac-sha256 examples", () => {
    const catalog = loadCatalog(FIXTURE_CATALOG, "default");
    const sources = parseSources(catalog);
    expect(sources.get("crm")).toMatchObject({
      model: { name: "churn" },
      verify: { scheme: "standard-webhooks", secretSetting: "CRM_WEBHOOK_SECRET" },
      coerce: true,
    });
    expect([...sources.values()].map((s) => s.verify.scheme).sort()).toEqual([
      "github",
      "hmac-sha256",
      "standard-webhooks",
      "stripe",
    ]);
    expect(sources.get("helpdesk")).toMatchObject({
      verify: { scheme: "hmac-sha256", secretSetting: "HELPDESK_WEBHOOK_SECRET" },
    });
  });

  it.each([
    [
      { crm: { ...crm, model: "fraud" } },
      /^MODEL_CATALOG: sources\.crm\.model names no model .*"fraud".*known: churn/,
    ],
    [
      { crm: { ...crm, verify: { scheme: "svix", secretSetting: "X" } } },
      /^MODEL_CATALOG: sources\.crm\.verify\.scheme /,
    ],
    [
      { crm: { ...crm, verify: { scheme: "github" } } },
      /^MODEL_CATALOG: sources\.crm\.verify\.secretSetting /,
    ],
    [
      { crm: { ...crm, verify: { scheme: "hmac-sha256", secretSetting: "X", header: "x-sig" } } },
      /^MODEL_CATALOG: sources\.crm\.verify\.encoding /,
    ],
    [
      { crm: { ...crm, map: { region: "data/region", tenure: "/t" } } },
      /^MODEL_CATALOG: sources\.crm\.map\.region is not a JSON Pointer/,
    ],
    [
      { crm: { ...crm, map: { region: "/r" } } },
      /^MODEL_CATALOG: sources\.crm\.map maps nothing onto required field\(s\) tenure/,
    ],
    [{ crm: { ...crm, coerce: "yes" } }, /^MODEL_CATALOG: sources\.crm\.coerce /],
    [{ crm: { ...crm, extra: 1 } }, /^MODEL_CATALOG: sources\.crm /],
    [{ "bad name": crm }, /^MODEL_CATALOG: sources\."bad name" is not a valid source name/],
    [
      { crm: { ...crm, callback: { url: "/hooks" } } },
      /^MODEL_CATALOG: sources\.crm\.callback\.url is not an absolute/,
    ],
    [
      { crm: { ...crm, callback: { url: "ftp://crm.example.com/h" } } },
      /^MODEL_CATALOG: sources\.crm\.callback\.url /,
    ],
    [{ crm: { ...crm, callback: "https://crm.example.com/h" } }, /^MODEL_CATALOG: sources\.crm\.callback /],
  ])("a wrong source is one line naming sources.<name>.<field> (%#)", (sources, expected) => {
    const message = errorOf(sources);
    expect(message).toMatch(expected);
    expect(message).not.toContain("\n");
  });

  it("a source may name a callback: its deliveries become jobs whose results are pushed there", () => {
    const url = "https://crm.example.com/hooks/churn-scores";
    const sources = parseSources(
      parseCatalog({ models, sources: { crm: { ...crm, callback: { url } } } }, "default"),
    );
    expect(sources.get("crm")?.callback).toEqual({ url });
  });

  it("logs one line per source whose secret setting is unset, and leaves it unconfigured", () => {
    const definitions = parseSources(
      parseCatalog(
        { models, sources: { crm, other: { ...crm, verify: { scheme: "github", secretSetting: "GH" } } } },
        "default",
      ),
    );
    const logger = silent();
    const sources = configureSources(definitions, { GH: "  " }, logger);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]).toMatch(/crm: CRM_WEBHOOK_SECRET is not set/);
    expect(sources.get("crm")?.scheme).toBeUndefined();
    expect(sources.get("other")?.scheme).toBeUndefined();
  });

  it("a secret the scheme cannot use stops the start, naming the setting and never the secret", () => {
    const definitions = parseSources(parseCatalog({ models, sources: { crm } }, "default"));
    const secret = "whsec_!!not-base64!!";
    let message = "";
    try {
      configureSources(definitions, { CRM_WEBHOOK_SECRET: secret }, silent());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CRM_WEBHOOK_SECRET /);
    expect(message).not.toContain("not-base64");
  });

  it("several secrets separated by spaces are all configured", () => {
    const definitions = parseSources(parseCatalog({ models, sources: { crm } }, "default"));
    const sources = configureSources(
      definitions,
      {
        CRM_WEBHOOK_SECRET:
          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  whsec_dGhlLW5leHQtc2VjcmV0LWZvci1yb3RhdGlvbg==",
      },
      silent(),
    );
    expect(sources.get("crm")?.scheme?.name).toBe("standard-webhooks");
  });

  it("WEBHOOK_DEDUP_TTL_HOURS defaults to 24 and a wrong value names the setting", () => {
    expect(loadDedupSettings({}).ttlMs).toBe(24 * 3_600_000);
    expect(loadDedupSettings({ WEBHOOK_DEDUP_TTL_HOURS: "48" }).ttlMs).toBe(48 * 3_600_000);
    expect(() => loadDedupSettings({ WEBHOOK_DEDUP_TTL_HOURS: "1.5" })).toThrow(/^WEBHOOK_DEDUP_TTL_HOURS /);
    expect(() => loadDedupSettings({ WEBHOOK_DEDUP_TTL_HOURS: "0" })).toThrow(/^WEBHOOK_DEDUP_TTL_HOURS /);
  });
});
