import type { Logger } from "../shared/logger";
import { ProblemError } from "../shared/problem";
import type { CallbackCheck } from "./allowList";
import { callbackRefused } from "./callbackRefused";

/** Whatever holds the accept-time check of a callback URL (Callbacks); undefined when callbacks are not wired. */
export type CallbackAdmitter = { admit(url: string): CallbackCheck } | undefined;

/** A catalog entry that may push its results: a webhook source or an events entry. */
export interface CallbackOwner {
  name: string;
  callback?: { url: string; secretSetting?: string | undefined };
}

/** What a catalog entry is called in log lines, and its route. */
export interface EntryKind {
  noun: string;
  route: string;
}

export const WEBHOOK_SOURCE: EntryKind = { noun: "webhook source", route: "/api/hooks" };
export const EVENTS_ENTRY: EntryKind = { noun: "events entry", route: "/api/events" };

/** The host (and port) an entry's results are pushed to, for status pages: never the path or query (tokens). */
export function callbackHost(entry: CallbackOwner): string | null {
  return entry.callback ? new URL(entry.callback.url).host : null;
}

function check(admitter: CallbackAdmitter, url: string): CallbackCheck {
  return admitter?.admit(url) ?? { allowed: false, reason: "callbacks are off in this relay" };
}

/** At start: one log line for each entry whose callback is refused now (its requests answer 422 until allowed). */
export function warnRefusedCallbacks(
  kind: EntryKind,
  entries: Iterable<CallbackOwner>,
  admitter: CallbackAdmitter,
  logger: Pick<Logger, "warn">,
): void {
  for (const entry of entries) {
    const result = entry.callback && check(admitter, entry.callback.url);
    if (result && !result.allowed) {
      logger.warn(
        `${kind.noun} ${entry.name}: its callback is refused (${result.reason}); POST ${kind.route}/${entry.name} answers 422 until it is allowed`,
      );
    }
  }
}

/** As each request of an entry with a callback is accepted: a refused URL is 422 `callback-refused`, nothing is scored. */
export function requireAdmittedCallback(
  kind: EntryKind,
  name: string,
  url: string,
  admitter: CallbackAdmitter,
  logger: Pick<Logger, "warn">,
): void {
  const result = check(admitter, url);
  if (result.allowed) return;
  logger.warn(`${kind.noun} ${name}: callback refused, nothing is scored: ${result.reason}`);
  throw new ProblemError(callbackRefused(result.reason));
}
