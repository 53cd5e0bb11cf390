import * as z from "zod";
import { ConfigError } from "./configError";

const hours = z
  .string()
  .trim()
  .regex(/^\d+$/, "is not a whole number of hours")
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, "must be at least 1")
      .max(24 * 30, "must be at most 720 (30 days)"),
  );

/** A time to live in whole hours (1 to 720) from setting `name`, in ms; a wrong value is a one-line ConfigError. */
export function ttlHoursSetting(env: NodeJS.ProcessEnv, name: string, fallbackHours: number): number {
  const raw = env[name];
  const parsed = hours.safeParse(raw === undefined || raw.trim() === "" ? String(fallbackHours) : raw);
  if (!parsed.success) {
    throw new ConfigError(`${name} ${parsed.error.issues[0]?.message ?? "is invalid"}`);
  }
  return parsed.data * 3_600_000;
}
