import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const status = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadStatusHandler()),
);

app.http("status", {
  route: "status",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: status,
});
