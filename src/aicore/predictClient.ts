import type { AxiosInstance } from "axios";
import type { TraceHeaders } from "../tracing/traceHeaders";
import { authorizedRequest } from "./authorizedRequest";
import type { TokenProvider } from "./tokenProvider";

const PREDICT_HEADERS = {
  "Content-Type": "application/json",
  Accept: "application/json, text/plain;q=0.9, */*;q=0.5",
};

export interface UpstreamAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  retryAfter: string | undefined;
}

/** `POST {deploymentUrl}{predictPath}`: the one upstream call of a prediction. */
export class PredictClient {
  constructor(
    private readonly http: AxiosInstance,
    private readonly tokens: TokenProvider,
  ) {}

  /**
   * Starts fetching the token now, if none is cached, without waiting for it: a prediction that must first look
   * its deployment up (a cold instance) gets the token while storage is read. A failure shows on the real call.
   */
  warmUp(): void {
    this.tokens.getToken().catch(() => undefined);
  }

  /** Throws a transient UpstreamError for 429/502/503/504 so a retry policy can act on it. */
  async predict(
    resourceGroup: string,
    url: string,
    body: unknown,
    signal?: AbortSignal,
    trace?: TraceHeaders,
  ): Promise<UpstreamAnswer> {
    const response = await authorizedRequest(
      this.http,
      this.tokens,
      resourceGroup,
      {
        method: "POST",
        url,
        data: JSON.stringify(body),
        signal,
        headers: trace ? { ...PREDICT_HEADERS, ...trace } : PREDICT_HEADERS,
      },
      "model server",
    );
    const header = (name: string) => {
      const value = response.headers[name];
      return typeof value === "string" ? value : undefined;
    };
    return {
      status: response.status,
      contentType: header("content-type"),
      // Node's axios answers a Buffer for responseType arraybuffer: pass it on without a copy.
      body: Buffer.isBuffer(response.data) ? response.data : Buffer.from(response.data),
      retryAfter: header("retry-after"),
    };
  }
}
