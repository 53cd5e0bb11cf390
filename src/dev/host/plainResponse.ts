/** A handler's answer as the dev host writes it: status, headers and the whole body. */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

const INIT_KEYS = new Set(["status", "headers", "body", "jsonBody", "cookies", "enableContentNegotiation"]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
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
  for (const key in result) if (!INIT_KEYS.has(key)) return undefined;
  const { status = 200, headers = {}, body, jsonBody, cookies } = result;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599)
    return undefined;
  if (NULL_BODY_STATUSES.has(status) || (Array.isArray(cookies) ? cookies.length > 0 : cookies !== undefined))
    return undefined;
  if (!isPlainRecord(headers)) return undefined;
  const names = new Set<string>();
  const plainHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (typeof value !== "string" || names.has(lower) || lower === "set-cookie") return undefined;
    names.add(lower);
    plainHeaders[lower] = value.trim();
  }
  let bytes: Buffer | undefined;
  let defaultType: string | undefined;
  if (jsonBody !== undefined && jsonBody !== null) {
    bytes = Buffer.from(JSON.stringify(jsonBody));
    defaultType = "application/json";
  } else if (typeof body === "string") {
    bytes = Buffer.from(body);
    defaultType = "text/plain;charset=UTF-8";
  } else if (body instanceof Uint8Array) {
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else if (body !== undefined && body !== null) {
    return undefined;
  }
  if (defaultType && !names.has("content-type")) plainHeaders["content-type"] = defaultType;
  return { status, headers: plainHeaders, body: bytes };
}
