/**
 * Everything the functions load on their first invocation: the relay, and a loader of each handler factory. `npm run
 * build` bundles it apart from the functions' dist/app.js (dist/handlers/, split at each dynamic `import()` into
 * CommonJS modules), so that the worker parses none of it while it indexes the functions (cold start). What this module
 * imports statically (the relay's core) loads with the first invocation; each loader's handler, and the relay's
 * webhooks, events and jobs, load on first use: a prediction neither reads nor compiles the OpenAPI document, the
 * status page, the other handlers or the libraries only they use.
 */
export { relayFromEnvironment } from "../relay/relay";
export const loadDeliverCallbackHandler = async () =>
  (await import("./deliverCallbackHandler.js")).createDeliverCallbackHandler;
export const loadDeploymentsHandler = async () =>
  (await import("./deploymentsHandler.js")).createDeploymentsHandler;
export const loadEventsHandler = async () => (await import("./eventsHandler.js")).createEventsHandler;
export const loadHealthHandler = async () => (await import("./healthHandler.js")).createHealthHandler;
export const loadJobHandler = async () => (await import("./jobHandler.js")).createJobHandler;
export const loadOpenApiHandler = async () => (await import("./openApiHandler.js")).createOpenApiHandler;
export const loadPredictHandler = async () => (await import("./predictHandler.js")).createPredictHandler;
export const loadPurgeDeliveriesHandler = async () =>
  (await import("./purgeDeliveriesHandler.js")).createPurgeDeliveriesHandler;
export const loadPurgeJobsHandler = async () =>
  (await import("./purgeJobsHandler.js")).createPurgeJobsHandler;
export const loadRefreshHandler = async () => (await import("./refreshHandler.js")).createRefreshHandler;
export const loadScoreJobHandler = async () => (await import("./scoreJobHandler.js")).createScoreJobHandler;
export const loadStatusHandler = async () => (await import("./statusHandler.js")).createStatusHandler;
export const loadWebhookHandler = async () => (await import("./webhookHandler.js")).createWebhookHandler;
