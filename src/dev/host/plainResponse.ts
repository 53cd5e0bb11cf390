/** A handler's answer as the dev host writes it: status, headers and the whole body. */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  /** A string goes out as UTF-8 (what the library's Response makes of it). */
  body: string | Buffer | undefined;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Plain string headers with lower-case names, or undefined for anything else (a repeated name, set-cookie). */
function plainHeaders(headers: unknown): Record<string, string> | undefined {
  const plain: Record<string, string> = {};
  if (headers === undefined) return plain;
  if (!isPlainRecord(headers)) return undefined;
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (typeof value !== "string" || Object.hasOwn(plain, lower)) return undefined;
    if (lower === "set-cookie" || lower === "__proto__") return undefined;
    plain[lower] = value.trim();
  }
  return plain;
}

/**
 * The common `HttpResponseInit` — a plain object with a string, Buffer, Uint8Array or `jsonBody` body, plain
 * string headers and no cookies — turned into what the library's `HttpResponse` (an undici `Response`) would
 * send: the same status, headers (with its default content types) and bytes, without building a Response and
 * streaming it. Anything else (an `HttpResponse`, streams, cookies, `Headers` objects, odd statuses) answers
 * undefined and takes the library's path.
 */
export function plainResponse(result: unknown): PlainResponse | undefined {
  if (!isPlainRecord(result)) return undefined;
  let status: unknown = 200;
  let headers: unknown;
  let body: unknown;
  let jsonBody: unknown;
  for (const key in result) {
    const value = result[key];
    if (value === undefined) continue;
    if (key === "status") status = value;
    else if (key === "headers") headers = value;
    else if (key === "body") body = value;
    else if (key === "jsonBody") jsonBody = value;
    else if (key === "cookies") {
      if (!Array.isArray(value) || value.length > 0) return undefined;
    } else if (key !== "enableContentNegotiation") return undefined;
  }
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599)
    return undefined;
  if (NULL_BODY_STATUSES.has(status)) return undefined;
  const plain = plainHeaders(headers);
  if (!plain) return undefined;
  let text: string | Buffer | undefined;
  let defaultType: string | undefined;
  if (jsonBody !== undefined && jsonBody !== null) {
    text = JSON.stringify(jsonBody) as string | undefined;
    if (text === undefined) return undefined;
    defaultType = "application/json";
  } else if (typeof body === "string") {
    text = body;
    defaultType = "text/plain;charset=UTF-8";
  } else if (body instanceof Uint8Array) {
    text = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else if (body !== undefined && body !== null) {
    return undefined;
  }
  if (defaultType && plain["content-type"] === undefined) plain["content-type"] = defaultType;
  return { status, headers: plain, body: text };
}
