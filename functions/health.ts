import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const health = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadHealthHandler()),
);

app.http("health", {
  route: "health",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: health,
});
