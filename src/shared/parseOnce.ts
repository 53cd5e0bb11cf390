import type * as z from "zod";

/**
 * `schema.safeParse(value)` for a value parsed once or rarely (a setting, the catalog, a token or deployment list
 * answer): without zod's generated fast path, which costs more to compile than one parse saves (cold start). The hot
 * path (a prediction's input) keeps it.
 */
export function parseOnce<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.ZodSafeParseResult<z.output<Schema>> {
  return schema.safeParse(value, { jitless: true });
}
