import net from "node:net";
import { describe, expect, it } from "vitest";
import { DevHostProcess, FIXTURE_APP, requireBuild, startFixtureHost } from "./devHostProcess";

function start(env: NodeJS.ProcessEnv, args: string[] = ["--port", "0"]): DevHostProcess {
  requireBuild();
  return new DevHostProcess(["--app-root", FIXTURE_APP, ...args], env);
}

describe("dev host start-up", () => {
  it("refuses an unsupported trigger with one clear line instead of ignoring it", async () => {
    const host = start({ FIXTURE_SERVICE_BUS: "1" });
    expect(await host.exited).toBe(1);
    const errors = host.output("stderr").split("\n").filter(Boolean);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^dev host: function "orders" uses a serviceBusTrigger, which the dev host does not run/,
    );
    expect(host.output("stdout")).not.toContain("listening");
  });

  it("refuses a timer whose %Setting% is not set, naming the setting", async () => {
    const host = start({ FIXTURE_TIMERS: "1", TICK_SCHEDULE: "" });
    expect(await host.exited).toBe(1);
    expect(host.output("stderr")).toMatch(
      /timer function "tick": schedule names the app setting TICK_SCHEDULE/,
    );
  });

  it("refuses a schedule that is not six-field NCRONTAB", async () => {
    const host = start({ FIXTURE_TIMERS: "1", TICK_SCHEDULE: "*/5 * * * *" });
    expect(await host.exited).toBe(1);
    expect(host.output("stderr")).toMatch(/is not an NCRONTAB expression of six fields/);
  });

  it("fails with one line naming the port when PORT is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const host = start({ PORT: String(port) }, []);
      expect(await host.exited).toBe(1);
      expect(host.output("stderr")).toBe(`dev host: port ${port} is already in use (PORT)`);
    } finally {
      blocker.close();
    }
  });

  it("--describe prints what each function registered, without serving", async () => {
    const host = start({}, ["--describe"]);
    expect(await host.exited).toBe(0);
    const metadata = JSON.parse(host.output("stdout").split("\n").at(-1) ?? "") as {
      name: string;
      bindings: Record<string, unknown>;
    }[];
    const hello = metadata.find((m) => m.name === "hello");
    const trigger = Object.values(hello?.bindings ?? {}).find(
      (b) => (b as { type: string }).type === "httpTrigger",
    );
    expect(trigger).toMatchObject({
      route: "hello/{name?}",
      methods: ["GET"],
      authLevel: "anonymous",
      direction: "in",
    });
    expect(hello?.bindings.$return).toMatchObject({ type: "http", direction: "out" });
  });

  it("runs appTerminate hooks and exits 0 on SIGTERM", async () => {
    const { host } = await startFixtureHost();
    expect(await host.stop()).toBe(0);
    expect(host.output("stdout")).toContain("fixture: appTerminate hook ran");
  });
});
