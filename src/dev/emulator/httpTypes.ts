import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** What the server hands a route: the request already read, so layers (logging, faults) can wrap routes. */
export interface EmulatorRequest {
  method: string;
  /** Path without the query string, percent-decoding left to each route. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  /** The raw request, for layers that need the socket (a future fault layer resets or hangs connections). */
  raw: IncomingMessage;
}

/** A complete answer; the server writes it. Routes never touch the response object themselves. */
export interface EmulatorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Headers at once, then the body one byte per this many ms (a trickle fault); the whole body at once when absent. */
  trickleIntervalMs?: number;
}

export type Handler = (request: EmulatorRequest) => Promise<EmulatorReply>;

export function jsonReply(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): EmulatorReply {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

export function textReply(status: number, text: string): EmulatorReply {
  return { status, headers: { "content-type": "text/plain; charset=utf-8" }, body: text };
}

export function emptyReply(status: number): EmulatorReply {
  return { status, headers: {}, body: "" };
}

/** One header value, whatever node made of it (arrays for repeated headers). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a JSON body; undefined when it is not JSON. */
export function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
