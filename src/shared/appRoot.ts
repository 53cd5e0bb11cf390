import { existsSync } from "node:fs";
import path from "node:path";

/** The folder holding host.json, found upward from this file: the same from src/ and from dist/src/. */
export function findAppRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, "host.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}
