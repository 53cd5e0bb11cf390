import { randomUUID } from "node:crypto";
import type { CallbackCheck } from "../../deliveries/allowList";
import { callbackHost, requireAdmittedCallback, WEBHOOK_SOURCE } from "../../deliveries/catalogCallbacks";
import { outcomeResponse } from "../../http/outcomeResponse";
import { parseJsonBody } from "../../http/parseJson";
import { jsonResponse, type RelayResponse } from "../../http/problemResponse";
import { requireJsonContentType } from "../../http/requestBody";
import { webhookJobId } from "../../jobs/jobIds";
import { jobLocation } from "../../jobs/jobLocation";
import type { SubmittedJob } from "../../jobs/jobSubmission";
import type { ScoringJob } from "../../jobs/scoringJob";
import { toPredictionRequest } from "../../payloadMapping/payloadMapping";
import type { PredictionRequest } from "../../scoring/predictionRequest";
import type { Scorer } from "../../scoring/scorer";
import { errorLine } from "../../shared/errorLine";
import type { Logger } from "../../shared/logger";
import { ProblemError, problem } from "../../shared/problem";
import { type DeliveryClaim, type DeliveryStore, deliveryKey, hashBody } from "./deliveryStore";
import { formPayload, isFormEncoded } from "./formPayload";
import type { SignatureScheme } from "./signatureScheme";
import type { WebhookSource } from "./webhookSources";

export const REPLAYED_HEADER = "Idempotent-Replayed";
const IN_PROGRESS_RETRY_AFTER_SECONDS = 10;
const STORAGE_RETRY_AFTER_SECONDS = 30;
const MAX_DELIVERY_ID_LENGTH = 1000;
/** In a `u` regex, \p{Cs} matches a surrogate that is not half of a pair: the string is not well-formed. */
const LONE_SURROGATE = /\p{Cs}/u;

type ConfiguredSource = WebhookSource & { scheme: SignatureScheme };

/** What a source with a callback needs of the job model: the callback check and job submission. */
export interface WebhookJobs {
  admit(url: string): CallbackCheck;
  submit(job: ScoringJob, logger: Logger): Promise<SubmittedJob>;
}

/** The job id of a delivery: source and delivery id (hashed when too long), so a sender's retry is one job. */

function errorText(error: unknown): string {
  return `${error instanceof Error ? `${error.name}: ` : ""}${errorLine(error)}`;
}

/** JSON; GitHub's form encoding (the JSON in one `payload` field) only from a source whose catalog entry opts in. */
function readPayload(source: ConfiguredSource, headers: Headers, body: Buffer): unknown {
  if (source.formEncoded && isFormEncoded(headers)) return parseJsonBody(formPayload(headers, body));
  requireJsonContentType(headers);
  return parseJsonBody(body);
}

/**
 * `POST /api/hooks/{source}` after routing: verify the exact bytes, parse, map onto the model's input, then score
 * once per delivery id, however often the sender retries.
 */
export class WebhookReceiver {
  constructor(
    private readonly sources: ReadonlyMap<string, WebhookSource>,
    private readonly store: DeliveryStore,
    private readonly scorer: Pick<Scorer, "score">,
    private readonly clock: () => Date = () => new Date(),
    private readonly jobs?: WebhookJobs,
  ) {}

  /** Deletes the delivery records whose expiry has passed; returns how many. */
  purgeExpiredDeliveries(): Promise<number> {
    return this.store.purgeExpired(this.clock());
  }

  /** Every source with the name of its secret setting and whether it is set (never the secret), its callback's host. */
  describeSources(): {
    name: string;
    model: string;
    scheme: string;
    secretSetting: string;
    secretSet: boolean;
    callbackHost: string | null;
  }[] {
    return [...this.sources.values()].map((source) => ({
      name: source.name,
      model: source.model.name,
      scheme: source.verify.scheme,
      secretSetting: source.verify.secretSetting,
      secretSet: source.scheme !== undefined,
      callbackHost: callbackHost(source),
    }));
  }

  /**
   * The source of this name: 404 if there is none, 503 while its secret setting is unset. The route is anonymous:
   * the answers describe nothing of the catalog (no source names, no setting names); the log line does.
   */
  source(name: string, logger: Pick<Logger, "warn">): ConfiguredSource {
    const source = this.sources.get(name);
    if (!source) {
      logger.warn(
        `webhook: no source named ${JSON.stringify(name.slice(0, 100))} (known: ${[...this.sources.keys()].join(", ")})`,
      );
      throw new ProblemError(problem("unknown-source", 404, "No webhook source of that name"));
    }
    const scheme = source.scheme;
    if (!scheme) {
      logger.warn(
        `webhook ${name}: refused with 503: the app setting ${source.verify.secretSetting} (its secret) is not set`,
      );
      throw new ProblemError(
        problem("source-not-configured", 503, "This webhook source is not configured yet; retry later"),
        { "Retry-After": "60" },
      );
    }
    return { ...source, scheme };
  }

