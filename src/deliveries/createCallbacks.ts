import type { MessageEncoding } from "../config/hostQueues";
import type { StorageConnection } from "../config/storageConnection";
import type { CallbackCheck } from "./allowList";
import {
  CALLBACK_RECORD_MARGIN_MS,
  CallbackDelivery,
  type CallbackJobs,
  type CallbackProgress,
  type CallbackQueue,
} from "./callbackDelivery";
import { StorageCallbackQueue } from "./callbackQueue";
import type { CallbackRestart } from "./callbackRestart";
import { CallbackSender } from "./callbackSender";
import { type CallbackSettings, loadCallbackSettings } from "./callbackSettings";
import { CallbackSigner } from "./callbackSigner";

/** Result callbacks of one instance: the accept-time check, the first attempt's task, and the delivery of tasks. */
export interface Callbacks {
  settings: CallbackSettings;
  /** Whether a callback to `url` may be accepted now: allowed by CALLBACK_ALLOWED_HOSTS, and a secret to sign with. */
  admit(url: string): CallbackCheck;
  /** Queues the first attempt of a job's callback (after the schedule's first delay). */
  start(jobId: string, url: string): Promise<void>;
  /** The progress a job's record starts with, once its result is recorded: kept until its last attempt can run. */
  initialProgress(now: Date): CallbackProgress;
  /**
   * Delivers a done job's result again (`POST /api/jobs/{id}/callback`): a new series of attempts under the same
   * webhook-id; the tasks of an earlier series stop. Answers why not, when it cannot.
   */
  replay(jobId: string): Promise<CallbackRestart>;
  delivery: CallbackDelivery;
}

/** Where a job's result and its callback's progress are kept (the job store): callbacks read and write no more. */
export interface CallbackRecords {
  callbackSubject(jobId: string, now: Date): ReturnType<CallbackJobs["load"]>;
  recordCallback(jobId: string, progress: CallbackProgress, now: Date): Promise<void>;
  restartCallback(jobId: string, now: Date, keepUntil: Date): Promise<CallbackRestart>;
}

/** A catalog callback with secrets of its own (`callback.secretSetting`): Standard Webhooks' secret per endpoint. */
export interface EndpointSecret {
  url: string;
  setting: string;
}

export interface CallbacksOptions {
  env: NodeJS.ProcessEnv;
  /** Catalog callbacks signed with their own secrets; every other callback with CALLBACK_SIGNING_SECRET's. */
  endpointSecrets?: readonly EndpointSecret[];
  storage: StorageConnection;
  storageTimeoutMs?: number;
  /** host.json `messageEncoding` (the callback queue's trigger decodes with it). */
  messageEncoding: MessageEncoding;
  store: CallbackRecords;
  queue?: CallbackQueue;
  clock?: () => Date;
}

/** The URL as WHATWG parsing writes it, so that a catalog URL and a task's URL compare as strings. */
function normalised(url: string): string {
  return URL.canParse(url) ? new URL(url).href : url;
}

/**
 * Reads the CALLBACK_* settings and each endpoint's own secret setting (a wrong one is a ConfigError) and wires the
 * callback queue to the job store.
 */
export function createCallbacks(options: CallbacksOptions): Callbacks {
  const settings = loadCallbackSettings(options.env);
  const clock = options.clock ?? (() => new Date());
  const { signer, allowList, schedule } = settings;
  const own = new Map(
    (options.endpointSecrets ?? []).map(({ url, setting }) => [
      normalised(url),
      { setting, signer: CallbackSigner.fromSetting(options.env[setting], setting) },
    ]),
  );
  const sender = new CallbackSender({ signer });
  const queue =
    options.queue ??
    new StorageCallbackQueue(options.storage, settings, options.storageTimeoutMs, options.messageEncoding);
  const admit = (url: string): CallbackCheck => {
    const endpoint = own.get(normalised(url));
    if (endpoint && !endpoint.signer) {
      return {
        allowed: false,
        reason: `its signing secret setting ${endpoint.setting} is not set (nothing is sent unsigned)`,
      };
    }
    if (!endpoint && !signer) {
      return {
        allowed: false,
        reason: "callbacks are off: CALLBACK_SIGNING_SECRET is not set (nothing is sent unsigned)",
      };
    }
    return allowList.check(url);
  };
  const delivery = new CallbackDelivery({
    admit,
    send: (message) => {
      const endpoint = own.get(message.target.url.href);
      return sender.send(endpoint?.signer ? { ...message, signer: endpoint.signer } : message);
    },
    schedule,
    queue,
    jobs: {
      load: (jobId) => options.store.callbackSubject(jobId, clock()),
      record: (jobId, progress) => options.store.recordCallback(jobId, progress, clock()),
    },
    now: clock,
  });
  const keepUntil = (now: Date) =>
    new Date(now.getTime() + schedule.remainingMs(0) + CALLBACK_RECORD_MARGIN_MS);
  return {
    settings,
    admit,
    start: (jobId, url) => queue.schedule({ jobId, url, attempt: 1 }, schedule.firstDelayMs),
    initialProgress: (now) => ({ state: "pending", attempts: 0, at: now, keepUntil: keepUntil(now) }),
    replay: async (jobId) => {
      const now = clock();
      const restarted = await options.store.restartCallback(jobId, now, keepUntil(now));
      if (restarted.outcome === "restarted") {
        const { url, series } = restarted;
        await queue.schedule({ jobId, url, attempt: 1, series }, schedule.firstDelayMs);
      }
      return restarted;
    },
    delivery,
  };
}
