import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Where `npm run bench` writes its results: ignored by git; `npm run bench:keep` copies the latest into docs/. */
export const RESULTS_DIR = path.resolve(__dirname, "../results");

/**
 * A progress line, at once: vitest holds a test's console output until the test ends, and a bench runs for
 * minutes. The worker's stderr goes straight to the terminal.
 */
export function progress(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/**
 * Writes `<name>.json` (and `<name>.svg` when given) to bench/results/ and a timestamped copy of the JSON; answers
 * the paths written, relative to the project.
 */
export function writeResult(
  name: string,
  report: { when: string; [field: string]: unknown },
  svg?: string,
): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files = [path.join(RESULTS_DIR, `${name}.json`)];
  writeFileSync(files[0] as string, json);
  writeFileSync(path.join(RESULTS_DIR, `${name}-${report.when.replace(/[:.]/g, "-")}.json`), json);
  if (svg !== undefined) {
    files.push(path.join(RESULTS_DIR, `${name}.svg`));
    writeFileSync(files[1] as string, svg);
  }
  return files.map((file) => path.relative(path.resolve(__dirname, "../.."), file));
}
