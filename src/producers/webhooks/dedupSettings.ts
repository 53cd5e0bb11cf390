import { ttlHoursSetting } from "../../config/ttlHoursSetting";

export interface DedupSettings {
  /** How long a delivery's record is honoured (`WEBHOOK_DEDUP_TTL_HOURS`, default 24). */
  ttlMs: number;
}

/** Reads `WEBHOOK_DEDUP_TTL_HOURS`; a wrong value is a one-line ConfigError naming it. */
export function loadDedupSettings(env: NodeJS.ProcessEnv): DedupSettings {
  return { ttlMs: ttlHoursSetting(env, "WEBHOOK_DEDUP_TTL_HOURS", 24) };
}
