import { expect } from "vitest";
import { type Problem, ProblemError } from "../../src/shared/problem";

/** The message of what `fn` throws; "" when it does not throw. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

/** The problem `fn` throws as a ProblemError; fails the test when it throws nothing or something else. */
export function problemOf(fn: () => unknown): Problem {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProblemError) return error.problem;
    throw error;
  }
  return expect.unreachable("no problem thrown");
}
