import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";
import { createStatusHandler } from "../src/api/statusHandler";

export const status = relayHttpFunction(createStatusHandler);

app.http("status", {
  route: "status",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: status,
});
