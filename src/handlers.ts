/**
 * Everything the functions load on their first invocation: the relay, and a loader of each handler factory. `npm run
 * build` bundles it apart from the functions' dist/app.js (dist/handlers/, split at each dynamic `import()` into
 * CommonJS modules), so that the worker parses none of it while it indexes the functions (cold start). What this module
 * imports statically (the relay's core) loads with the first invocation; each loader's handler, and the relay's
 * webhooks, events and jobs, load on first use: a prediction neither reads nor compiles the OpenAPI document, the
 * status page, the other handlers or the libraries only they use.
 */
export { relayFromEnvironment } from "./relay";
export const loadDeliverCallbackHandler = async () =>
  (await import("./api/deliverCallbackHandler.js")).createDeliverCallbackHandler;
export const loadDeploymentsHandler = async () =>
  (await import("./api/deploymentsHandler.js")).createDeploymentsHandler;
export const loadEventsHandler = async () => (await import("./api/eventsHandler.js")).createEventsHandler;
export const loadHealthHandler = async () => (await import("./api/healthHandler.js")).createHealthHandler;
export const loadJobHandler = async () => (await import("./api/jobHandler.js")).createJobHandler;
export const loadOpenApiHandler = async () => (await import("./api/openApiHandler.js")).createOpenApiHandler;
export const loadPredictHandler = async () => (await import("./api/predictHandler.js")).createPredictHandler;
export const loadPurgeDeliveriesHandler = async () =>
  (await import("./api/purgeDeliveriesHandler.js")).createPurgeDeliveriesHandler;
export const loadPurgeJobsHandler = async () =>
  (await import("./api/purgeJobsHandler.js")).createPurgeJobsHandler;
export const loadRefreshHandler = async () => (await import("./api/refreshHandler.js")).createRefreshHandler;
export const loadScoreJobHandler = async () =>
  (await import("./api/scoreJobHandler.js")).createScoreJobHandler;
export const loadStatusHandler = async () => (await import("./api/statusHandler.js")).createStatusHandler;
export const loadWebhookHandler = async () => (await import("./api/webhookHandler.js")).createWebhookHandler;
