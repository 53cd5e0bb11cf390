import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { createDeploymentsHandler } from "../../src/api/deploymentsHandler";
import { createEventsHandler } from "../../src/api/eventsHandler";
import { createHealthHandler } from "../../src/api/healthHandler";
import { createPredictHandler } from "../../src/api/predictHandler";
import { createRefreshHandler } from "../../src/api/refreshHandler";
import { createStatusHandler } from "../../src/api/statusHandler";
import { createWebhookHandler } from "../../src/api/webhookHandler";
import type { Catalog } from "../../src/config/catalog";
import { parseServiceKey } from "../../src/config/serviceKey";
import { DEFAULT_STORAGE_TIMEOUT_MS, type Settings } from "../../src/config/settings";
import { invocationTraceContext } from "../../src/dev/host/traceContext";
import type { RelayResponse } from "../../src/http/problemResponse";
import { createRelay } from "../../src/relay/relay";
import type { RelayOptions } from "../../src/relay/relayCore";
import { RelayOpenApi } from "./relayOpenApi";

export interface HarnessOptions extends Partial<RelayOptions> {
  /** The service key as any JSON object (the emulator's); parsed the way AICORE_SERVICE_KEY is. */
  serviceKey: object;
  storageConnectionString: string;
  catalog: Catalog;
  settings?: Partial<Settings>;
}

/** Answer of a handler, with the body decoded. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: () => unknown;
}

interface SentRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

function answerOf(response: RelayResponse, sent: SentRequest, openApi: RelayOpenApi): Answer {
  const text =
    typeof response.body === "string" ? response.body : Buffer.from(response.body).toString("utf8");
  // Every answer of every integration test is held to the OpenAPI description of its catalog.
  openApi.assert({
    method: sent.method,
    url: sent.url,
    requestHeaders: sent.headers ?? {},
    requestBody: sent.body,
    status: response.status,
    responseHeaders: response.headers,
    responseText: text,
  });
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/**
 * The relay's handlers, called the way the Functions host calls them: the library's own HttpRequest and
 * InvocationContext. Every log line is kept, to search it for secrets. Every answer is checked against the
 * relay's OpenAPI description of the catalog (a mismatch throws).
 */
export function createHarness(options: HarnessOptions) {
  const settings: Settings = {
    serviceKey: parseServiceKey(JSON.stringify(options.serviceKey)),
    resourceGroup: "default",
    modelCatalogPath: "(test catalog)",
    refreshSchedule: "*/2 * * * * *",
    storage: { kind: "connectionString", connectionString: options.storageConnectionString },
    maxBodyBytes: 1024 * 1024,
    port: 0,
    predictTimeoutMs: 30_000,
    aiCoreTimeoutMs: 10_000,
    enrichTimeoutMs: 10_000,
    requestDeadlineMs: 60_000,
    maxConcurrentUpstream: 64,
    storageTimeoutMs: DEFAULT_STORAGE_TIMEOUT_MS,
    maxUpstreamBytes: 4 * 1024 * 1024,
    ...options.settings,
  };
  const openApi = new RelayOpenApi(options.catalog);
  const logs: string[] = [];
  const relay = createRelay(settings, options.catalog, {
    logger: { warn: (...args: unknown[]) => logs.push(`warning ${args.map(String).join(" ")}`) },
    ...options,
  });
  // As the Functions host does: the invocation continues the request's W3C trace (or starts one).
  const context = (functionName: string, headers: Record<string, string> = {}) =>
    new InvocationContext({
      functionName,
      logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`),
      traceContext: invocationTraceContext(headers.traceparent, headers.tracestate),
    });
  const predictHandler = createPredictHandler(relay);
  const deploymentsHandler = createDeploymentsHandler(relay);
  const healthHandler = createHealthHandler(relay);
  // Webhooks, events and the status page need the relay's features, built on their first use (as on the host).
  const statusHandler = () => createStatusHandler(relay);
  const refreshHandler = createRefreshHandler(relay);
  const webhookHandler = () => createWebhookHandler(relay);
  const eventsHandler = () => createEventsHandler(relay);
  const bodyOf = (body: string | Uint8Array | unknown): string | Uint8Array =>
    typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const bodyInit = (body: string | Uint8Array) =>
    typeof body === "string" ? { string: body } : { bytes: body };

  return {
    relay,
    logs,
    openApi,
    async predict(
      model: string,
      body: string | Uint8Array | unknown,
      init: { method?: string; headers?: Record<string, string> } = {},
    ): Promise<Answer> {
      const sent = {
        method: init.method ?? "POST",
        url: `http://localhost/api/models/${encodeURIComponent(model)}/predict`,
        headers: init.headers ?? { "content-type": "application/json" },
        body: init.method === "GET" || init.method === "HEAD" ? undefined : bodyOf(body),
      };
      const request = new HttpRequest({
        ...sent,
        params: { model },
        body: sent.body === undefined ? undefined : bodyInit(sent.body),
      });
      return answerOf(await predictHandler(request, context("predict", sent.headers)), sent, openApi);
    },
    async webhook(
      source: string,
      body: string | Uint8Array,
      init: { method?: string; headers?: Record<string, string> } = {},
    ): Promise<Answer> {
      const sent = {
        method: init.method ?? "POST",
        url: `http://localhost/api/hooks/${encodeURIComponent(source)}`,
        headers: init.headers ?? { "content-type": "application/json" },
        body: init.method === "GET" || init.method === "HEAD" ? undefined : body,
      };
      const request = new HttpRequest({
        ...sent,
        params: { source },
        body: sent.body === undefined ? undefined : bodyInit(sent.body),
      });
      return answerOf(
        await (await webhookHandler())(request, context("webhook", sent.headers)),
        sent,
        openApi,
      );
    },
    async events(
      name: string,
      body: string | Uint8Array,
      init: { method?: string; headers?: Record<string, string> } = {},
    ): Promise<Answer> {
      const method = init.method ?? "POST";
      const sent = {
        method,
        url: `http://localhost/api/events/${encodeURIComponent(name)}`,
        headers: init.headers ?? { "content-type": "application/cloudevents+json" },
        body: method === "POST" ? body : undefined,
      };
      const request = new HttpRequest({
        ...sent,
        params: { name },
        body: sent.body === undefined ? undefined : bodyInit(sent.body),
      });
      return answerOf(await (await eventsHandler())(request, context("events")), sent, openApi);
    },
    async deployments(): Promise<Answer> {
      const sent = { method: "GET", url: "http://localhost/api/deployments" };
      return answerOf(await deploymentsHandler(new HttpRequest(sent), context("deployments")), sent, openApi);
    },
    async health(): Promise<Answer> {
      const sent = { method: "GET", url: "http://localhost/api/health" };
      return answerOf(await healthHandler(new HttpRequest(sent), context("health")), sent, openApi);
    },
    async status(query = "?format=json"): Promise<Answer> {
      const sent = { method: "GET", url: `http://localhost/api/status${query}` };
      return answerOf(await (await statusHandler())(new HttpRequest(sent), context("status")), sent, openApi);
    },
    async refresh(): Promise<void> {
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: "", next: "", lastUpdated: "" },
      };
      await refreshHandler(timer, context("refreshDeployments"));
    },
  };
}
