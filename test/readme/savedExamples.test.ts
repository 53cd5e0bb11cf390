import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/isolatedApp";

// The scripts the docs tell you to save (a ```js block whose first line names its file) go in scratch/, and a
// project folder with them there still passes `npm run lint`, however the user formats them.

const pages = [
  "README.md",
  ...readdirSync(path.join(REPO_ROOT, "docs")).map((name) => `docs/${name}`),
].filter((page) => page.endsWith(".md"));

/** Every ```js block whose first line is `// <file>.js|.mjs|.cjs ...`: a script the reader saves under that name. */
const savedScripts = pages.flatMap((page) =>
  [...readFileSync(path.join(REPO_ROOT, page), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].flatMap((match) => {
    const code = match[1] ?? "";
    const file = /^\/\/ (\S+\.[cm]?js)\b/.exec(code)?.[1];
    return file ? [{ page, file, code }] : [];
  }),
);

/** The project's lint configuration (biome.json, .gitignore) over a folder of its own, with the project's Biome. */
let project: string;
function lint(): { status: number | null; output: string } {
  const biome = path.join(REPO_ROOT, "node_modules", ".bin", "biome");
  const result = spawnSync(biome, ["check", "--error-on-warnings", "."], { cwd: project, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  project = mkdtempSync(path.join(os.tmpdir(), "saved-examples-"));
  for (const file of ["biome.json", ".gitignore"])
    cpSync(path.join(REPO_ROOT, file), path.join(project, file));
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
  writeFileSync(path.join(project, "index.js"), 'console.log("the project\'s own code");\n');
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

describe("scripts saved from the docs", () => {
  it("are named under scratch/: the Node examples of webhooks, jobs and callbacks", () => {
    expect(savedScripts.map(({ file }) => file).sort()).toEqual([
      "scratch/callbackReceiver.js",
      "scratch/enqueue.mjs",
      "scratch/results.mjs",
      "scratch/sendCrm.js",
    ]);
  });

  it("do not fail npm run lint in scratch/, even edited out of the project's format", () => {
    // Without them the folder passes, and a script out of format at the project root fails: the check can fail.
    expect(lint().status).toBe(0);
    writeFileSync(path.join(project, "unformatted.js"), "const a=1\nconsole.log( a )\n");
    expect(lint().status).not.toBe(0);
    rmSync(path.join(project, "unformatted.js"));

    mkdirSync(path.join(project, "scratch"));
    for (const { file, code } of savedScripts) {
      writeFileSync(path.join(project, file), code);
      writeFileSync(
        path.join(project, file.replace(/(\.[cm]?js)$/, "-edited$1")),
        code.replaceAll(";\n", "\n"),
      );
    }
    const { status, output } = lint();
    expect(status, output).toBe(0);
  });

  it("are in the project's format as written, so they pass the lint wherever they are saved", () => {
    for (const { file, code } of savedScripts) {
      writeFileSync(path.join(project, path.basename(file)), code);
    }
    const { status, output } = lint();
    expect(status, output).toBe(0);
  });
});
