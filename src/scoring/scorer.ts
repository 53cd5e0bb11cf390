import { DEFAULT_MAX_UPSTREAM_BYTES } from "../aicore/httpClient";
import type { PredictClient, UpstreamAnswer } from "../aicore/predictClient";
import { RequestDeadline } from "../aicore/requestDeadline";
import { bodyExcerpt, parseRetryAfter, UpstreamError } from "../aicore/upstreamError";
import type { CircuitStateName, UpstreamPolicy } from "../aicore/upstreamPolicy";
import type { Catalog, ModelDefinition } from "../config/catalog";
import type { CachedRecords } from "../deployments/cachedRecords";
import type { DeploymentRecord } from "../deployments/deploymentRecord";
import type { DeploymentRefresher } from "../deployments/deploymentRefresher";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { mapWithConcurrency } from "../shared/mapWithConcurrency";
import { ProblemError, problem } from "../shared/problem";
import { traceHeadersOf } from "../shared/traceHeaders";
import type { PredictionRequest } from "./predictionRequest";
import { answerValue, type Prediction, type ScoringOutcome, toScoringProblem } from "./scoringOutcome";
import { type UpstreamFailure, UpstreamFailures } from "./upstreamFailures";

const RETRY_AFTER_SECONDS = 30;

export interface ScorerOptions {
  /** Upstream calls in flight for one batch sent to a `raw` model. */
  batchConcurrency?: number;
  /** REQUEST_DEADLINE_MS: the whole budget of one scoring, every call of a batch and every retry included. */
  requestDeadlineMs?: number;
  /** MAX_UPSTREAM_BYTES: the answers of one batch together are bounded as one answer is. */
  maxUpstreamBytes?: number;
}

function noUsableDeployment(record: DeploymentRecord): ProblemError {
  const who = record.deploymentId ? `deployment ${record.deploymentId}` : "no deployment";
  return new ProblemError(
    problem(
      "no-usable-deployment",
      503,
      `Model ${record.model} has no usable deployment: ${who}: ${record.reason}`,
      {
        model: record.model,
        deploymentId: record.deploymentId,
        deploymentStatus: record.status,
        targetStatus: record.targetStatus,
        statusMessage: record.statusMessage,
        refreshedAt: record.refreshedAt,
      },
    ),
    { "Retry-After": String(RETRY_AFTER_SECONDS) },
  );
}

/**
 * Finds the deployment, calls its predict URL, and answers a transport-neutral outcome: the prediction, or the
 * problem that says why there is none. Validation has happened before.
 */
export class Scorer {
  private readonly batchConcurrency: number;
  private readonly requestDeadlineMs: number;
  private readonly failures = new UpstreamFailures();
  private readonly maxUpstreamBytes: number;

  constructor(
    private readonly catalog: Catalog,
    private readonly records: CachedRecords,
    private readonly refresher: DeploymentRefresher,
    private readonly predictClient: PredictClient,
    private readonly policy: UpstreamPolicy,
    options: ScorerOptions = {},
  ) {
    this.batchConcurrency = options.batchConcurrency ?? 8;
    this.requestDeadlineMs = options.requestDeadlineMs ?? 60_000;
    this.maxUpstreamBytes = options.maxUpstreamBytes ?? DEFAULT_MAX_UPSTREAM_BYTES;
  }

  model(name: string): ModelDefinition {
    const model = this.catalog.models.get(name);
    if (!model) {
      throw new ProblemError(
        problem("unknown-model", 404, `No model named ${JSON.stringify(name.slice(0, 100))} in the catalog`, {
          knownModels: [...this.catalog.models.keys()],
        }),
      );
    }
    return model;
  }

  /** The prediction, or the problem of a known failure; only an unexpected error is thrown. */
  async score(model: ModelDefinition, request: PredictionRequest, logger: Logger): Promise<ScoringOutcome> {
    // The request's budget: every predict call of this request (a batch's too) gets what is left of it.
    const deadline = new RequestDeadline(this.requestDeadlineMs);
    try {
      return await this.predict(model, request, logger, deadline);
    } catch (error) {
      const known = toScoringProblem(error);
      if (known) return known;
      throw error;
    }
  }

  private async predict(
    model: ModelDefinition,
    request: PredictionRequest,
    logger: Logger,
    deadline: RequestDeadline,
  ): Promise<Prediction> {
    let record = await this.usableRecord(model, logger, deadline);
    if (model.requestFormat === "instances") {
      const { answer, servedBy } = await this.call(
        model,
        record,
        { instances: request.instances },
        logger,
        deadline,
      );
      return prediction(model, answer, servedBy);
    }
    if (!request.batch) {
      const { answer, servedBy } = await this.call(model, record, request.instances[0], logger, deadline);
      return prediction(model, answer, servedBy);
    }
    let total = 0;
    const predictions = await mapWithConcurrency(
      request.instances,
      this.batchConcurrency,
      async (instance) => {
        const { answer, servedBy } = await this.call(model, record, instance, logger, deadline);
        record = servedBy;
        total += answer.body.byteLength;
        if (total > this.maxUpstreamBytes) {
          throw new UpstreamError(
            "too-large",
            "model server",
            `The model server's answers to this batch are more than ${this.maxUpstreamBytes} bytes together (MAX_UPSTREAM_BYTES)`,
          );
        }
        return answerValue(answer.contentType, answer.body);
      },
    );
    return {
      kind: "prediction",
      model: model.name,
      deploymentId: record.deploymentId ?? "",
      contentType: "application/json",
      body: Buffer.from(JSON.stringify({ predictions })),
    };
  }

