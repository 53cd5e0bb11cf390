import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { DevHostError } from "./appConfig";
import type { HttpFunction } from "./functionTable";
import { type FunctionsLibrary, invoke, type LibraryCookie, type LibraryHttpResponse } from "./invocation";
import { LazyRequest } from "./lazyRequest";
import { type Console, hostLine } from "./logging";
import { plainResponse } from "./plainResponse";
import { type QueueOutputWriter, queueOutputsOf } from "./queueOutputWriter";

/** The host's default request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT unset): 100 MB. */
export const DEFAULT_BODY_LIMIT = 104_857_600;

/**
 * FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, the host setting that caps request bodies (bytes). The host answers 413
 * itself beyond it; the function never sees such a request.
 */
export function bodyLimitFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT?.trim();
  if (!raw) return DEFAULT_BODY_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new DevHostError(`FUNCTIONS_REQUEST_BODY_SIZE_LIMIT '${raw}' is not a number of bytes`);
  }
  return Number(raw);
}

/** What the host answers itself, before or instead of a function: a status and no body. */
function sendHostStatus(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Length": 0, ...headers });
  res.end();
}

/**
 * Reads the body as the host does without HTTP streams: up to `limit` bytes (then "too-large", and reading
 * stops); a chunked body without Content-Length is not forwarded at all (the function sees an empty body).
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve("too-large");
  const forwarded = declared !== undefined || req.headers["transfer-encoding"] === undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve("too-large");
      } else if (forwarded) chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function requestHeaders(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function serializeCookie(cookie: LibraryCookie): string {
  let text = `${cookie.name}=${cookie.value}`;
  if (cookie.domain) text += `; Domain=${cookie.domain}`;
  if (cookie.path) text += `; Path=${cookie.path}`;
  if (cookie.expires !== undefined) text += `; Expires=${new Date(cookie.expires).toUTCString()}`;
  if (cookie.maxAge !== undefined) text += `; Max-Age=${cookie.maxAge}`;
  if (cookie.secure) text += "; Secure";
  if (cookie.httpOnly) text += "; HttpOnly";
  if (cookie.sameSite) text += `; SameSite=${cookie.sameSite}`;
  return text;
}

interface RouteMatch {
  fn: HttpFunction;
  params: Record<string, string>;
}

export class HttpRouter {
  readonly #functions: HttpFunction[];
  readonly #prefix: string;

  constructor(functions: HttpFunction[], routePrefix: string) {
    // Most specific first, like ASP.NET routing: literal segments beat parameters.
    this.#functions = [...functions].sort((a, b) => b.route.precedence - a.route.precedence);
    this.#prefix = routePrefix;
  }

  /** The route path below the prefix, or undefined when the path is outside the prefix. */
  #routePath(pathname: string): string | undefined {
    const trimmed = pathname.replace(/\/+$/, "");
    if (this.#prefix === "") return trimmed;
    const prefix = `/${this.#prefix}`;
    if (trimmed.toLowerCase() === prefix.toLowerCase()) return "";
    if (trimmed.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return trimmed.slice(prefix.length);
    return undefined;
  }

  /** The function for the path and method, or nothing (the host answers 404 for a method no function registers). */
  resolve(method: string, pathname: string): RouteMatch | undefined {
    const routePath = this.#routePath(pathname);
    if (routePath === undefined) return undefined;
    for (const fn of this.#functions) {
      const params = fn.route.match(routePath);
      if (params && (!fn.methods || fn.methods.includes(method))) return { fn, params };
    }
    return undefined;
  }
}

