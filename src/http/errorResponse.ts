import { errorLine } from "../errorLine";
import type { Logger } from "../logger";
import { ProblemError, problem, problemResponse, type RelayResponse } from "./problem";

/**
 * The edge of every handler: a ProblemError becomes its problem+json. Unexpected errors are logged as one line
 * (no stack to the caller) and answered 500. Upstream failures never get here: the Scorer answers them as a
 * scoring outcome.
 */
export function toErrorResponse(error: unknown, logger: Logger): RelayResponse {
  if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
  logger.error(`unexpected error: ${error instanceof Error ? `${error.name}: ` : ""}${errorLine(error)}`);
  return problemResponse(
    problem("internal-error", 500, "The relay failed unexpectedly; the error was logged"),
  );
}
