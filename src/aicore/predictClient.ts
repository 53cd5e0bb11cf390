import type { TraceHeaders } from "../shared/traceHeaders";
import { authorizedRequest } from "./authorizedRequest";
import type { PreparedRequests } from "./preparedRequests";
import type { TokenProvider } from "./tokenProvider";

const CONTENT_TYPE = "application/json";
const ACCEPT = "application/json, text/plain;q=0.9, */*;q=0.5";

export interface UpstreamAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  retryAfter: string | undefined;
}

/** `POST {deploymentUrl}{predictPath}`: the one upstream call of a prediction. */
export class PredictClient {
  constructor(
    private readonly posts: PreparedRequests,
    private readonly tokens: TokenProvider,
  ) {}

  /**
   * Starts fetching the token now, if none is cached, without waiting for it: a prediction that must first look
   * its deployment up (a cold instance) gets the token while storage is read. A failure shows on the real call.
   */
  warmUp(): void {
    this.tokens.getToken().catch(() => undefined);
  }

  /**
   * Sends the JSON body; `timeoutMs` bounds this call (what is left of the request's deadline), the client's
   * PREDICT_TIMEOUT_MS when absent. Throws a transient UpstreamError for 429/502/503/504 so a retry policy can act.
   */
  async predict(
    resourceGroup: string,
    url: string,
    body: string,
    timeoutMs?: number,
    trace?: TraceHeaders,
  ): Promise<UpstreamAnswer> {
    // The wait for a token being fetched counts against the same time: the call ends when its budget does.
    const endsAt = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    const response = await authorizedRequest<Buffer>(
      this.tokens,
      (token) =>
        this.posts.send({
          url,
          data: body,
          timeout: endsAt === undefined ? undefined : endsAt - performance.now(),
          headers: {
            "Content-Type": CONTENT_TYPE,
            Accept: ACCEPT,
            Authorization: `Bearer ${token}`,
            "AI-Resource-Group": resourceGroup,
            ...trace,
          },
        }),
      "model server",
      timeoutMs,
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