  /** The record to use: from memory/storage, or — when none exists yet — looked up live and stored. */
  private async usableRecord(
    model: ModelDefinition,
    logger: Logger,
    deadline: RequestDeadline,
  ): Promise<DeploymentRecord> {
    // Nothing in memory: a cold instance, whose first call needs the token whatever storage holds.
    if (!this.records.peek(model.name)) this.predictClient.warmUp();
    let { record } = await this.records.get(model.name);
    if (!record) {
      try {
        record = await this.refresher.refreshModel(model, logger, deadline.signal());
      } catch (error) {
        const reason = errorLine(error);
        throw new ProblemError(
          problem(
            "no-usable-deployment",
            503,
            `Model ${model.name}: the deployment could not be looked up: ${reason}`,
            {
              model: model.name,
            },
          ),
          { "Retry-After": String(RETRY_AFTER_SECONDS) },
        );
      }
    }
    if (!record.usable || !record.deploymentUrl) throw noUsableDeployment(record);
    return record;
  }

  /**
   * One predict call. A 404 means the deployment is gone: the model's record is refreshed at once, and the
   * call is sent once more if AI Core now names another usable deployment.
   */
  private async call(
    model: ModelDefinition,
    record: DeploymentRecord,
    body: unknown,
    logger: Logger,
    deadline: RequestDeadline,
  ): Promise<{ answer: UpstreamAnswer; servedBy: DeploymentRecord }> {
    const answer = await this.send(model, record, body, logger, deadline);
    if (answer.status !== 404) return { answer: this.accept(answer, record), servedBy: record };
    logger.warn(`model ${model.name}: deployment ${record.deploymentId} answered 404; refreshing its record`);
    const fresh = await this.refresher.refreshModel(model, logger, deadline.signal()).catch(() => undefined);
    if (!fresh) {
      throw noUsableDeployment({
        ...record,
        usable: false,
        reason: "its URL answered 404 and AI Core could not be asked",
      });
    }
    if (!fresh.usable || !fresh.deploymentUrl) throw noUsableDeployment(fresh);
    if (fresh.deploymentId === record.deploymentId)
      return { answer: this.accept(answer, record), servedBy: record };
    return {
      answer: this.accept(await this.send(model, fresh, body, logger, deadline), fresh),
      servedBy: fresh,
    };
  }

  /**
   * The predict call under the model server's policy (bulkhead, circuit per deployment, retry) and the request's
   * deadline, in the invocation's trace; one log line with model, deployment, upstream status, attempts and duration.
   */
  private async send(
    model: ModelDefinition,
    record: DeploymentRecord,
    body: unknown,
    logger: Logger,
    deadline: RequestDeadline,
  ): Promise<UpstreamAnswer> {
    const url = predictUrl(record.deploymentUrl ?? "", model.predictPath);
    const deploymentId = record.deploymentId ?? "none";
    const trace = traceHeadersOf(logger);
    const json = JSON.stringify(body);
    const started = performance.now();
    let attempts = 0;
    try {
      const answer = await this.policy.execute(
        deploymentId,
        ({ attempt, remainingMs }) => {
          attempts = attempt;
          return this.predictClient.predict(model.resourceGroup, url, json, remainingMs, trace);
        },
        deadline,
      );
      const line = `prediction model=${model.name} deployment=${deploymentId} upstreamStatus=${answer.status} attempts=${attempts} durationMs=${Math.round(performance.now() - started)}`;
      // A 2xx at the first attempt is the common case: at debug level, which the host drops by default (host.json
      // `logging.logLevel`), so it costs the hot path no log write; a retried or refused call is logged as before.
      if (attempts === 1 && answer.status >= 200 && answer.status < 300 && logger.debug) logger.debug(line);
      else logger.log(line);
      return answer;
    } catch (error) {
      this.failures.note(deploymentId, error);
      const status = error instanceof UpstreamError ? (error.status ?? error.failure) : "none";
      logger.warn(
        `prediction failed model=${model.name} deployment=${deploymentId} upstreamStatus=${status} attempts=${attempts} durationMs=${Math.round(performance.now() - started)}: ${errorLine(error)}`,
      );
      throw error;
    }
  }

  /** What this instance knows of a deployment's model server: its circuit and its last failure. */
  upstreamState(deploymentId: string): {
    circuit: CircuitStateName | undefined;
    lastFailure: UpstreamFailure | undefined;
  } {
    return { circuit: this.policy.circuitState(deploymentId), lastFailure: this.failures.last(deploymentId) };
  }

  /** 2xx passes; anything else is the model server's error, answered as 502 with an excerpt. */
  private accept(answer: UpstreamAnswer, record: DeploymentRecord): UpstreamAnswer {
    if (answer.status >= 200 && answer.status < 300) return answer;
    if (answer.status !== 404) {
      this.failures.note(
        record.deploymentId ?? "none",
        new UpstreamError("status", "model server", `model server answered ${answer.status}`, answer.status),
      );
    }
    throw new UpstreamError(
      "status",
      "model server",
      `The model server of deployment ${record.deploymentId} answered ${answer.status}`,
      answer.status,
      bodyExcerpt(answer.body),
      parseRetryAfter(answer.retryAfter),
    );
  }
}

/** A single answer passes through as it came. */
function prediction(model: ModelDefinition, answer: UpstreamAnswer, record: DeploymentRecord): Prediction {
  return {
    kind: "prediction",
    model: model.name,
    deploymentId: record.deploymentId ?? "",
    contentType: answer.contentType ?? "application/octet-stream",
    body: answer.body,
  };
}

/** The deployment URL (without trailing slashes) followed by the model's predict path. */
function predictUrl(deploymentUrl: string, predictPath: string): string {
  return `${deploymentUrl.endsWith("/") ? deploymentUrl.replace(/\/+$/, "") : deploymentUrl}${predictPath}`;
}
