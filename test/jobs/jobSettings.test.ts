import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError";
import { loadJobSettings } from "../../src/jobs/jobSettings";

function appWith(hostJson: string): string {
  const root = mkdtempSync(path.join(tmpdir(), "jobsettings-"));
  writeFileSync(path.join(root, "host.json"), hostJson);
  return root;
}

const SHIPPED = path.resolve(__dirname, "..", "..");

describe("job settings", () => {
  it("caps queue names at 56 characters, so that the host's `<name>-poison` fits 63", () => {
    const fits = "a".repeat(56);
    expect(loadJobSettings({ SCORING_QUEUE: fits }, SHIPPED).scoringQueue).toBe(fits);
    expect(`${fits}-poison`).toHaveLength(63);
    for (const name of ["SCORING_QUEUE", "RESULTS_QUEUE"]) {
      expect(() => loadJobSettings({ [name]: "a".repeat(57) }, SHIPPED)).toThrowError(ConfigError);
      expect(() => loadJobSettings({ [name]: "a".repeat(57) }, SHIPPED)).toThrowError(
        new RegExp(`^${name} is not a storage queue name of 3-56 `),
      );
    }
  });

  it("takes messageEncoding and maxDequeueCount as the host reads them: host.json with comments, overrides in any case", () => {
    expect(loadJobSettings({}, SHIPPED)).toMatchObject({ messageEncoding: "none", maxDequeueCount: 5 });
    const root = appWith(`{
      // as the host allows
      "version": "2.0",
      "Extensions": { "Queues": { "MessageEncoding": "NONE", "maxDequeueCount": 3, }, },
    }`);
    expect(loadJobSettings({}, root)).toMatchObject({ messageEncoding: "none", maxDequeueCount: 3 });
    expect(
      loadJobSettings(
        {
          azurefunctionsjobhost__extensions__queues__messageencoding: "base64",
          AZUREFUNCTIONSJOBHOST__EXTENSIONS__QUEUES__MAXDEQUEUECOUNT: "7",
        },
        root,
      ),
    ).toMatchObject({ messageEncoding: "base64", maxDequeueCount: 7 });
    // Without extensions.queues: the host's defaults (base64, 5).
    expect(loadJobSettings({}, appWith('{ "version": "2.0" }'))).toMatchObject({
      messageEncoding: "base64",
      maxDequeueCount: 5,
    });
  });

  it("refuses an encoding the host would refuse, naming the setting", () => {
    expect(() =>
      loadJobSettings({ AzureFunctionsJobHost__extensions__queues__messageEncoding: "utf8" }, SHIPPED),
    ).toThrowError(/^host\.json extensions\.queues\.messageEncoding must be "base64" or "none"/);
  });
});
