/**
 * Everything the functions load on their first invocation: each handler factory and the relay itself. `npm run
 * build` bundles it on its own (dist/handlers.js, beside the functions' dist/app.js), so that the worker parses
 * none of it while it indexes the functions (cold start); the functions import it with a dynamic `import()`.
 */
export { createDeliverCallbackHandler } from "./api/deliverCallbackHandler";
export { createDeploymentsHandler } from "./api/deploymentsHandler";
export { createEventsHandler } from "./api/eventsHandler";
export { createHealthHandler } from "./api/healthHandler";
export { createJobHandler } from "./api/jobHandler";
export { createOpenApiHandler } from "./api/openApiHandler";
export { createPredictHandler } from "./api/predictHandler";
export { createPurgeDeliveriesHandler } from "./api/purgeDeliveriesHandler";
export { createPurgeJobsHandler } from "./api/purgeJobsHandler";
export { createRefreshHandler } from "./api/refreshHandler";
export { createScoreJobHandler } from "./api/scoreJobHandler";
export { createStatusHandler } from "./api/statusHandler";
export { createWebhookHandler } from "./api/webhookHandler";
export { relayFromEnvironment } from "./relay";
