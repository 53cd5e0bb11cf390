import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../src/shared/cronSchedule";
import { requireBuild } from "../dev/host/devHostProcess";

const BUILT = path.resolve(__dirname, "..", "..", "dist", "src", "shared", "cronSchedule.js");

describe("parseCronSchedule", () => {
  it("reads NCRONTAB (seconds first) in UTC", () => {
    const next = parseCronSchedule("0 30 3 * * *", { currentDate: new Date("2026-03-29T00:00:00Z") }).next();
    expect(next.toISOString()).toBe("2026-03-29T03:30:00.000Z");
  });

  it("in a process whose time zone is not UTC: still UTC, and no Intl date format is built (ICU's data stays unloaded)", () => {
    requireBuild();
    const script = `
      let built = 0;
      const Original = Intl.DateTimeFormat;
      Intl.DateTimeFormat = new Proxy(Original, { construct(target, args) { built++; return new target(...args); }, apply(target, self, args) { built++; return target(...args); } });
      const { parseCronSchedule } = require(${JSON.stringify(BUILT)});
      const next = parseCronSchedule("0 30 3 * * *", { currentDate: new Date("2026-03-29T00:00:00Z") }).next();
      console.log(JSON.stringify({ next: next.toISOString(), built }));
    `;
    const result = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { ...process.env, TZ: "Europe/Berlin" },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ next: "2026-03-29T03:30:00.000Z", built: 0 });
  });
});
