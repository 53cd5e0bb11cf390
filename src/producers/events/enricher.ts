import { type AxiosInstance, type AxiosResponse, isAxiosError } from "axios";
import { throwIfRetryable } from "../../aicore/transientFailure";
import { bodyExcerpt, fromTransportError, UpstreamError } from "../../aicore/upstreamError";
import type { UpstreamPolicy } from "../../aicore/upstreamPolicy";
import { parseJsonBody } from "../../http/parseJson";
import { ProblemError } from "../../shared/problem";
import { enrichmentFailureOf, permanentEnrichmentFailure } from "./enrichmentFailure";
import type { SourceSystemAuth } from "./sourceSystemAuth";
import { expandUrlTemplate, type UrlTemplate } from "./urlTemplate";

export interface EnricherOptions {
  /** The source system's name in errors and logs. */
  upstream: string;
  /** Largest answer taken; a larger one fails the event (it will not shrink on retry). */
  maxBytes: number;
}

/**
 * Fetches a thin event's details from its source system: `GET` of the entry's URL template filled from the
 * event, under the entry's policy (deadline, retries of 429/502/503/504 and connection errors, circuit).
 * Throws an EnrichmentFailure that says whether retrying the job can help.
 */
export class Enricher {
  constructor(
    private readonly url: UrlTemplate,
    private readonly auth: SourceSystemAuth,
    private readonly http: AxiosInstance,
    private readonly policy: UpstreamPolicy,
    private readonly options: EnricherOptions,
  ) {}

  /** The source system's JSON answer for `event` (the CloudEvent as a JSON object). */
  async enrich(event: unknown, signal?: AbortSignal): Promise<unknown> {
    const expansion = expandUrlTemplate(this.url, event);
    if (!expansion.ok) {
      throw permanentEnrichmentFailure(
        `The event's ${expansion.pointer} ${expansion.message}; it cannot name the record to fetch`,
        { pointer: expansion.pointer },
      );
    }
    let response: AxiosResponse<ArrayBuffer>;
    try {
      response = await this.policy.execute("get", (attempt) =>
        this.get(expansion.url, attempt.signal, signal),
      );
    } catch (error) {
      throw enrichmentFailureOf(error);
    }
    if (response.status === 200) return this.parse(response);
    const failure = new UpstreamError(
      "status",
      this.options.upstream,
      response.status === 404
        ? `${this.options.upstream} has no record at the event's key (404)`
        : `${this.options.upstream} answered ${response.status}`,
      response.status,
      bodyExcerpt(response.data),
    );
    throw enrichmentFailureOf(failure);
  }

  private async get(url: string, attemptSignal: AbortSignal, outer?: AbortSignal) {
    const signal = outer ? AbortSignal.any([attemptSignal, outer]) : attemptSignal;
    const send = async (authorization: string | undefined) =>
      this.http
        .get<ArrayBuffer>(url, {
          headers: { Accept: "application/json", ...(authorization ? { Authorization: authorization } : {}) },
          signal,
          maxContentLength: this.options.maxBytes,
        })
        .catch((error: unknown) => {
          if (isAxiosError(error) && error.message.includes("maxContentLength")) {
            throw permanentEnrichmentFailure(
              `${this.options.upstream} answered more than ${this.options.maxBytes} bytes`,
            );
          }
          throw fromTransportError(error, this.options.upstream);
        });
    const authorization = await this.auth.authorization();
    const first = await send(authorization);
    if (first.status !== 401 || !this.auth.refused(authorization)) return this.checked(first);
    return this.checked(await send(await this.auth.authorization()));
  }

  /**
   * A retryable answer is thrown for the retry policy; any other 5xx is thrown too (not retried), so that the
   * entry's circuit counts it as an outage of the source system.
   */
  private checked(response: AxiosResponse<ArrayBuffer>): AxiosResponse<ArrayBuffer> {
    throwIfRetryable(response, this.options.upstream);
    if (response.status < 500) return response;
    throw new UpstreamError(
      "status",
      this.options.upstream,
      `${this.options.upstream} answered ${response.status}`,
      response.status,
      bodyExcerpt(response.data),
    );
  }

  private parse(response: AxiosResponse<ArrayBuffer>): unknown {
    try {
      return parseJsonBody(new Uint8Array(response.data));
    } catch (error) {
      const reason = error instanceof ProblemError ? error.problem.detail : "not JSON";
      throw permanentEnrichmentFailure(
        `${this.options.upstream} answered 200 with a body the relay cannot use: ${reason.replace("The request body", "it")}`,
      );
    }
  }
}
