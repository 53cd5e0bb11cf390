import type { AxiosInstance } from "axios";
import { z } from "zod";
import { type ServiceKey, tokenUrl } from "../config/serviceKey";
import { parseJsonBytes } from "./jsonBytes";
import { throwIfRetryable } from "./transientFailure";
import { bodyExcerpt, fromTransportError, UpstreamError } from "./upstreamError";
import type { UpstreamPolicy } from "./upstreamPolicy";

const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
});

export interface TokenProviderOptions {
  /** Refetch this long before expiry so a token never expires mid-request. */
  marginSeconds?: number;
  now?: () => number;
  /** Retries of the token endpoint (connection errors, 429, 5xx gateway statuses). */
  policy?: UpstreamPolicy;
}

/**
 * Client-credentials tokens from XSUAA, cached until `expires_in` minus a margin. One fetch is in flight at
 * a time: concurrent callers share it. The token is treated as opaque.
 */
export class TokenProvider {
  private cached: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly marginSeconds: number;
  private readonly now: () => number;
  private readonly policy: UpstreamPolicy | undefined;

  constructor(
    private readonly serviceKey: ServiceKey,
    private readonly http: AxiosInstance,
    options: TokenProviderOptions = {},
  ) {
    this.marginSeconds = options.marginSeconds ?? 60;
    this.now = options.now ?? Date.now;
    this.policy = options.policy;
  }

  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drops the token an upstream refused (401), unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.serviceKey.clientid,
      client_secret: this.serviceKey.clientsecret,
    });
    const post = (signal?: AbortSignal) =>
      this.http
        .post(tokenUrl(this.serviceKey), form.toString(), {
          headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
          signal,
        })
        .catch((error: unknown) => {
          throw fromTransportError(error, "token endpoint");
        })
        .then((response) => throwIfRetryable(response, "token endpoint"));
    const response = this.policy
      ? await this.policy.execute("token", ({ signal }) => post(signal))
      : await post();
    if (response.status !== 200) {
      throw new UpstreamError(
        "status",
        "token endpoint",
        `token endpoint answered ${response.status}`,
        response.status,
        bodyExcerpt(response.data),
      );
    }
    const parsed = tokenAnswerSchema.safeParse(parseJsonBytes(response.data));
    if (!parsed.success) {
      throw new UpstreamError(
        "status",
        "token endpoint",
        "token endpoint answered without access_token/expires_in",
        200,
      );
    }
    const lifetime = parsed.data.expires_in;
    const margin = Math.min(this.marginSeconds, lifetime / 2);
    this.cached = { token: parsed.data.access_token, refreshAt: this.now() + (lifetime - margin) * 1000 };
    return parsed.data.access_token;
  }
}
