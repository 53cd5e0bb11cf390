import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findAppRoot } from "../appRoot";
import { loadCatalog } from "../config/catalog";
import { buildOpenApiDocument } from "./openApiDocument";

/** The document as `npm run openapi` writes it and GET /api/openapi.json answers it. */
export function openApiText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The relay's version, from package.json. */
export function relayVersion(appRoot = findAppRoot()): string {
  return (JSON.parse(readFileSync(path.join(appRoot, "package.json"), "utf8")) as { version: string })
    .version;
}

/** `npm run openapi [catalog] [output]`: writes openapi.json for the shipped catalog (models.json). */
function main(): void {
  const root = findAppRoot();
  const catalogPath = path.resolve(root, process.argv[2] ?? "models.json");
  const output = path.resolve(root, process.argv[3] ?? "openapi.json");
  const document = buildOpenApiDocument(loadCatalog(catalogPath, "default"), { version: relayVersion(root) });
  writeFileSync(output, openApiText(document));
  console.log(
    `wrote ${path.relative(process.cwd(), output) || output} for ${path.relative(root, catalogPath)}`,
  );
}

if (require.main === module) main();
