import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const predict = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadPredictHandler()),
);

// Every method reaches the handler so that a wrong one gets a 405 problem+json, not the host's bare 404.
app.http("predict", {
  route: "models/{model}/predict",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: predict,
});
