import type { IncomingHttpHeaders } from "node:http";

export const REQUEST_KINDS = ["token", "list", "get", "patch", "delete", "predict", "other"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** One logged request, in the shape `checkDocumentedRequest` of the tests takes. */
export interface LoggedRequest {
  kind: RequestKind;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  status: number;
}

export interface RequestLogSnapshot {
  total: number;
  byKind: Record<RequestKind, number>;
  log: LoggedRequest[];
}

const MAX_ENTRIES = 5000;

/** Credentials never leave the emulator: the scheme stays visible, the value does not. */
function redactedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    result[name.toLowerCase()] =
      name.toLowerCase() === "authorization" ? `${text.split(" ")[0]} <redacted>` : text;
  }
  return result;
}

/** Counts and remembers the AI API, inference and token requests (control requests are not recorded). */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private total = 0;
  private byKind = RequestLog.zeroCounts();

  private static zeroCounts(): Record<RequestKind, number> {
    return Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>;
  }

  record(
    kind: RequestKind,
    request: { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders },
    status: number,
  ): void {
    this.total++;
    this.byKind[kind]++;
    this.entries.push({
      kind,
      method: request.method,
      path: request.path,
      query: Object.fromEntries(request.query),
      headers: redactedHeaders(request.headers),
      status,
    });
    // Bounded: keep the most recent entries, drop the oldest in chunks to keep this cheap.
    if (this.entries.length > MAX_ENTRIES + 500) this.entries = this.entries.slice(-MAX_ENTRIES);
  }

  snapshot(): RequestLogSnapshot {
    return { total: this.total, byKind: { ...this.byKind }, log: this.entries.slice(-MAX_ENTRIES) };
  }

  reset(): void {
    this.entries = [];
    this.total = 0;
    this.byKind = RequestLog.zeroCounts();
  }
}
