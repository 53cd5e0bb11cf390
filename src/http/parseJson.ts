import { ProblemError, problem } from "./problem";

const MAX_DEPTH = 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(detail: string): ProblemError {
  return new ProblemError(problem("invalid-body", 400, detail));
}

/** Rejects nesting deeper than MAX_DEPTH and keys that name Object.prototype's machinery. */
function checkShape(root: unknown): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (value === null || typeof value !== "object") continue;
    if (depth > MAX_DEPTH) throw invalid(`JSON is nested deeper than ${MAX_DEPTH} levels`);
    const children = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value) && Object.hasOwn(value, "__proto__")) {
      throw invalid('JSON object key "__proto__" is not accepted');
    }
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
}

/** Decodes strict UTF-8 and parses JSON; every failure is a 400 problem that says what was wrong. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw invalid("The request body is empty; send a JSON object");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalid("The request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  checkShape(value);
  return value;
}
