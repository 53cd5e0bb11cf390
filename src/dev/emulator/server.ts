import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolveAiRoute } from "./aiRoutes";
import { CONTROL_PREFIX, handleControl } from "./controlRoutes";
import { DeploymentLifecycle } from "./deploymentLifecycle";
import { DeploymentStore } from "./deploymentStore";
import { FaultInjector } from "./faultInjector";
import { NO_ANSWER } from "./faultLayer";
import type { FaultRule } from "./faultRules";
import { type EmulatorReply, jsonReply } from "./httpTypes";
import { RequestLog } from "./requestLog";
import { readRequest } from "./requestReading";
import { TokenIssuer } from "./tokenIssuer";

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clientId?: string;
  /** Default: random per start, handed out in the service key. */
  clientSecret?: string;
  /** `expires_in` of issued tokens; default 3600. 0 issues tokens that are already expired. */
  tokenLifetimeSeconds?: number;
  /** PENDING (UPDATE) -> RUNNING after a configuration patch; default 2000. */
  patchDelayMs?: number;
  /** STOPPING -> STOPPED after a stop; default 0 (at once). */
  stopDelayMs?: number;
  /** UNKNOWN -> PENDING -> RUNNING of a deployment created without a status; default 0 (at once). */
  startDelayMs?: number;
  /** How long a deleted deployment stays listed with targetStatus DELETED; default 0 (removed at once). */
  deleteDelayMs?: number;
  /** Fault rules in force from the start (EMULATOR_FAULTS); `/__emulator/faults` changes them. */
  faults?: FaultRule[];
}

/** SAP's service key JSON, the shape AICORE_SERVICE_KEY holds. */
export interface ServiceKey {
  clientid: string;
  clientsecret: string;
  /** Token base: `{url}/oauth/token`. */
  url: string;
  serviceurls: { AI_API_URL: string };
  appname?: string;
  identityzone?: string;
  identityzoneid?: string;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  serviceKey: ServiceKey;
  close(): Promise<void>;
}

const DEFAULT_CLIENT_ID = "sb-aicore-emulator!b1|aicore!b540";

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1"; // reachable form of "all interfaces"
  return host.includes(":") ? `[${host}]` : host;
}

function writeReply(response: ServerResponse, reply: EmulatorReply): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.body) });
  if (reply.trickleIntervalMs === undefined) {
    response.end(reply.body);
    return;
  }
  trickle(response, Buffer.from(reply.body), reply.trickleIntervalMs);
}

/** Writes `body` a byte per interval until it is written or the client (or close()) drops the connection. */
function trickle(response: ServerResponse, body: Buffer, intervalMs: number): void {
  response.flushHeaders();
  let next = 0;
  const timer = setInterval(() => {
    if (response.destroyed) {
      clearInterval(timer);
      return;
    }
    response.write(body.subarray(next, next + 1));
    next += 1;
    if (next >= body.length) {
      clearInterval(timer);
      response.end();
    }
  }, intervalMs);
  response.once("close", () => clearInterval(timer));
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the SAP AI Core emulator: XSUAA token endpoint, deployments API, inference of a churn model. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const credentials = {
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? randomBytes(18).toString("base64url"),
  };
  const zoneId = randomUUID();
  const issuer = new TokenIssuer(zoneId, options.tokenLifetimeSeconds ?? 3600);
  const requestLog = new RequestLog();
  const faults = new FaultInjector(options.faults ?? []);
  // The state needs the URL (deployment URLs), known once listening; requests cannot arrive before that.
  let handle: (raw: IncomingMessage, response: ServerResponse) => Promise<void> = async () => {};

  const server = createServer((raw, response) => {
    handle(raw, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`aicore emulator: ${message}\n`);
      writeReply(response, jsonReply(500, { error: { code: "InternalError", message: "Emulator error" } }));
    });
  });
  const address = await listen(server, options.port ?? 0, host);
  const url = `http://${urlHost(host)}:${address.port}`;

  const store = new DeploymentStore(url);
  const lifecycle = new DeploymentLifecycle(store, url, {
    patchDelayMs: options.patchDelayMs ?? 2000,
    stopDelayMs: options.stopDelayMs ?? 0,
    startDelayMs: options.startDelayMs ?? 0,
    deleteDelayMs: options.deleteDelayMs ?? 0,
  });
  const aiContext = { store, lifecycle, issuer, credentials };
  const controlContext = { store, lifecycle, issuer, requestLog, baseUrl: url, faults };

  handle = async (raw, response) => {
    let request: Awaited<ReturnType<typeof readRequest>>;
    try {
      request = await readRequest(raw);
    } catch {
      writeReply(
        response,
        jsonReply(413, { error: { code: "PayloadTooLarge", message: "Request body too large" } }),
      );
      return;
    }
    if (request.path.startsWith(CONTROL_PREFIX)) {
      writeReply(response, handleControl(request, controlContext));
      return;
    }
    const route = resolveAiRoute(request.method, request.path, aiContext);
    const reply = await faults.layer(route.kind, route.handle)(request);
    requestLog.record(route.kind, request, reply.status);
    if (reply.status !== NO_ANSWER) writeReply(response, reply); // a reset or hung connection gets nothing
  };

  return {
    url,
    serviceKey: {
      clientid: credentials.clientId,
      clientsecret: credentials.clientSecret,
      url,
      serviceurls: { AI_API_URL: url },
      appname: "aicore-emulator",
      identityzone: "aicore-emulator",
      identityzoneid: zoneId,
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        store.transitions.clear();
        faults.release(); // hung requests and injected latency must not hold close() open
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // keep-alive sockets would hold close() open
      }),
  };
}
