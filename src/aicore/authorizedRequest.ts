import type { AxiosResponse } from "axios";
import type { TokenProvider } from "./tokenProvider";
import { throwIfRetryable } from "./transientFailure";
import { fromTransportError } from "./upstreamError";

/** Sends the request with this bearer token (and the resource group header the caller adds). */
export type SendWithToken<T> = (token: string) => Promise<AxiosResponse<T>>;

/**
 * Sends an AI Core request with a bearer token. A 401 means the token was refused (revoked, rotated): it is
 * dropped and the request is sent once more with a fresh one. A retryable status (429, 502-504) is thrown as a
 * transient UpstreamError for the caller's retry policy; what the transport throws becomes an UpstreamError.
 */
export async function authorizedRequest<T>(
  tokens: TokenProvider,
  send: SendWithToken<T>,
  upstream: string,
  /** How long this call may wait for a token being fetched (what is left of its deadline). */
  tokenWaitMs?: number,
): Promise<AxiosResponse<T>> {
  const attempt = (token: string) =>
    send(token).catch((error: unknown) => {
      throw fromTransportError(error, upstream);
    });
  const token = await tokens.getToken(tokenWaitMs);
  const first = await attempt(token);
  if (first.status !== 401) return throwIfRetryable(first, upstream);
  tokens.invalidate(token);
  return throwIfRetryable(await attempt(await tokens.getToken(tokenWaitMs)), upstream);
}
