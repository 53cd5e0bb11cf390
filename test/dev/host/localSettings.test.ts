import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
<<<<<<< HEAD
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
=======
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyLocalSettings } from "../../../src/dev/host/appConfig";
import { messageOf } from "../../support/thrown";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "local-settings-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("local.settings.json", () => {
  it("applies Values where the environment sets nothing, and ignores members beside Values (a note)", () => {
    writeFileSync(
      path.join(dir, "local.settings.json"),
      JSON.stringify({ "//": "a note", Values: { A: "from file", B: "from file" } }),
    );
    const env: NodeJS.ProcessEnv = { A: "from env" };
    expect(applyLocalSettings(dir, env)).toEqual(["B"]);
    expect(env).toEqual({ A: "from env", B: "from file" });
  });

  it("a syntax error names line and column, never the text (it holds secrets)", () => {
    const file = path.join(dir, "local.settings.json");
    writeFileSync(
      file,
      '{\n  "Values": {\n    "CRM_WEBHOOK_SECRET": "whsec_c2VjcmV0LXZhbHVl"\n    "X": "1"\n  }\n}\n',
    );
    const message = messageOf(() => applyLocalSettings(dir, {}));
    expect(message).toBe(`local.settings.json ${file} is not valid JSON (line 4, column 5)`);
    expect(message).not.toContain("whsec_");
>>>>>>> ab0dec7 (Start errors: Azurite is reused only when each port answers as that Azurite service (Server: Azurite-Blob/Queue/Table), else one line; a JSON syntax error in a setting (AICORE_SERVICE_KEY, EMULATOR_FAULTS), the catalog or local.settings.json names line and column, never the text; EMULATOR_PORT and EMULATOR_FAULTS checked before anything starts; a child's start failure is said once (its stderr is held until it is ready))
  });
});
