import type { Problem } from "../shared/problem";

/** A response as the handlers build it; the function adapters turn it into the host's. */
export interface RelayResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(p: Problem, headers: Record<string, string> = {}): RelayResponse {
  return {
    status: p.status,
    headers: { ...headers, "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store" },
    body: JSON.stringify(p),
  };
}

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): RelayResponse {
  return { status, headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(value) };
}
