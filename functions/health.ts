import { app } from "@azure/functions";
import { createHealthHandler } from "../src/api/healthHandler";
import { relayHttpFunction } from "../src/api/relayFunction";

export const health = relayHttpFunction(createHealthHandler);

app.http("health", {
  route: "health",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: health,
});
