/** The first line of what was thrown: log lines and problem details stay one line, with no stack. */
export function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "error";
}
