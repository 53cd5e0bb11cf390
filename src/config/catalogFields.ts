import * as z from "zod";
import { parseOnce } from "../shared/parseOnce";
import type { ModelDefinition } from "./catalog";

/** Names of catalog entries that become route segments (sources, events): letters, digits, `_ . -`, at most 64. */
export const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A field that names an app setting (where a secret or URL lives), never the value itself. */
export const settingName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "is not an app setting name");

export const jsonPointer = z
  .string()
  .regex(/^(\/([^~]|~[01])*)*$/, 'is not a JSON Pointer (RFC 6901): "" or "/a/b", with ~0 and ~1 escapes');

/** `map`: model input field -> pointer; `__proto__` is no field name. */
export const fieldMap = z
  .record(
    z
      .string()
      .min(1)
      .refine((key) => key !== "__proto__", "must not be __proto__"),
    jsonPointer,
  )
  .optional();

/** `callback`: where an entry's results are POSTed, signed; the allow-list is checked at start and per request. */
export const callbackField = z
  .strictObject({
    url: z
      .string()
      .max(2048)
      .refine((url) => URL.canParse(url) && /^https?:/i.test(url), "is not an absolute http(s) URL"),
    /** The app setting of this endpoint's own signing secret(s), instead of CALLBACK_SIGNING_SECRET. */
    secretSetting: settingName.optional(),
  })
  .optional();

/** The fields a model's input schema requires, which a `map` must cover. */
export function requiredFields(model: ModelDefinition): string[] {
  const required = model.input?.required;
  return Array.isArray(required)
    ? required.filter((field): field is string => typeof field === "string")
    : [];
}

/**
 * The named entries of one catalog section (`sources`, `events`), each checked against its schema: a bad name or
 * the first schema issue is `fail(path, message)` with the path from the entry's name down to the field.
 */
export function* parsedEntries<Schema extends z.ZodType>(
  section: Record<string, unknown>,
  schema: Schema,
  noun: string,
  fail: (path: string, message: string) => never,
): Generator<[name: string, entry: z.output<Schema>]> {
  for (const [name, raw] of Object.entries(section)) {
    if (!ENTRY_NAME.test(name)) {
      fail(JSON.stringify(name), `is not a valid ${noun} name (letters, digits, _ . -, at most 64)`);
    }
    const parsed = parseOnce(schema, raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail([name, ...(issue?.path ?? []).map(String)].join("."), issue?.message ?? "is invalid");
    }
    yield [name, parsed.data];
  }
}
