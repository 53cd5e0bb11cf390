import { readFileSync } from "node:fs";
import path from "node:path";

/** The files of Swagger UI's standalone build the API reference page loads, with their media types. */
export const REFERENCE_ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const cache = new Map<string, Buffer>();

/** One asset from the installed swagger-ui-dist package (a production dependency), read once; undefined if unknown. */
export function referenceAsset(name: string): { body: Buffer; contentType: string } | undefined {
  const contentType = Object.hasOwn(REFERENCE_ASSETS, name) ? REFERENCE_ASSETS[name] : undefined;
  if (!contentType) return undefined;
  let body = cache.get(name);
  if (!body) {
    const folder = path.dirname(require.resolve("swagger-ui-dist/package.json"));
    body = readFileSync(path.join(folder, name));
    cache.set(name, body);
  }
  return { body, contentType };
}
