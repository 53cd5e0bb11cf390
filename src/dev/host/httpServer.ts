import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { HttpFunction } from "./functionTable";
import { type FunctionsLibrary, invoke, type LibraryCookie, type LibraryHttpResponse } from "./invocation";
import { type Console, hostLine } from "./logging";

/** Largest request body the dev host reads (the Functions host's default limit is about 100 MB). */
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

interface Problem {
  status: number;
  title: string;
  detail: string;
  [key: string]: unknown;
}

function sendProblem(res: http.ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: "about:blank", ...problem });
  res.writeHead(problem.status, {
    "Content-Type": "application/problem+json",
    "Content-Length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? "too-large" : Buffer.concat(chunks)));
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

  /** A function for the method, or the methods allowed on the path (405), or nothing (404). */
  resolve(method: string, pathname: string): RouteMatch | { allow: string[] } | undefined {
    const routePath = this.#routePath(pathname);
    if (routePath === undefined) return undefined;
    const allow = new Set<string>();
    let matchedAny = false;
    for (const fn of this.#functions) {
      const params = fn.route.match(routePath);
      if (!params) continue;
      matchedAny = true;
      if (!fn.methods || fn.methods.includes(method)) return { fn, params };
      for (const m of fn.methods) allow.add(m);
    }
    return matchedAny ? { allow: [...allow].sort() } : undefined;
  }
}

export interface HttpServerOptions {
  functions: HttpFunction[];
  routePrefix: string;
  library: FunctionsLibrary;
  out: Console;
  port: number;
  host: string;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

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

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const router = new HttpRouter(options.functions, options.routePrefix);
  const { library, out } = options;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const hostHeader = req.headers.host ?? `${options.host}:${options.port}`;
    const url = new URL(req.url ?? "/", `http://${hostHeader}`);
    const resolved = router.resolve(method, url.pathname);
    if (!resolved) {
      sendProblem(res, { status: 404, title: "Not Found", detail: `No function answers ${url.pathname}.` });
      return;
    }
    if ("allow" in resolved) {
      sendProblem(
        res,
        {
          status: 405,
          title: "Method Not Allowed",
          detail: `${url.pathname} does not accept ${method}; it accepts ${resolved.allow.join(", ")}.`,
        },
        { Allow: resolved.allow.join(", ") },
      );
      return;
    }
    const body = await readBody(req);
    if (body === "too-large") {
      sendProblem(res, {
        status: 413,
        title: "Payload Too Large",
        detail: "The request body is over 100 MB.",
      });
      return;
    }
    const { fn, params } = resolved;
    const request = new library.HttpRequest({
      method,
      url: url.toString(),
      headers: requestHeaders(req),
      params,
      body: { bytes: body },
    });
    const outcome = await invoke(library, out, {
      functionName: fn.name,
      bindings: fn.bindings,
      callback: fn.callback,
      input: request,
      reason: `HTTP ${method} ${url.pathname}`,
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
      sendProblem(res, {
        status: 500,
        title: "Internal Server Error",
        detail: `Function '${fn.name}' failed; see the dev host's log for invocation ${outcome.invocationId}.`,
        invocationId: outcome.invocationId,
      });
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
        sendProblem(res, { status: 500, title: "Internal Server Error", detail: "The dev host failed." });
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
