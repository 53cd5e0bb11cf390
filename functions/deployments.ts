import { app } from "@azure/functions";
import { createDeploymentsHandler } from "../src/api/deploymentsHandler";
import { relayFromEnvironment } from "../src/relay";

export const deployments = createDeploymentsHandler(relayFromEnvironment());

app.http("deployments", {
  route: "deployments",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: deployments,
});
