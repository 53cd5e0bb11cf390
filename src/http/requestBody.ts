import { ProblemError, problem } from "../shared/problem";

/** The part of a request the body readers need; the library's HttpRequest has it. */
export interface IncomingRequest {
  readonly method: string;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** 415 unless the content type is JSON (`application/json` or any `+json`), in UTF-8 when a charset is given. */
export function requireJsonContentType(headers: Headers): void {
  const value = headers.get("content-type");
  if (value === "application/json") return; // what nearly every sender sends: no parsing
  if (!value) {
    throw new ProblemError(
      problem("unsupported-media-type", 415, "Content-Type is missing; send application/json"),
    );
  }
  const [mediaType = "", ...params] = value.split(";").map((part) => part.trim().toLowerCase());
  const isJson = mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(/"/g, "");
  if (!isJson || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    throw new ProblemError(
      problem(
        "unsupported-media-type",
        415,
        `Content-Type ${JSON.stringify(value.slice(0, 100))} is not JSON in UTF-8; send application/json`,
      ),
    );
  }
}

function tooLarge(maxBytes: number): ProblemError {
  return new ProblemError(
    problem("body-too-large", 413, `The request body is larger than ${maxBytes} bytes (MAX_BODY_BYTES)`, {
      maxBytes,
    }),
  );
}

/**
 * An empty body, unless it is empty only because it was chunked: without HTTP streams the Functions host forwards
 * no body for a request with Transfer-Encoding and no Content-Length. Say so instead of judging a body the sender
 * did send.
 */
function checkedEmpty(request: IncomingRequest): Uint8Array {
  if (request.headers.get("content-length") === null && request.headers.has("transfer-encoding")) {
    throw new ProblemError(
      problem(
        "length-required",
        411,
        "A chunked request body (Transfer-Encoding without Content-Length) does not reach the relay; send the body with Content-Length",
      ),
    );
  }
  return new Uint8Array(0);
}

/** Reads the body while counting: a body over the limit is cut off there, never buffered whole. */
export async function readBodyWithLimit(request: IncomingRequest, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // A declared length within the limit: the host holds the whole body already, so read it in one piece (the
  // chunked read below costs a stream reader and a copy per chunk on every request).
  if (request.headers.get("content-length") !== null && Number.isInteger(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return bytes.byteLength === 0 ? checkedEmpty(request) : bytes;
  }
  if (!request.body) return checkedEmpty(request);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (total === 0) return checkedEmpty(request);
  return Buffer.concat(chunks, total);
}
