import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";

/**
 * Where `text` stops being JSON and what is wrong there, e.g. `line 3, column 14: comma expected` (1-based), or
 * undefined when it is JSON. Never quotes the text: a setting's JSON may hold a secret.
 */
export function jsonSyntaxError(text: string): string | undefined {
  const errors: ParseError[] = [];
  parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  const first = errors[0];
  if (!first) {
    try {
      JSON.parse(text);
      return undefined;
    } catch {
      // jsonc-parser accepted what JSON.parse refuses (none known); say so without a position.
      return "not JSON";
    }
  }
  const before = text.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = first.offset - (before.lastIndexOf("\n") + 1) + 1;
  const what = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return `line ${line}, column ${column}: ${what}`;
}
