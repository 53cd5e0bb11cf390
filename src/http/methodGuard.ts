import { ProblemError, problem } from "../shared/problem";

/** 405 with `Allow` for a method the route does not take (routes accept every method so this can answer). */
export function requireMethod(method: string, allowed: readonly string[]): void {
  if (allowed.includes(method.toUpperCase())) return;
  throw new ProblemError(
    problem(
      "method-not-allowed",
      405,
      `${method.toUpperCase().slice(0, 20)} is not allowed here; use ${allowed.join(", ")}`,
    ),
    { Allow: allowed.join(", ") },
  );
}
