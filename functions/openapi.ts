import { app } from "@azure/functions";
import { createOpenApiHandler } from "../src/api/openApiHandler";
import { relayHttpFunction } from "../src/api/relayFunction";

export const openapi = relayHttpFunction(createOpenApiHandler);

app.http("openapi", {
  route: "openapi.json",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: openapi,
});
