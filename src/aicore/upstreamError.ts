import { AxiosError } from "axios";
import { redactSecrets } from "../shared/secretRedaction";

export type UpstreamFailure = "timeout" | "unreachable" | "status" | "too-large";

/** An upstream call that did not give a usable answer. Carries no token and no request headers. */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  constructor(
    readonly failure: UpstreamFailure,
    readonly upstream: string,
    message: string,
    readonly status?: number,
    readonly bodyExcerpt?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const EXCERPT_CHARS = 300;

export function bodyExcerpt(data: unknown): string {
  const text =
    data instanceof ArrayBuffer || ArrayBuffer.isView(data)
      ? Buffer.from(data as ArrayBuffer).toString("utf8")
      : typeof data === "string"
        ? data
        : JSON.stringify(data ?? "");
  // Credentials have no business in an excerpt, even if an upstream echoes one: the exact ones this process
  // holds, wherever they are, and anything that looks like a bearer token.
  const clean = redactSecrets(text)
    .replace(/Bearer\s+[\w.~+/=-]+/gi, "Bearer [redacted]")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}

/** Parses Retry-After (seconds or HTTP date) into whole seconds. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Turns what axios threw (no response) into an UpstreamError; the URL's query and credentials are left out. */
export function fromTransportError(error: unknown, upstream: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof AxiosError) {
    const code = error.code ?? "";
    if (code === "ERR_BAD_RESPONSE" && /maxContentLength size of (\d+) exceeded/.test(error.message)) {
      const limit = /(\d+)/.exec(error.message)?.[1];
      return new UpstreamError(
        "too-large",
        upstream,
        `${upstream} answered more than ${limit} bytes (MAX_UPSTREAM_BYTES); the answer was cut off`,
      );
    }
    // ERR_CANCELED: the request deadline aborted the call.
    if (code === "ETIMEDOUT" || code === "ECONNABORTED" || code === "ERR_CANCELED") {
      return new UpstreamError("timeout", upstream, `${upstream} did not answer in time`);
    }
    return new UpstreamError(
      "unreachable",
      upstream,
      `${upstream} could not be reached (${code || "network error"})`,
    );
  }
  return new UpstreamError("unreachable", upstream, `${upstream} could not be reached`);
}
