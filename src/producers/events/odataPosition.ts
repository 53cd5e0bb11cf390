/**
 * Where an expression of an enrichment URL template stands, as OData reads the URL. OData percent-decodes a URL
 * before parsing it (OASIS odata-abnf-construction-rules: `SQUOTE = "'" / "%27"`, and so on for every
 * punctuation), so percent-encoding a value does not keep it data there:
 * - `string`: inside a string literal `'…'` (a key predicate `A_BusinessPartner('{…}')`, a `$filter` operand
 *   `SearchTerm1 eq '{…}'`). `string = SQUOTE *( SQUOTE-in-string / pchar-no-SQUOTE ) SQUOTE` with
 *   `SQUOTE-in-string = SQUOTE SQUOTE`: the value's quotes are doubled, then it is percent-encoded.
 * - `bare`: outside a literal but inside OData syntax — between the parentheses of a path segment (a key
 *   predicate or function parameters) or in the value of a `$`/`@` query option. Only a primitive literal that
 *   cannot read as syntax may stand there: a number, a GUID, a date or time, true or false.
 * - `plain`: an ordinary path segment or query value; the value is percent-encoded whole.
 */
export type ODataPosition = "plain" | "string" | "bare";

/** `'` or `%27`, `(` or `%28`, `)` or `%29`, `$` or `%24` at `index` of `text`, as OData reads them. */
function charAt(text: string, index: number): { char: string; length: number } {
  const octet = /^%([0-9A-Fa-f]{2})/.exec(text.slice(index, index + 3));
  if (octet?.[1]) {
    const char = String.fromCharCode(Number.parseInt(octet[1], 16));
    if ("'()$@".includes(char)) return { char, length: 3 };
  }
  return { char: text[index] ?? "", length: 1 };
}

/**
 * The position of each expression, given the template's literal texts around them (`literals.length` is the
 * number of expressions + 1). The scan follows quotes (a doubled quote inside a literal toggles twice), parentheses
 * outside quotes, and the query's current option name.
 */
export function odataPositions(literals: readonly string[]): ODataPosition[] {
  const positions: ODataPosition[] = [];
  let inString = false;
  let depth = 0;
  let inQuery = false;
  let optionName = "";
  let inOptionValue = false;
  literals.forEach((literal, part) => {
    for (let index = 0; index < literal.length; ) {
      const { char, length } = charAt(literal, index);
      index += length;
      if (char === "'") {
        inString = !inString;
        continue;
      }
      if (inString) continue;
      if (!inQuery && char === "?" && length === 1) {
        inQuery = true;
        depth = 0;
        continue;
      }
      if (inQuery && char === "&" && length === 1) {
        optionName = "";
        inOptionValue = false;
        depth = 0;
        continue;
      }
      if (inQuery && !inOptionValue) {
        if (char === "=" && length === 1) inOptionValue = true;
        else optionName += char;
        continue;
      }
      if (!inQuery && char === "/") depth = 0;
      else if (char === "(") depth += 1;
      else if (char === ")") depth = Math.max(0, depth - 1);
    }
    if (part === literals.length - 1) return;
    const odataOption = inQuery && (optionName.startsWith("$") || optionName.startsWith("@"));
    positions.push(inString ? "string" : depth > 0 || odataOption ? "bare" : "plain");
  });
  return positions;
}

/** A primitive literal (OData ABNF: decimal/double, guid, date, dateTimeOffset, timeOfDay, boolean). */
const BARE_LITERAL =
  /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?(Z|[+-]\d{2}:\d{2}))?|\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?|true|false)$/;

/** The text to percent-encode for a value at `position`, or undefined when it cannot stand there as data. */
export function odataValue(text: string, position: ODataPosition): string | undefined {
  if (position === "string") return text.replaceAll("'", "''");
  if (position === "bare") return BARE_LITERAL.test(text) ? text : undefined;
  return text;
}
