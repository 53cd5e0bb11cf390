/** JSON Schema types a string may be coerced to. */
type Target = "number" | "integer" | "boolean";

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function typesOf(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const type = (schema as Record<string, unknown>).type;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
}

/** The type the model's input schema asks of `field` (its property, else additionalProperties), if coercible. */
export function targetType(
  input: Readonly<Record<string, unknown>> | undefined,
  field: string,
): Target | undefined {
  if (!input) return undefined;
  const properties = input.properties;
  const schema =
    typeof properties === "object" && properties !== null && Object.hasOwn(properties, field)
      ? (properties as Record<string, unknown>)[field]
      : input.additionalProperties;
  const types = typesOf(schema);
  if (types.includes("string")) return undefined;
  if (types.includes("integer")) return "integer";
  if (types.includes("number")) return "number";
  if (types.includes("boolean")) return "boolean";
  return undefined;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * A string where the schema asks for a number, an integer or a boolean becomes one when it spells one (JSON number
 * syntax, surrounding spaces allowed; "true"/"false"). Anything else is left as it is for the schema to judge.
 */
export function coerce(value: unknown, target: Target | undefined): Coerced {
  if (typeof value !== "string" || target === undefined) return { ok: true, value };
  const text = value.trim();
  if (target === "boolean") {
    if (text === "true" || text === "false") return { ok: true, value: text === "true" };
    return {
      ok: false,
      message: `is the string ${JSON.stringify(value.slice(0, 50))}, not "true" or "false"`,
    };
  }
  const number = JSON_NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(number)) {
    const wanted = target === "integer" ? "an integer" : "a number";
    return { ok: false, message: `is the string ${JSON.stringify(value.slice(0, 50))}, not ${wanted}` };
  }
  return { ok: true, value: number };
}
