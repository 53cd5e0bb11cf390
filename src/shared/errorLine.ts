import { redactSecrets } from "./secretRedaction";

/** The first line of what was thrown, without any credential: log lines and problem details stay one line, with no stack. */
export function errorLine(error: unknown): string {
  return redactSecrets((error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "error");
}
