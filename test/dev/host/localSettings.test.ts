import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyLocalSettings } from "../../../src/dev/host/appConfig";
import { messageOf } from "../../support/thrown";

const SECRET = "whsec_c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVk";
let root = "";

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function appWith(settings: string): string {
  root = mkdtempSync(path.join(tmpdir(), "local-settings-"));
  writeFileSync(path.join(root, "local.settings.json"), settings);
  return root;
}

describe("local.settings.json", () => {
  it.each([
    [
      "a missing comma",
      `{\n  "Values": {\n    "A": "1"\n    "CRM_WEBHOOK_SECRET": "${SECRET}"\n  }\n}`,
      4,
      5,
    ],
    ["a missing quote", `{\n  "Values": {\n    "CRM_WEBHOOK_SECRET": "${SECRET}\n  }\n}`, 3, 27],
    ["a trailing comma", `{"Values": {"CRM_WEBHOOK_SECRET": "${SECRET}",}}`, 1, 88],
  ])(
    "malformed (%s): one line with line and column, and nothing of the content",
    (_what, text, line, column) => {
      const message = messageOf(() => applyLocalSettings(appWith(text), {}));
      expect(message).toMatch(
        new RegExp(`local\\.settings\\.json .* is not valid JSON \\(line ${line}, column ${column}\\)$`),
      );
      expect(message).not.toContain(SECRET.slice(6, 16));
      expect(message).not.toContain("CRM_WEBHOOK_SECRET");
      expect(message).not.toContain("\n");
    },
  );

  it("well-formed: Values are applied where the environment sets nothing", () => {
    const env: NodeJS.ProcessEnv = { B: "from-env" };
    expect(applyLocalSettings(appWith('{"Values": {"A": "1", "B": "2"}}'), env)).toEqual(["A"]);
    expect(env).toEqual({ A: "1", B: "from-env" });
  });

  it('ignores members beside Values, such as the note ("//") of local.settings.example.json', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(applyLocalSettings(appWith('{"//": "a note", "Values": {"A": "1"}}'), env)).toEqual(["A"]);
    expect(env).toEqual({ A: "1" });
  });
});
