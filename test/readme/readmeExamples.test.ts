import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevHostProcess } from "../dev/host/devHostProcess";
import { freePort } from "../dev/launcher/launcherProcess";
import { cleanEnv, FIXTURE_CATALOG, type IsolatedApp, isolatedApp, REPO_ROOT } from "../support/isolatedApp";

/**
 * The README and docs/webhooks.md are a contract: their worked examples run as written against `npm start`'s
 * launcher in a copy of the app after `cp local.settings.example.json local.settings.json`. The only change made
 * to them is the port: 7071 becomes a free one, so that a developer's own `npm start` is not disturbed.
 */

type Page = "README.md" | "docs/webhooks.md";

function blocksOf(page: Page) {
  const text = readFileSync(path.join(REPO_ROOT, page), "utf8");
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] ?? "" }));
}

/** The one fenced block of `page` in `lang` that contains `contains`. */
function block(lang: string, contains: string, page: Page = "docs/webhooks.md"): string {
  const found = blocksOf(page).filter((b) => b.lang === lang && b.code.includes(contains));
  expect(found, `one ${lang} block with ${contains} in ${page}`).toHaveLength(1);
  return found[0]?.code ?? "";
}

let app: IsolatedApp;
let launcher: DevHostProcess;
let port: number;
let emulatorUrl: string;

beforeAll(async () => {
  app = isolatedApp();
  cpSync(path.join(REPO_ROOT, "local.settings.example.json"), path.join(app.root, "local.settings.json"));
  port = await freePort();
  launcher = new DevHostProcess(
    [],
    cleanEnv({
      PORT: String(port),
      RELAY_AZURITE_PORTS: "0",
      EMULATOR_PORT: "0",
      RELAY_FUNCTIONS_HOST: "devhost",
      // Set by container runtimes (this project's own CI machine among them): not Azure, npm start uses Azurite.
      CONTAINER_NAME: "uid-readme-quick-start",
    }),
    path.join(app.root, "dist", "src", "dev", "start.js"),
    false,
    app.root,
  );
  await launcher.waitForLine(/^\[start\] Ctrl-C stops everything\.$/, 90_000);
  emulatorUrl = (await launcher.waitForLine(/bundled AI Core emulator at (http:\/\/\S+) /, 1))[1] as string;
}, 120_000);

afterAll(async () => {
  await launcher?.stop();
  app?.remove();
});

const onOurPort = (code: string) => code.replaceAll("localhost:7071", `localhost:${port}`);

