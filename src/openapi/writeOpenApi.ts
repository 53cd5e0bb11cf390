import { writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog } from "../config/catalog";
import { findAppRoot } from "../shared/appRoot";
import { buildOpenApiDocument } from "./openApiDocument";
import { openApiText, relayVersion } from "./openApiText";

/** `npm run openapi [catalog] [output]`: writes openapi.json for the shipped catalog (models.json). */
const root = findAppRoot();
const catalogPath = path.resolve(root, process.argv[2] ?? "models.json");
const output = path.resolve(root, process.argv[3] ?? "openapi.json");
const document = buildOpenApiDocument(loadCatalog(catalogPath, "default"), { version: relayVersion(root) });
writeFileSync(output, openApiText(document));
console.log(
  `wrote ${path.relative(process.cwd(), output) || output} for ${path.relative(root, catalogPath)}`,
);
