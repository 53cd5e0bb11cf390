import { aiApiBaseUrl } from "../config/serviceKey";
import { EVENTS_ENTRY, warnRefusedCallbacks } from "../deliveries/catalogCallbacks";
import { createJobs, type Jobs } from "../jobs/createJobs";
import { loadJobSettings } from "../jobs/jobSettings";
import { parseEventEntries } from "../producers/events/eventCatalog";
import { configureEventEntries, type EventEntry } from "../producers/events/eventEntries";
import { EventIntake } from "../producers/events/eventIntake";
import { eventPreparationStep } from "../producers/events/eventPreparation";
import { createWebhooks } from "../producers/webhooks/createWebhooks";
import { parseSources } from "../producers/webhooks/sourceCatalog";
import type { WebhookReceiver } from "../producers/webhooks/webhookReceiver";
import { findAppRoot } from "../shared/appRoot";
import { RETRY } from "../shared/retryShape";
import type { RelayCore, RelayOptions } from "./relayCore";

/** What the relay builds on first use: everything but predictions (see `Relay.features`). */
export interface RelayFeatures {
  webhooks: WebhookReceiver;
  /** The catalog's events entries, with their enrichment clients. */
  events: ReadonlyMap<string, EventEntry>;
  jobs: Jobs;
  /** `POST /api/events/{name}`: events in, scoring jobs out. */
  eventIntake: EventIntake;
}

export function createRelayFeatures(relay: RelayCore, options: RelayOptions): RelayFeatures {
  const { settings, catalog, scorer } = relay;
  const env = options.env ?? process.env;
  const eventDefinitions = parseEventEntries(catalog);
  // Catalog callbacks that name a signing secret of their own (Standard Webhooks: a secret per endpoint).
  const endpointSecrets = [...parseSources(catalog).values(), ...eventDefinitions.values()].flatMap(
    (entry) =>
      entry.callback?.secretSetting
        ? [{ url: entry.callback.url, setting: entry.callback.secretSetting }]
        : [],
  );
  const events = configureEventEntries(eventDefinitions, env, options.logger, {
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
    recordScope: aiApiBaseUrl(settings.serviceKey),
    scorer,
    env,
    endpointSecrets,
    prepareEvent: eventPreparationStep(events),
  });
  const webhooks = createWebhooks({
    catalog,
    scorer,
    storage: settings.storage,
    storageTimeoutMs: settings.storageTimeoutMs,
    recordScope: aiApiBaseUrl(settings.serviceKey),
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
