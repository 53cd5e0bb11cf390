import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const deployments = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadDeploymentsHandler()),
);

app.http("deployments", {
  route: "deployments",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: deployments,
});
