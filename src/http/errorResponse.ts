import { ConfigError } from "../config/configError";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { ProblemError, problem } from "../shared/problem";
import { configurationErrorResponse, logConfigurationErrorOnce } from "./configurationErrorResponse";
import { problemResponse, type RelayResponse } from "./problemResponse";

/**
 * The edge of every handler: a ProblemError becomes its problem+json; a ConfigError (a setting at fault, found
 * when a part of the relay is built on first use) 503 naming the setting, logged once. Unexpected errors are logged as one line
 * (no stack to the caller) and answered 500. Upstream failures never get here: the Scorer answers them as a
 * scoring outcome.
 */
export function toErrorResponse(error: unknown, logger: Logger): RelayResponse {
  if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
  if (error instanceof ConfigError) {
    logConfigurationErrorOnce(error, logger);
    return configurationErrorResponse(error);
  }
  logger.error(`unexpected error: ${error instanceof Error ? `${error.name}: ` : ""}${errorLine(error)}`);
  return problemResponse(
    problem("internal-error", 500, "The relay failed unexpectedly; the error was logged"),
  );
}
