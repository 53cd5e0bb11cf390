import { z } from "zod";
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

/** The fields a model's input schema requires, which a `map` must cover. */
export function requiredFields(model: ModelDefinition): string[] {
  const required = model.input?.required;
  return Array.isArray(required)
    ? required.filter((field): field is string => typeof field === "string")
    : [];
}
