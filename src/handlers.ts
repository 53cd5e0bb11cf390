/**
 * Everything the functions load on their first invocation: the relay, and a loader of each handler factory. `npm run
 * build` bundles it on its own (dist/handlers.js, beside the functions' dist/app.js), so that the worker parses
 * none of it while it indexes the functions (cold start). Within that bundle each loader's dynamic `import()` is a
 * module evaluated on its first call: a prediction evaluates the predict handler and the relay, not the OpenAPI
 * document, the status page or the other handlers (and the libraries only they use).
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
