import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import AdmZip from "adm-zip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHIPPED_PACKAGES } from "../../src/dev/package/deploymentPackage";
import { DevHostProcess, REPO_ROOT, requireBuild } from "../dev/host/devHostProcess";

/**
 * The zip `npm run package` writes, unpacked into an empty folder as the Functions host unpacks it: it must run
 * as it is (no remote build), with the production dependencies only.
 */

const PACKAGER = path.join(REPO_ROOT, "dist", "src", "dev", "package", "main.js");
const repoPackage = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

let work: string;
let app: string;
let packagerOutput: string;

beforeAll(() => {
  requireBuild();
  work = mkdtempSync(path.join(tmpdir(), "relay-package-test-"));
  const zipPath = path.join(work, "aicore-relay.zip");
  const result = spawnSync(process.execPath, [PACKAGER, "--out", zipPath], { encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  packagerOutput = result.stdout;
  app = path.join(work, "app");
  new AdmZip(zipPath).extractAllTo(app);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("deployment package (npm run package)", () => {
  it("says where it wrote the zip and how large it is", () => {
    expect(packagerOutput).toMatch(/^package: .*aicore-relay\.zip \(\d+\.\d MiB, \d+ entries\)\n$/);
  });

  it("holds the bundles, host.json, the catalog, package.json and the pages, and no sources, tests or dev tools", () => {
    expect(readdirSync(app).sort()).toEqual([
      "dist",
      "host.json",
      "models.json",
      "node_modules",
      "package.json",
      "static",
    ]);
    expect(readdirSync(path.join(app, "dist")).sort()).toEqual(["app.js", "app.js.map", "handlers"]);
    // The split handlers as the build wrote them, each with its source map.
    expect(readdirSync(path.join(app, "dist", "handlers")).sort()).toEqual(
      readdirSync(path.join(REPO_ROOT, "dist", "handlers")).sort(),
    );
    expect(readdirSync(path.join(app, "dist", "handlers"))).toContain("handlers.js.map");
    // The status page and the API reference, with Swagger UI from a production dependency (no CDN).
    expect(readdirSync(path.join(app, "static")).sort()).toEqual(["docs.html", "status.html"]);
    expect(existsSync(path.join(app, "node_modules", "swagger-ui-dist", "swagger-ui-bundle.js"))).toBe(true);
    const shipped = JSON.parse(readFileSync(path.join(app, "package.json"), "utf8"));
    expect(shipped.main).toBe("dist/app.js");
    // Only what the bundles load from node_modules, at the versions the repository pins.
    expect(shipped.dependencies).toEqual(
      Object.fromEntries(SHIPPED_PACKAGES.map((name) => [name, repoPackage.dependencies[name]])),
    );
    expect(shipped).not.toHaveProperty("devDependencies");
    expect(shipped).not.toHaveProperty("optionalDependencies");
  });

  it("carries no devDependency (unless a production package needs it too) and not the optional Core Tools", () => {
    const neededByShipped = new Set<string>(SHIPPED_PACKAGES);
    const modules = path.join(app, "node_modules");
    const packageDirs = readdirSync(modules).flatMap((entry) =>
      entry.startsWith("@")
        ? readdirSync(path.join(modules, entry)).map((name) => path.join(modules, entry, name))
        : [path.join(modules, entry)],
    );
    for (const dir of packageDirs) {
      const manifest = path.join(dir, "package.json");
      if (!existsSync(manifest)) continue;
      const json = JSON.parse(readFileSync(manifest, "utf8"));
      for (const name of Object.keys({ ...json.dependencies, ...json.optionalDependencies })) {
        neededByShipped.add(name);
      }
    }
    const devOnly = Object.keys(repoPackage.devDependencies).filter((name) => !neededByShipped.has(name));
    expect(devOnly).toContain("azurite");
    const present = [...devOnly, ...Object.keys(repoPackage.optionalDependencies)].filter((name) =>
      existsSync(path.join(modules, name)),
    );
    expect(present).toEqual([]);
  });

  it("loads the bundles with plain Node from the unpacked folder, each dependency resolving there", () => {
    // Every handler module, the ones a first prediction loads and those loaded later on first use.
    const handlers = readdirSync(path.join(app, "dist", "handlers")).filter((file) => file.endsWith(".js"));
    expect(handlers).toContain("handlers.js");
    const script = [
      'require("./dist/app.js");',
      // What the bundles load from node_modules, with everything each needs (identity is loaded lazily: load it).
      ...SHIPPED_PACKAGES.map((d) => `require(${JSON.stringify(d)});`),
      `for (const file of ${JSON.stringify(handlers)}) require("./dist/handlers/" + file);`,
      "console.log('loaded');",
    ].join("\n");
    const result = spawnSync(process.execPath, ["-e", script], {
      cwd: app,
      encoding: "utf8",
      env: { PATH: process.env.PATH, NODE_PATH: "" },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("loaded");
  });

  it("leaves out of node_modules what the bundles hold (the relay's libraries)", () => {
    const bundled = Object.keys(repoPackage.dependencies).filter(
      (name) => !(SHIPPED_PACKAGES as readonly string[]).includes(name),
    );
    expect(bundled).toEqual(expect.arrayContaining(["axios", "zod", "@azure/data-tables"]));
    expect(bundled.filter((name) => existsSync(path.join(app, "node_modules", name)))).toEqual([]);
  });

  it("registers every function and answers over HTTP when served from the unpacked folder", async () => {
    const host = new DevHostProcess(
      ["--app-root", app, "--port", "0"],
      { PATH: process.env.PATH, AzureWebJobsStorage: "UseDevelopmentStorage=true" },
      undefined,
      false,
    );
    try {
      const url = (await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/))[1];
      for (const name of [
        "deployments",
        "health",
        "predict",
        "purgeWebhookDeliveries",
        "refreshDeployments",
        "webhook",
      ]) {
        expect(host.output("stdout")).toMatch(new RegExp(`^  ${name}: `, "m"));
      }
      // No AICORE_SERVICE_KEY: the packaged relay itself answers, naming the setting.
      const response = await fetch(`${url}/api/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ setting: "AICORE_SERVICE_KEY" });
    } finally {
      await host.stop();
    }
  });
});
