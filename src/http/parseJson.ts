import { visit } from "jsonc-parser";
import { ProblemError, problem } from "./problem";

const MAX_DEPTH = 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(detail: string): ProblemError {
  return new ProblemError(problem("invalid-body", 400, detail));
}

/**
 * Nesting depth, counted without recursion and without parsing: stops at the first bracket beyond MAX_DEPTH, so
 * a body nested a million levels costs one pass up to there and never reaches a recursive walk.
 */
function nestedTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * What JSON.parse lets through but the relay refuses: a key given twice in one object (which value wins is
 * parser folklore), and `__proto__` keys. One scanning pass, over text known to be at most MAX_DEPTH deep.
 */
function structuralProblem(text: string): string | undefined {
  const keysPerObject: Array<Set<string> | undefined> = [];
  let found: string | undefined;
  visit(
    text,
    {
      onObjectBegin: () => {
        keysPerObject.push(new Set());
      },
      onObjectEnd: () => {
        keysPerObject.pop();
      },
      onArrayBegin: () => {
        keysPerObject.push(undefined);
      },
      onArrayEnd: () => {
        keysPerObject.pop();
      },
      onObjectProperty: (key) => {
        const keys = keysPerObject.at(-1);
        if (key === "__proto__") found ??= 'JSON object key "__proto__" is not accepted';
        else if (keys?.has(key))
          found ??= `JSON object key ${JSON.stringify(key.slice(0, 100))} appears twice`;
        keys?.add(key);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
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
  // Before anything walks the text: jsonc-parser's visitor recurses once per level.
  if (nestedTooDeep(text)) throw invalid(`JSON is nested deeper than ${MAX_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  const refused = structuralProblem(text);
  if (refused) throw invalid(refused);
  return value;
}
