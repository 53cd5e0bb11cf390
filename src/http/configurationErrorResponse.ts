import type { ConfigError } from "../config/configError";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { problem } from "../shared/problem";
import { problemResponse, type RelayResponse } from "./problemResponse";

/** Configuration errors already logged: each is logged once per instance, not once per request. */
const logged = new WeakSet<ConfigError>();

export function logConfigurationErrorOnce(error: ConfigError, logger: Pick<Logger, "error">): void {
  if (logged.has(error)) return;
  logged.add(error);
  logger.error(`configuration error: ${error.message}`);
}

/** 503 problem+json naming the setting at fault; the message never holds a value. */
export function configurationErrorResponse(error: ConfigError): RelayResponse {
  return problemResponse(
    problem("configuration-error", 503, `The relay is not configured correctly: ${errorLine(error)}`, {
      setting: error.setting,
    }),
  );
}
