import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from "axios";
import type { TokenProvider } from "./tokenProvider";
import { throwIfRetryable } from "./transientFailure";
import { fromTransportError } from "./upstreamError";

/**
 * Sends an AI Core request with a bearer token and the resource group header. A 401 means the token was
 * refused (revoked, rotated): it is dropped and the request is sent once more with a fresh one. A retryable
 * status (429, 502-504) is thrown as a transient UpstreamError for the caller's retry policy.
 */
export async function authorizedRequest(
  http: AxiosInstance,
  tokens: TokenProvider,
  resourceGroup: string,
  config: AxiosRequestConfig,
  upstream: string,
): Promise<AxiosResponse<ArrayBuffer>> {
  const send = async (token: string) =>
    http
      .request<ArrayBuffer>({
        ...config,
        headers: { ...config.headers, Authorization: `Bearer ${token}`, "AI-Resource-Group": resourceGroup },
      })
      .catch((error: unknown) => {
        throw fromTransportError(error, upstream);
      });
  const token = await tokens.getToken();
  const first = await send(token);
  if (first.status !== 401) return throwIfRetryable(first, upstream);
  tokens.invalidate(token);
  return throwIfRetryable(await send(await tokens.getToken()), upstream);
}