  async receive(
    source: ConfiguredSource,
    headers: Headers,
    bytes: Uint8Array,
    logger: Logger,
  ): Promise<RelayResponse> {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const verified = source.scheme.verify({ headers, body }, this.clock().getTime());
    const payload = readPayload(source, headers, body);
    const request = toPredictionRequest(payload, source);
    const deliveryId =
      verified.deliveryId ?? source.scheme.deliveryIdFromPayload?.(payload) ?? headers.get("idempotency-key");
    // Lone surrogates would hash alike once encoded (both become U+FFFD): such an id names no delivery.
    if (deliveryId && LONE_SURROGATE.test(deliveryId)) {
      throw new ProblemError(problem("invalid-body", 400, "The delivery id is not well-formed Unicode"));
    }
    if (deliveryId && deliveryId.length > MAX_DELIVERY_ID_LENGTH) {
      throw new ProblemError(
        problem("invalid-body", 400, `The delivery id is longer than ${MAX_DELIVERY_ID_LENGTH} characters`),
      );
    }
    if (source.callback) return this.acceptAsJob(source, source.callback.url, deliveryId, request, logger);
    if (!deliveryId) return outcomeResponse(await this.scorer.score(source.model, request, logger));
    return this.scoreOnce(source, deliveryId, hashBody(body), request, logger);
  }

  /**
   * A source with a callback: the verified, mapped and validated delivery becomes a scoring job (one per delivery
   * id, however often the sender retries), answered 202 at once; its result is POSTed to the callback.
   */
  private async acceptAsJob(
    source: ConfiguredSource,
    url: string,
    deliveryId: string | null | undefined,
    request: PredictionRequest,
    logger: Logger,
  ): Promise<RelayResponse> {
    requireAdmittedCallback(WEBHOOK_SOURCE, source.name, url, this.jobs, logger);
    const job = await (this.jobs as WebhookJobs).submit(
      {
        id: webhookJobId(source.name, deliveryId || randomUUID()),
        model: source.model.name,
        body: request.batch
          ? { instances: request.instances }
          : (request.instances[0] as Record<string, unknown>),
        callback: url,
      },
      logger,
    );
    return jsonResponse(
      202,
      { id: job.id, status: job.status },
      { Location: jobLocation(job.id), "Cache-Control": "no-store" },
    );
  }

  private async scoreOnce(
    source: ConfiguredSource,
    deliveryId: string,
    bodyHash: string,
    request: PredictionRequest,
    logger: Logger,
  ): Promise<RelayResponse> {
    const key = deliveryKey(source.name, deliveryId);
    let claimed: Awaited<ReturnType<DeliveryStore["claim"]>>;
    try {
      claimed = await this.store.claim(key, bodyHash, this.clock());
    } catch (error) {
      logger.warn(`webhook ${source.name}: delivery records unavailable: ${errorText(error)}`);
      throw new ProblemError(
        problem(
          "delivery-records-unavailable",
          503,
          "Delivery records cannot be read, so this delivery could be scored twice; it was not scored. Retry later",
        ),
        { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
      );
    }
    switch (claimed.outcome) {
      case "done":
        return {
          status: claimed.response.status,
          headers: { ...claimed.response.headers, [REPLAYED_HEADER]: "true" },
          body: claimed.response.body,
        };
      case "in-progress":
        throw new ProblemError(
          problem(
            "delivery-in-progress",
            409,
            `Delivery ${JSON.stringify(deliveryId.slice(0, 100))} of source ${source.name} is still being scored; retry for its answer`,
            { deliveryId: deliveryId.slice(0, 100) },
          ),
          { "Retry-After": String(IN_PROGRESS_RETRY_AFTER_SECONDS) },
        );
      case "body-mismatch":
        throw new ProblemError(
          problem(
            "idempotency-key-reused",
            422,
            `Delivery ${JSON.stringify(deliveryId.slice(0, 100))} of source ${source.name} was received before with a different body`,
            { deliveryId: deliveryId.slice(0, 100) },
          ),
        );
      case "claimed":
        return this.scoreClaimed(source, claimed.claim, request, logger);
    }
  }

  /** Scores; a 200 is recorded for replay, any failure releases the claim so the sender's retry is scored again. */
  private async scoreClaimed(
    source: ConfiguredSource,
    claim: DeliveryClaim,
    request: PredictionRequest,
    logger: Logger,
  ): Promise<RelayResponse> {
    const release = () =>
      this.store.release(claim).catch((releaseError: unknown) => {
        logger.warn(
          `webhook ${source.name}: claim of a failed delivery not released (retries wait until it is abandoned): ${errorText(releaseError)}`,
        );
      });
    let response: RelayResponse;
    try {
      response = outcomeResponse(await this.scorer.score(source.model, request, logger));
    } catch (error) {
      await release();
      throw error;
    }
    if (response.status !== 200) {
      await release();
      return response;
    }
    const recorded = await this.store
      .complete(
        claim,
        { status: response.status, headers: response.headers, body: Buffer.from(response.body) },
        this.clock(),
      )
      .catch(async (error: unknown) => {
        // Whatever went wrong, the claim must not stay held: the sender's retry is scored again.
        logger.warn(`webhook ${source.name}: answer not recorded: ${errorText(error)}`);
        await release();
        return undefined;
      });
    if (recorded === false) {
      logger.warn(`webhook ${source.name}: answer not recorded (claim taken over, or answer too large)`);
    }
    return response;
  }
}
