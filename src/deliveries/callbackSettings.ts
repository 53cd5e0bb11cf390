import { ConfigError } from "../config/configError";
import { callbackQueueName } from "../config/queueNames";
import { CallbackAllowList } from "./allowList";
import { CallbackSigner } from "./callbackSigner";
import { RetrySchedule } from "./retrySchedule";

export interface CallbackSettings {
  /** `CALLBACK_ALLOWED_HOSTS`; empty: every callback is refused. */
  allowList: CallbackAllowList;
  /** `CALLBACK_SIGNING_SECRET`; undefined while unset: every callback is refused (nothing is sent unsigned). */
  signer: CallbackSigner | undefined;
  /** `CALLBACK_RETRY_SCHEDULE`. */
  schedule: RetrySchedule;
  /** `CALLBACK_QUEUE`, and its dead-letter queue `{CALLBACK_QUEUE}-poison`. */
  queueName: string;
  poisonQueueName: string;
}

// A storage queue name: 3–63 lower-case letters, digits and single hyphens; 56 leaves room for "-poison".
const QUEUE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,55}$/;

/** Reads the callback settings once, at start; a wrong one is a one-line ConfigError naming it, never a secret. */
export function loadCallbackSettings(env: NodeJS.ProcessEnv): CallbackSettings {
  const queueName = callbackQueueName(env);
  if (!QUEUE_NAME.test(queueName)) {
    throw new ConfigError(
      "CALLBACK_QUEUE is not a storage queue name of 3–56 lower-case letters, digits and single hyphens",
    );
  }
  return {
    allowList: CallbackAllowList.parse(env.CALLBACK_ALLOWED_HOSTS),
    signer: CallbackSigner.fromSetting(env.CALLBACK_SIGNING_SECRET),
    schedule: RetrySchedule.parse(env.CALLBACK_RETRY_SCHEDULE),
    queueName,
    poisonQueueName: `${queueName}-poison`,
  };
}
