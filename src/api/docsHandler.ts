import { readFileSync } from "node:fs";
import path from "node:path";
import type { HttpRequest, InvocationContext } from "@azure/functions";
import { referenceAsset } from "../docs/referenceAssets";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import type { RelayResponse } from "../http/problemResponse";
import { findAppRoot } from "../shared/appRoot";
import { ProblemError, problem } from "../shared/problem";

let page: string | undefined;

/** static/docs.html, read once: no build step to change it. */
function docsPage(): string {
  page ??= readFileSync(path.join(findAppRoot(), "static", "docs.html"), "utf8");
  return page;
}

/** `/api/docs/` or `/api/docs` -> `/api/`: where openapi.json and the assets are, whatever the route prefix. */
function basePath(request: HttpRequest): string {
  const pathname = new URL(request.url).pathname.replace(/\/+$/, "");
  return pathname.replace(/docs$/i, "").replace(/[^\w./~%-]/g, "");
}

/** `GET /api/docs`: the interactive API reference; `GET /api/docs/{asset}`: its files, from swagger-ui-dist. */
export function createDocsHandler() {
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET", "HEAD"]);
      const name = request.params.asset;
      if (!name) {
        return {
          status: 200,
          headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" },
          body: docsPage().replaceAll("%BASE%", basePath(request)),
        };
      }
      const asset = referenceAsset(name);
      if (!asset) {
        throw new ProblemError(
          problem("not-found", 404, `No file ${JSON.stringify(name.slice(0, 100))} in the API reference`),
        );
      }
      return {
        status: 200,
        headers: { "Content-Type": asset.contentType, "Cache-Control": "public, max-age=3600" },
        body: asset.body,
      };
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
