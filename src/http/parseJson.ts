import { visit } from "jsonc-parser";
import { ProblemError, problem } from "../shared/problem";

const MAX_DEPTH = 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(detail: string): ProblemError {
  return new ProblemError(problem("invalid-body", 400, detail));
}

/**
 * One pass over the text, without recursion and without parsing: undefined when it nests deeper than MAX_DEPTH
 * (it stops at the first bracket beyond, so a body nested a million levels never reaches a recursive walk), else
 * the number of colons outside strings — in valid JSON, the number of object members the text spells out.
 */
function scan(text: string): number | undefined {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x3a) members++;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return undefined;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return members;
}

/**
 * Whether the parsed value holds exactly `members` object members and no `__proto__` key: then no key was given
 * twice (JSON.parse keeps one member per key), and the exact search below is not needed. Iterative; the value is
 * at most MAX_DEPTH deep.
 */
function plainlyUnique(value: unknown, members: number): boolean {
  const pending: unknown[] = [value];
  let counted = 0;
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
      continue;
    }
    if (Object.hasOwn(next, "__proto__")) return false;
    for (const key in next) {
      counted++;
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return counted === members;
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
  const members = scan(text);
  if (members === undefined) throw invalid(`JSON is nested deeper than ${MAX_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  // The common case costs a count; only a body with a repeated or `__proto__` key is searched key by key, to name it.
  if (plainlyUnique(value, members)) return value;
  const refused = structuralProblem(text);
  if (refused) throw invalid(refused);
  return value;
}
