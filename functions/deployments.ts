import { app } from "@azure/functions";
import { createDeploymentsHandler } from "../src/api/deploymentsHandler";
import { relayHttpFunction } from "../src/api/relayFunction";

export const deployments = relayHttpFunction(createDeploymentsHandler);

app.http("deployments", {
  route: "deployments",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: deployments,
});
