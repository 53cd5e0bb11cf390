import { readFileSync } from "node:fs";
import path from "node:path";
import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import type { Relay } from "../relay/relay";
import { relayStatus } from "../relay/relayStatus";
import { findAppRoot } from "../shared/appRoot";
import type { Logger } from "../shared/logger";

let page: string | undefined;

/** static/status.html, read once: one page with its script, no build step to change it. */
function statusPage(): string {
  page ??= readFileSync(path.join(findAppRoot(), "static", "status.html"), "utf8");
  return page;
}

function wantsJson(request: HttpRequest): boolean {
  if (request.query.get("format") === "json") return true;
  const accept = request.headers.get("accept") ?? "";
  return /^\s*application\/json/i.test(accept);
}

/** `GET /api/status`: the status page, or (`?format=json` / `Accept: application/json`) the data it shows. */
export async function createStatusHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const features = await relay.features(logger);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET", "HEAD"]);
      if (wantsJson(request))
        return jsonResponse(200, await relayStatus(relay, features), { "Cache-Control": "no-store" });
      return {
        status: 200,
        headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
        body: statusPage(),
      };
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
