import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import AdmZip from "adm-zip";
import { RUNTIME_PACKAGES } from "../build/externals";
import { installClosure, type LockPackages } from "./packageClosure";

/**
 * What the Functions host needs at the app root besides the bundle and the production node_modules: the
 * status and API reference pages are served from static/.
 */
const APP_FILES = ["host.json", "models.json", "static"];

/** The packages the zip's node_modules holds: what the bundles load at run time. */
export const SHIPPED_PACKAGES = RUNTIME_PACKAGES;

export interface PackageResult {
  zipPath: string;
  bytes: number;
  files: number;
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    const reason = (result.stderr || result.stdout || String(result.error ?? "")).trim().split("\n").at(-1);
    throw new Error(`${command} ${args.join(" ")} failed: ${reason}`);
  }
}

/**
 * Builds the zip the publish command of docs/deploy.md uploads: the bundles `npm run build` wrote (the one file
 * package.json `main` names and the dist/handlers/ folder beside it, with their source maps and the handlers' V8 code
 * caches), host.json, the catalog, package.json without dev and optional
 * dependencies, and node_modules with the production dependencies only (for what the bundle leaves outside:
 * @azure/identity, swagger-ui-dist's files) — no devDependencies, no Core Tools (an optional dependency would
 * survive `--omit=dev`). Nothing is built on Azure (no remote build): the zip runs as it is.
 */
export function createDeploymentPackage(appRoot: string, zipPath: string): PackageResult {
  const { main } = JSON.parse(readFileSync(path.join(appRoot, "package.json"), "utf8")) as PackageJson;
  if (!main || /[*?]/.test(main)) throw new Error(`package.json main must name the bundle, not ${main}`);
  if (!existsSync(path.join(appRoot, main))) throw new Error(`${main} is missing: run \`npm run build\``);
  const stage = mkdtempSync(path.join(tmpdir(), "relay-package-"));
  try {
    // The bundles and their maps: `main`, and the handlers it loads on first use (a folder of modules and their code
    // caches) beside it.
    const handlers = path.join(path.dirname(main), "handlers");
    for (const file of [main, `${main}.map`, handlers]) {
      cpSync(path.join(appRoot, file), path.join(stage, file), { recursive: true });
    }
    for (const file of APP_FILES)
      cpSync(path.join(appRoot, file), path.join(stage, file), { recursive: true });
    cpSync(path.join(appRoot, "package.json"), path.join(stage, "package.json"));
    cpSync(path.join(appRoot, "package-lock.json"), path.join(stage, "package-lock.json"));
    // The lock decides the versions; no install scripts run (none of the production dependencies needs one).
    run(
      process.platform === "win32" ? "npm.cmd" : "npm",
      [
        "ci",
        "--omit=dev",
        "--omit=optional",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
      ],
      stage,
    );
    const packageJson = JSON.parse(readFileSync(path.join(stage, "package.json"), "utf8")) as PackageJson;
    const {
      devDependencies: _dev,
      optionalDependencies: _optional,
      scripts: _scripts,
      ...shipped
    } = packageJson;
    // Everything else is in the bundles: keep only what they load from node_modules, and say so in package.json.
    const lock = JSON.parse(readFileSync(path.join(stage, "package-lock.json"), "utf8")) as {
      packages: LockPackages;
    };
    const kept = installClosure(lock.packages, SHIPPED_PACKAGES);
    for (const install of Object.keys(lock.packages)) {
      if (install.startsWith("node_modules/") && !kept.has(install)) {
        rmSync(path.join(stage, install), { recursive: true, force: true });
      }
    }
    const modules = path.join(stage, "node_modules");
    for (const scope of readdirSync(modules).filter((name) => name.startsWith("@"))) {
      if (readdirSync(path.join(modules, scope)).length === 0)
        rmSync(path.join(modules, scope), { recursive: true });
    }
    shipped.dependencies = Object.fromEntries(
      SHIPPED_PACKAGES.map((name) => [name, packageJson.dependencies?.[name] ?? "*"]),
    );
    writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(shipped, null, 2)}\n`);
    rmSync(path.join(stage, "package-lock.json"));
    rmSync(path.join(stage, "node_modules", ".bin"), { recursive: true, force: true });
    rmSync(path.join(stage, "node_modules", ".package-lock.json"), { force: true });

    const zip = new AdmZip();
    zip.addLocalFolder(stage);
    rmSync(zipPath, { force: true });
    zip.writeZip(zipPath);
    return { zipPath, bytes: statSync(zipPath).size, files: zip.getEntries().length };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
