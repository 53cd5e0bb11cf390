import { UpstreamError } from "../aicore/upstreamError";
import { UpstreamRejected } from "../aicore/upstreamPolicy";
import { nestsDeeperThan } from "../shared/jsonDepth";
import { type Problem, ProblemError, problem } from "../shared/problem";

/** What the model answered: its body and content type as they came (a batch to a `raw` model: the collected JSON). */
export interface Prediction {
  kind: "prediction";
  model: string;
  deploymentId: string;
  contentType: string;
  body: Buffer;
}

/**
 * Why there is no prediction, as the problem+json `/predict` answers. `transient` says whether trying again later
 * can succeed (no usable deployment, a gateway status or timeout of the model server, the bulkhead or circuit);
 * a request the model or the catalog refuses is not.
 */
export interface ScoringProblem {
  kind: "problem";
  problem: Problem;
  retryAfterSeconds?: number;
  transient: boolean;
}

/** The Scorer's answer, whatever the transport: HTTP, webhook and queue adapters shape it. */
export type ScoringOutcome = Prediction | ScoringProblem;

function isJson(contentType: string | undefined): boolean {
  return /^application\/([a-z0-9.+-]+\+)?json\b/i.test(contentType ?? "");
}

/**
 * Deepest model answer taken as a value. A deeper one (a model server's input to the relay too) is kept as its text:
 * serialized again into a result CloudEvent it would overflow JSON.stringify's stack.
 */
export const MAX_ANSWER_DEPTH = 64;

/** A model answer as a value: parsed JSON when the model said JSON, its text otherwise. */
export function answerValue(contentType: string | undefined, body: Buffer): unknown {
  const text = body.toString("utf8");
  if (!isJson(contentType)) return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return nestsDeeperThan(value, MAX_ANSWER_DEPTH) ? text : value;
}

/** A model server that refuses the request itself (4xx other than 408/429) will refuse it again. */
function permanentUpstreamStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function problemOutcome(p: Problem, retryAfterSeconds?: number): ScoringProblem {
  const transient = p.status >= 500 && !permanentUpstreamStatus(p.upstreamStatus as number | undefined);
  return { kind: "problem", problem: p, retryAfterSeconds, transient };
}

function retryAfterOf(headers: Record<string, string>): number | undefined {
  const value = headers["Retry-After"];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The problem a known failure stands for: a ProblemError as it is, the upstream policies' failures as 502/503/504.
 * Anything else is not a known failure: undefined.
 */
export function toScoringProblem(error: unknown): ScoringProblem | undefined {
  if (error instanceof ProblemError) return problemOutcome(error.problem, retryAfterOf(error.headers));
  if (error instanceof UpstreamRejected) {
    return problemOutcome(problem("upstream-rejected", 503, error.message), error.retryAfterSeconds);
  }
  if (error instanceof UpstreamError) {
    if (error.failure === "timeout") {
      return problemOutcome(problem("upstream-timeout", 504, error.message), error.retryAfterSeconds);
    }
    if (error.failure === "too-large") {
      return problemOutcome(problem("upstream-answer-too-large", 502, error.message));
    }
    if (error.failure === "unreachable") {
      return problemOutcome(problem("upstream-unreachable", 502, error.message), error.retryAfterSeconds);
    }
    return problemOutcome(
      problem("upstream-error", 502, error.message, {
        upstreamStatus: error.status,
        upstreamBody: error.bodyExcerpt,
      }),
      error.retryAfterSeconds,
    );
  }
  return undefined;
}
