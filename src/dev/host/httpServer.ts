import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { DevHostError } from "./appConfig";
import type { FunctionsLibrary, LibraryCookie, LibraryHttpResponse } from "./functionsLibrary";
import type { HttpFunction } from "./functionTable";
import { invoke } from "./invocation";
import { headerRecord, LazyRequest } from "./lazyRequest";
import { libraryObjectsOf } from "./libraryObjects";
import { type Console, hostLine } from "./logging";
import { type PlainResponse, plainResponse } from "./plainResponse";
import { type QueueOutputWriter, queueOutputsOf } from "./queueOutputWriter";
import { RequestTargets } from "./requestTarget";

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

const NO_BYTES = Buffer.alloc(0);

/**
 * Reads the body as the host does without HTTP streams: up to `limit` bytes (then "too-large", and reading
 * stops); a chunked body without Content-Length is not forwarded at all (the function sees an empty body).
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve("too-large");
  const forwarded = declared !== undefined || req.headers["transfer-encoding"] === undefined;
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve("too-large");
      } else if (forwarded) {
        if (chunks === undefined) chunks = [chunk];
        else chunks.push(chunk);
      }
    };
    req.on("data", onData);
    // The parser hands out copies: one chunk (a small body) is the body as it is.
    req.on("end", () =>
      resolve(
        chunks === undefined ? NO_BYTES : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      ),
    );
    req.on("error", reject);
  });
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
    this.#prefix = routePrefix === "" ? "" : `/${routePrefix}`.toLowerCase();
  }

  /** The route path below the prefix, or undefined when the path is outside the prefix. */
  #routePath(pathname: string): string | undefined {
    const trimmed = pathname.endsWith("/") ? pathname.replace(/\/+$/, "") : pathname;
    if (this.#prefix === "") return trimmed;
    // Pathnames are ASCII (the URL parser percent-encodes the rest): lower-casing keeps their length.
    const prefix = this.#prefix;
    if (trimmed.length < prefix.length || trimmed.slice(0, prefix.length).toLowerCase() !== prefix) {
      return undefined;
    }
    if (trimmed.length === prefix.length) return "";
    return trimmed.charCodeAt(prefix.length) === 47 ? trimmed.slice(prefix.length) : undefined;
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

/** Byte bodies up to this size are sent in the same write as the headers. */
const SINGLE_WRITE_BYTES = 64 * 1024;

/** Writes a plain answer at once: no promise, no stream. */
function writePlain(res: http.ServerResponse, method: string, plain: PlainResponse): void {
  const { body } = plain;
  if (method === "HEAD" || body === undefined) {
    res.writeHead(plain.status, plain.headers);
    res.end();
    return;
  }
  const text = typeof body === "string";
  plain.headers["content-length"] = String(text ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(plain.status, plain.headers);
  // A string, or small bytes as a latin1 string (the same bytes): Node then sends status line, headers and body
  // in one write; a Buffer goes out as a chunk of its own.
  if (text || body.byteLength > SINGLE_WRITE_BYTES) res.end(body);
  else res.end(body.toString("latin1"), "latin1");
}

/** Sends what the handler returned; a promise only for a streamed body. */
function writeResponse(
  res: http.ServerResponse,
  method: string,
  library: FunctionsLibrary,
  result: unknown,
): Promise<void> | undefined {
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
    writePlain(res, method, plain);
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
  return new Promise<void>((resolve, reject) => {
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    body.on("error", reject);
    res.on("close", resolve);
    body.pipe(res);
  });
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const router = new HttpRouter(options.functions, options.routePrefix);
  const { library, out } = options;
  const objects = libraryObjectsOf(library);

  const targets = new RequestTargets();
  // Where a request without a Host header (HTTP/1.0) went; the port is known once listening.
  let fallbackHost = "";

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = targets.parse(req.url ?? "/", req.headers.host ?? fallbackHost);
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
    const href = url.href;
    const request = LazyRequest.suits(method, body)
      ? objects.httpRequest(new LazyRequest(href, method, req.headers, body), params, url.search)
      : new library.HttpRequest({
          method,
          url: href,
          headers: headerRecord(req.headers),
          params,
          // Without a query string the library need not parse the URL again for `request.query`.
          query: url.search === "" ? {} : undefined,
          body: { bytes: body },
        });
    const outcome = await invoke(library, out, {
      functionName: fn.name,
      bindings: fn.bindings,
      callback: fn.callback,
      input: request,
      reason: () => `HTTP ${method} ${url.pathname}`,
      traceparent: headerText(req.headers.traceparent),
      tracestate: headerText(req.headers.tracestate),
      queueOutputs: queueOutputsOf(fn, options.writer),
      verbose: options.verbose,
    });
    try {
      if (outcome.error !== undefined) throw outcome.error;
      const streaming = writeResponse(res, method, library, outcome.result);
      if (streaming) await streaming;
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
      fallbackHost = `${shownHost}:${port}`;
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
