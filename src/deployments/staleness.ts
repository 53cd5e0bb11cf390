import type { CachedRead } from "./cachedRecords";
import { refreshIntervalMs } from "./refreshInterval";

/** Records older than this many refresh intervals (plus slack) are stale: the timer has stopped succeeding. */
const STALE_AFTER_INTERVALS = 3;
const STALE_SLACK_MS = 30_000;

/** How old a record may be before it counts as stale, for a refresh schedule. */
export function staleAfterMs(refreshSchedule: string): number {
  return STALE_AFTER_INTERVALS * refreshIntervalMs(refreshSchedule) + STALE_SLACK_MS;
}

/** Stale: read from memory because storage failed, older than `staleAfter`, or the last refresh failed. */
export function isStale(read: CachedRead, now: number, staleAfter: number): boolean {
  const record = read.record;
  const old = record ? now - Date.parse(record.refreshedAt) > staleAfter : false;
  return read.stale || old || Boolean(record?.lastError);
}