export interface HttpServerOptions {
  functions: HttpFunction[];
  routePrefix: string;
  library: FunctionsLibrary;
  out: Console;
  port: number;
  host: string;
  /** Largest request body, FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (default 100 MB). */
  bodyLimit: number;
  /** Writes the functions' queue output bindings. */
  writer?: QueueOutputWriter;
  /** Log every invocation, not only failures (`--verbose`). */
  verbose?: boolean;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Bodies up to this size are sent in the same write as the headers. */
const SINGLE_WRITE_BYTES = 64 * 1024;

async function writeResponse(
  res: http.ServerResponse,
  method: string,
  library: FunctionsLibrary,
  result: unknown,
): Promise<void> {
  if (result === undefined || result === null) {
    res.writeHead(204);
    res.end();
    return;
  }
  if (typeof result !== "object") {
    throw new TypeError(
      'The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".',
    );
  }
  const plain = plainResponse(result);
  if (plain) {
    if (plain.body && method !== "HEAD") plain.headers["content-length"] = String(plain.body.byteLength);
    res.writeHead(plain.status, plain.headers);
    if (method === "HEAD" || !plain.body) res.end();
    // A small body as a latin1 string (the same bytes): Node then sends status line, headers and body in one
    // write; a Buffer goes out as a second chunk, a writev per response.
    else if (plain.body.byteLength <= SINGLE_WRITE_BYTES) res.end(plain.body.toString("latin1"), "latin1");
    else res.end(plain.body);
    return;
  }
  const response: LibraryHttpResponse =
    result instanceof library.HttpResponse
      ? (result as LibraryHttpResponse)
      : new library.HttpResponse(result);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers.entries()) {
    if (name.toLowerCase() === "set-cookie") continue;
    headers[name] = value;
  }
  const setCookies = [...response.headers.getSetCookie(), ...response.cookies.map(serializeCookie)];
  if (setCookies.length > 0) headers["set-cookie"] = setCookies;
  res.writeHead(response.status, headers);
  if (method === "HEAD" || !response.body) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    body.on("error", reject);
    res.on("close", resolve);
    body.pipe(res);
  });
}

/** host, IPv4 or [IPv6], with an optional port: what a Host header may hold (RFC 9110 §7.2). */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/**
 * The request's URL from its origin-form target (`/path?query`) and Host header; undefined when either is
 * malformed. The target is taken as a path, always: `//evil/api/x` is the path `//evil/api/x`, never host evil.
 */
function requestUrl(req: http.IncomingMessage, fallbackHost: string): URL | undefined {
  const target = req.url ?? "/";
  const host = req.headers.host ?? fallbackHost;
  if (!target.startsWith("/") || !HOST_HEADER.test(host)) return undefined;
  try {
    return new URL(`http://${host}${target}`);
  } catch {
    return undefined;
  }
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const router = new HttpRouter(options.functions, options.routePrefix);
  const { library, out } = options;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const listening = options.host.includes(":") ? `[${options.host}]` : options.host;
    const url = requestUrl(req, `${listening}:${options.port}`);
    // The host answers a request it cannot read as a URL (a malformed Host, a target that is no path) with 400.
    if (!url) {
      sendHostStatus(res, 400);
      return;
    }
    const resolved = router.resolve(method, url.pathname);
    // The host answers a path no function has, and a method the route does not register, with a bare 404.
    if (!resolved) {
      sendHostStatus(res, 404);
      return;
    }
    const body = await readBody(req, options.bodyLimit);
    if (body === "too-large") {
      sendHostStatus(res, 413, { Connection: "close" });
      res.on("finish", () => req.destroy());
      return;
    }
    const { fn, params } = resolved;
    const headers = requestHeaders(req);
    const request = LazyRequest.suits(method, body)
      ? new library.HttpRequest({
          nativeRequest: new LazyRequest(url.toString(), method, headers, body),
          params,
        })
      : new library.HttpRequest({ method, url: url.toString(), headers, params, body: { bytes: body } });
    const outcome = await invoke(library, out, {
      functionName: fn.name,
      bindings: fn.bindings,
      callback: fn.callback,
      input: request,
      reason: `HTTP ${method} ${url.pathname}`,
      trace: {
        traceparent: headerText(req.headers.traceparent),
        tracestate: headerText(req.headers.tracestate),
      },
      queueOutputs: queueOutputsOf(fn, options.writer),
      verbose: options.verbose,
    });
    try {
      if (outcome.error !== undefined) throw outcome.error;
      await writeResponse(res, method, library, outcome.result);
    } catch (error) {
      if (outcome.error === undefined) {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        hostLine(
          out,
          `${fn.name} (${outcome.invocationId}): could not send its response: ${detail}`,
          "error",
        );
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // The host answers a failed invocation with a bare 500; the reason is in the log only.
      sendHostStatus(res, 500);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      hostLine(
        out,
        `dev host: request failed: ${error instanceof Error ? error.message : String(error)}`,
        "error",
      );
      if (!res.headersSent) {
        sendHostStatus(res, 500);
      } else {
        res.destroy();
      }
    });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${shownHost}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 2_000).unref();
          }),
      });
    });
  });
}
