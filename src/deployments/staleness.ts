import type { CachedRead } from "./cachedRecords";
import { refreshIntervalMs } from "./refreshInterval";

/** Records older than this many refresh intervals (plus slack) are stale: the timer has stopped succeeding. */
const STALE_AFTER_INTERVALS = 3;
const STALE_SLACK_MS = 30_000;

/** Why a record may no longer say what AI Core says. */
export type StaleCause = "refresh-failed" | "not-refreshed" | "from-memory";

/** How old a record may be before it counts as stale, for a refresh schedule. */
export function staleAfterMs(refreshSchedule: string): number {
  return STALE_AFTER_INTERVALS * refreshIntervalMs(refreshSchedule) + STALE_SLACK_MS;
}

/**
 * The one meaning of `stale` (health, deployments, status): the last refresh from AI Core failed (`lastError`),
 * or no refresh succeeded for `staleAfter` (3 refresh intervals + 30 s), or storage could not be read and the
 * record is the one this instance held in memory.
 */
export function staleCauses(read: CachedRead, now: number, staleAfter: number): StaleCause[] {
  const record = read.record;
  const causes: StaleCause[] = [];
  if (record?.lastError) causes.push("refresh-failed");
  if (record && now - Date.parse(record.refreshedAt) > staleAfter) causes.push("not-refreshed");
  if (read.stale) causes.push("from-memory");
  return causes;
}

export function isStale(read: CachedRead, now: number, staleAfter: number): boolean {
  return staleCauses(read, now, staleAfter).length > 0;
}
