import { createHttpClient } from "../../aicore/httpClient";
import { isServerOutage } from "../../aicore/transientFailure";
import { UpstreamPolicy, type UpstreamPolicyOptions } from "../../aicore/upstreamPolicy";
import type { Logger } from "../../shared/logger";
import { Enricher } from "./enricher";
import type { EventDefinition } from "./eventCatalog";
import { createSourceSystemAuth } from "./sourceSystemAuth";

/** A catalog events entry ready to take events. */
export interface EventEntry extends EventDefinition {
  /** The entry's enrichment, when it has one and its settings are set. */
  enricher: Enricher | undefined;
  /** Settings the entry's enrichment names that are unset: its route answers 503 until they are set. */
  unsetSettings: readonly string[];
}

export interface EventEntriesOptions {
  /** Timeout of one call to a source system or its token endpoint. */
  timeoutMs: number;
  /** Retry, deadline and circuit of enrichment calls (the shape AI Core calls use). */
  policy: UpstreamPolicyOptions;
  /** Largest enrichment answer taken. */
  maxBytes: number;
}

/**
 * Reads each entry's enrichment settings once, at start, and builds its client: one keep-alive HTTP client and
 * one policy per entry, so one slow source system opens only its own circuit. An unset setting is logged (one
 * line per entry, naming the settings, never a value).
 */
export function configureEventEntries(
  definitions: ReadonlyMap<string, EventDefinition>,
  env: NodeJS.ProcessEnv,
  logger: Pick<Logger, "warn">,
  options: EventEntriesOptions,
): Map<string, EventEntry> {
  const entries = new Map<string, EventEntry>();
  for (const [name, definition] of definitions) {
    if (!definition.enrich) {
      entries.set(name, { ...definition, enricher: undefined, unsetSettings: [] });
      continue;
    }
    const upstream = `source system of events entry ${name}`;
    const http = createHttpClient({ timeoutMs: options.timeoutMs, maxSockets: 32 });
    const { breaker: _noBreakerForTokens, ...tokenPolicy } = options.policy;
    const auth = createSourceSystemAuth(
      definition.enrich.auth,
      env,
      http,
      new UpstreamPolicy(`token endpoint of events entry ${name}`, tokenPolicy),
      `token endpoint of events entry ${name}`,
    );
    if ("missing" in auth) {
      logger.warn(
        `events entry ${name}: ${auth.missing.join(", ")} not set; POST /api/events/${name} answers 503 until they are`,
      );
      entries.set(name, { ...definition, enricher: undefined, unsetSettings: auth.missing });
      continue;
    }
    // The entry's circuit counts outages of the source system (unreachable, 5xx), not one record's slowness: a
    // key whose GET times out fails its own events, never the other events of the entry.
    const breaker = options.policy.breaker && { ...options.policy.breaker, counts: isServerOutage };
    const enricher = new Enricher(
      definition.enrich.url,
      auth.auth,
      http,
      new UpstreamPolicy(upstream, { ...options.policy, ...(breaker ? { breaker } : {}) }),
      { upstream, maxBytes: options.maxBytes },
    );
    entries.set(name, { ...definition, enricher, unsetSettings: [] });
  }
  return entries;
}
