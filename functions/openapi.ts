import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const openapi = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadOpenApiHandler()),
);

app.http("openapi", {
  route: "openapi.json",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: openapi,
});
