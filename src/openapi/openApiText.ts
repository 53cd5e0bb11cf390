import { readFileSync } from "node:fs";
import path from "node:path";
import { findAppRoot } from "../shared/appRoot";

/** The document as `npm run openapi` writes it and GET /api/openapi.json answers it. */
export function openApiText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The relay's version, from package.json. */
export function relayVersion(appRoot = findAppRoot()): string {
  return (JSON.parse(readFileSync(path.join(appRoot, "package.json"), "utf8")) as { version: string })
    .version;
}
