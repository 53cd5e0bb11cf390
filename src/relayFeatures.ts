import { findAppRoot } from "./appRoot";
import { EVENTS_ENTRY, warnRefusedCallbacks } from "./callbacks/catalogCallbacks";
import { parseEventEntries } from "./events/eventCatalog";
import { configureEventEntries, type EventEntry } from "./events/eventEntries";
import { EventIntake } from "./events/eventIntake";
import { createJobs, type Jobs } from "./jobs/createJobs";
import { loadJobSettings } from "./jobs/jobSettings";
import type { Relay, RelayOptions } from "./relay";
import { RETRY } from "./retryShape";
import { createWebhooks } from "./webhooks/createWebhooks";
import type { WebhookReceiver } from "./webhooks/webhookReceiver";

/** What the relay builds on first use: everything but predictions (see `Relay.features`). */
export interface RelayFeatures {
  webhooks: WebhookReceiver;
  /** The catalog's events entries, with their enrichment clients. */
  events: ReadonlyMap<string, EventEntry>;
  jobs: Jobs;
  /** `POST /api/events/{name}`: events in, scoring jobs out. */
  eventIntake: EventIntake;
}

export function createRelayFeatures(relay: Omit<Relay, "features">, options: RelayOptions): RelayFeatures {
  const { settings, catalog, scorer } = relay;
  const env = options.env ?? process.env;
  const events = configureEventEntries(parseEventEntries(catalog), env, options.logger, {
    timeoutMs: settings.enrichTimeoutMs,
    policy: {
      ...RETRY,
      deadlineMs: settings.requestDeadlineMs,
      breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
    },
    maxBytes: settings.maxBodyBytes,
  });
  const jobs = createJobs({
    settings: loadJobSettings(env, findAppRoot()),
    storage: settings.storage,
    storageTimeoutMs: settings.storageTimeoutMs,
    scorer,
    env,
    events,
  });
  const webhooks = createWebhooks({
    catalog,
    scorer,
    storage: settings.storage,
    storageTimeoutMs: settings.storageTimeoutMs,
    requestDeadlineMs: settings.requestDeadlineMs,
    env,
    logger: options.logger,
    store: options.deliveryStore,
    jobs: { admit: (url) => jobs.callbacks.admit(url), submit: (job, logger) => jobs.submit(job, logger) },
  });
  warnRefusedCallbacks(EVENTS_ENTRY, events.values(), jobs.callbacks, options.logger);
  const eventIntake = new EventIntake(events, jobs);
  return { webhooks, events, jobs, eventIntake };
}
