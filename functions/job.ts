import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const job = relayHttpFunction(() => import("../src/api/handlers.js").then((m) => m.loadJobHandler()));

// A catch-all: job ids derived from CloudEvents (source#id) may hold slashes. Every method reaches the handler so
// that a wrong one gets a 405 problem+json.
app.http("job", {
  route: "jobs/{*id}",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: job,
});
