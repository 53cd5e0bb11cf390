import { app } from "@azure/functions";
import { createDocsHandler } from "../src/api/docsHandler";

export const docs = createDocsHandler();

// The reference page and its files; anonymous like openapi.json (keys are entered on the page to try calls).
app.http("docs", {
  route: "docs/{asset?}",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: docs,
});