/** Runs shell text with bash in the app folder, with the webhook examples' exports first. */
function sh(code: string) {
  const exports = block("sh", "export CRM_WEBHOOK_SECRET");
  const result = spawnSync("bash", ["-euo", "pipefail", "-c", `${exports}\n${onOurPort(code)}`], {
    cwd: app.root,
    env: cleanEnv(),
    encoding: "utf8",
    // Not a socket on stdin: bash would take itself for a remote shell and read bashrc.
    stdio: ["ignore", "pipe", "pipe"],
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

async function predictCalls(): Promise<number> {
  const response = await fetch(`${emulatorUrl}/__emulator/requests`);
  return ((await response.json()) as { byKind: { predict: number } }).byKind.predict;
}

describe("README and docs/webhooks.md examples, run as written against npm start", () => {
  it("the launcher printed its steps in the documented order: Azurite, then the emulator, then the functions", () => {
    const out = launcher.output("stdout");
    const order = [
      "Azurite listens on",
      "bundled AI Core emulator at",
      "functions host:",
      "relay ready at",
    ].map((text) => out.indexOf(text));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("the start lines the Quick start shows are the launcher's, in its order (ports, paths and reasons aside)", () => {
    const shown = block("text", "[start] relay ready at", "README.md")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("[start] "));
    expect(shown.length).toBeGreaterThanOrEqual(4);
    const printed = launcher.output("stdout").split("\n");
    let from = 0;
    for (const line of shown) {
      const pattern = new RegExp(
        `^${line
          .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
          .replace(/\d{4,5}/g, "\\d+")
          .replace("<port>", "\\d+")
          .replace("\\(\\.\\.\\.\\)", "\\(.*\\)")}$`,
      );
      const at = printed.findIndex((candidate, index) => index >= from && pattern.test(candidate));
      expect(at, `${line} among ${printed.join("\n")}`).toBeGreaterThanOrEqual(0);
      from = at + 1;
    }
    expect(printed).toContain(`[start] relay ready at http://localhost:${port}/api`);
  });

  it("the secrets the examples export are those of local.settings.example.json", () => {
    const example = JSON.parse(readFileSync(path.join(REPO_ROOT, "local.settings.example.json"), "utf8")) as {
      Values: Record<string, string>;
    };
    const exported = Object.fromEntries(
      [...block("sh", "export CRM_WEBHOOK_SECRET").matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    expect(Object.keys(exported).sort()).toEqual([
      "CRM_WEBHOOK_SECRET",
      "GITHUB_WEBHOOK_SECRET",
      "HELPDESK_WEBHOOK_SECRET",
      "STRIPE_WEBHOOK_SECRET",
    ]);
    for (const [name, value] of Object.entries(exported)) expect(example.Values[name], name).toBe(value);
    expect(example.Values).not.toHaveProperty("AICORE_SERVICE_KEY");
  });

  it("the catalog snippet of the sources section says what the shipped catalog holds", () => {
    const snippet = JSON.parse(block("json", '"sources": {')) as {
      sources: Record<string, Record<string, unknown>>;
    };
    const shipped = JSON.parse(readFileSync(FIXTURE_CATALOG, "utf8")) as {
      sources: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(snippet.sources).sort()).toEqual(Object.keys(shipped.sources).sort());
    for (const [name, source] of Object.entries(snippet.sources)) {
      const actual = shipped.sources[name] as Record<string, unknown>;
      expect(Object.keys(source).sort(), name).toEqual(Object.keys(actual).sort());
      for (const [field, value] of Object.entries(source)) {
        if (field !== "map") {
          expect(value, `${name}.${field}`).toEqual(actual[field]);
          continue;
        }
        // The snippet may elide entries with "...": "..."; the ones it shows are the shipped ones.
        for (const [key, pointer] of Object.entries(value as Record<string, string>)) {
          if (key !== "...")
            expect(pointer, `${name}.map.${key}`).toBe((actual.map as Record<string, string>)[key]);
        }
      }
    }
  });

  it("the churn curl that npm start prints and the Quick start shows answers 200", () => {
    const out = sh(
      block("sh", "curl -s -X POST http://localhost:7071/api/models/churn/predict", "README.md"),
    );
    expect(JSON.parse(out)).toMatchObject({ churn_probability: expect.any(Number) });
  });

  it("sendCrm.js: 200; the same id twice is replayed (Idempotent-Replayed: true) with no second model call", () => {
    mkdirSync(path.join(app.root, "scratch"));
    writeFileSync(path.join(app.root, "scratch", "sendCrm.js"), onOurPort(block("js", "sendCrm.js")));
    const fresh = sh("node scratch/sendCrm.js");
    expect(fresh).toMatch(/^200 null \{"churn_probability":/);
    return (async () => {
      const before = await predictCalls();
      const first = sh("node scratch/sendCrm.js msg_2024_0001");
      const second = sh("node scratch/sendCrm.js msg_2024_0001");
      expect(first).toMatch(/^200 null \{"churn_probability":/);
      expect(second).toBe(first.replace(/^200 null /, "200 true "));
      expect(await predictCalls()).toBe(before + 1);
    })();
  });

  it.each([
    ["GitHub", "api/hooks/github-example"],
    ["Stripe", "api/hooks/stripe-example"],
    ["generic hmac-sha256", "api/hooks/helpdesk"],
  ])("the %s curl answers 200 with the model's prediction", (_name, route) => {
    const out = sh(block("sh", route));
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out).toMatch(/"churn_probability":/);
  });
});
