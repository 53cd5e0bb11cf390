import type { AxiosInstance } from "axios";
import * as z from "zod";
import { parseOnce } from "../shared/parseOnce";
import { registerBasicCredentials, registerIssuedToken } from "../shared/secretRedaction";
import { parseJsonBytes } from "./jsonBytes";
import { throwIfRetryable } from "./transientFailure";
import { bodyExcerpt, fromTransportError, UpstreamError } from "./upstreamError";
import type { UpstreamPolicy } from "./upstreamPolicy";

const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
});

/** An OAuth 2.0 client of the client-credentials grant: the AI Core service key's, or an events entry's. */
export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenProviderOptions {
  /** Refetch this long before expiry so a token never expires mid-request. */
  marginSeconds?: number;
  now?: () => number;
  /** Retries of the token endpoint (connection errors, 429, 5xx gateway statuses). */
  policy?: UpstreamPolicy;
  /**
   * How the client authenticates: `form` sends client_id and client_secret in the body (as SAP's AI Core
   * clients do); `basic` sends them as HTTP Basic, the method every OAuth server must support (RFC 6749 §2.3.1).
   */
  clientAuthentication?: "form" | "basic";
  /** The upstream's name in errors and logs. */
  upstream?: string;
}

/**
 * Client-credentials tokens (XSUAA or any OAuth 2.0 server), cached until `expires_in` minus a margin. One fetch is in flight at
 * a time: concurrent callers share it. The token is treated as opaque.
 */
export class TokenProvider {
  private cached: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly marginSeconds: number;
  private readonly now: () => number;
  private readonly policy: UpstreamPolicy | undefined;
  private readonly clientAuthentication: "form" | "basic";
  private readonly upstream: string;

  constructor(
    private readonly credentials: ClientCredentials,
    private readonly http: AxiosInstance,
    options: TokenProviderOptions = {},
  ) {
    this.marginSeconds = options.marginSeconds ?? 60;
    this.now = options.now ?? Date.now;
    this.policy = options.policy;
    this.clientAuthentication = options.clientAuthentication ?? "form";
    this.upstream = options.upstream ?? "token endpoint";
    // Both spellings of the client's Basic credential: as sent (RFC 6749 §2.3.1, form-encoded) and as is.
    registerBasicCredentials(credentials.clientId, credentials.clientSecret);
    registerBasicCredentials(
      encodeURIComponent(credentials.clientId),
      encodeURIComponent(credentials.clientSecret),
    );
  }

  /**
   * The cached token, or the one being fetched. `waitMs` (what is left of the caller's deadline) bounds only this
   * caller's wait: the shared fetch goes on for the others under its own timeout.
   */
  async getToken(waitMs?: number): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return waitMs === undefined ? this.inflight : this.within(this.inflight, waitMs);
  }

  private within(fetching: Promise<string>, waitMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new UpstreamError("timeout", this.upstream, `${this.upstream} did not answer in time`)),
        Math.max(1, Math.ceil(waitMs)),
      );
    });
    return Promise.race([fetching, late]).finally(() => clearTimeout(timer));
  }

  /** Drops the token an upstream refused (401), unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { tokenUrl, clientId, clientSecret } = this.credentials;
    const upstream = this.upstream;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
    };
    if (this.clientAuthentication === "basic") {
      // RFC 6749 §2.3.1: both parts form-urlencoded before Basic encoding.
      const user = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
      headers.Authorization = `Basic ${Buffer.from(user).toString("base64")}`;
    } else {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    }
    const post = (signal?: AbortSignal) =>
      this.http
        .post(tokenUrl, form.toString(), { headers, signal })
        .catch((error: unknown) => {
          throw fromTransportError(error, upstream);
        })
        .then((response) => throwIfRetryable(response, upstream));
    const response = this.policy
      ? await this.policy.execute("token", ({ signal }) => post(signal))
      : await post();
    if (response.status !== 200) {
      throw new UpstreamError(
        "status",
        upstream,
        `${upstream} answered ${response.status}`,
        response.status,
        bodyExcerpt(response.data),
      );
    }
    const parsed = parseOnce(tokenAnswerSchema, parseJsonBytes(response.data));
    if (!parsed.success) {
      throw new UpstreamError(
        "status",
        upstream,
        `${upstream} answered without access_token/expires_in`,
        200,
      );
    }
    const lifetime = parsed.data.expires_in;
    const margin = Math.min(this.marginSeconds, lifetime / 2);
    registerIssuedToken(parsed.data.access_token);
    this.cached = { token: parsed.data.access_token, refreshAt: this.now() + (lifetime - margin) * 1000 };
    return parsed.data.access_token;
  }
}
