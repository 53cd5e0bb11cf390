import { ConfigError } from "./configError";
import { type HostJson, hostSetting, hostSettingName } from "./hostJson";

/**
 * What the relay's own queue writers must agree on with the host's queue extension (QueuesOptions): the encoding
 * the host decodes trigger messages with and encodes output bindings with (`messageEncoding`, default base64), and
 * the attempt that is a message's last (`maxDequeueCount`, default 5). Read from host.json and its app setting
 * override as the host reads them (src/config/hostJson.ts).
 */
export type MessageEncoding = "base64" | "none";

export interface HostQueueSettings {
  messageEncoding: MessageEncoding;
  maxDequeueCount: number;
}

const ENCODING = ["extensions", "queues", "messageEncoding"] as const;
const DEQUEUE = ["extensions", "queues", "maxDequeueCount"] as const;

export function hostQueueSettings(hostJson: HostJson, env: NodeJS.ProcessEnv): HostQueueSettings {
  const encoding = String(hostSetting(hostJson, env, ENCODING) ?? "base64").toLowerCase();
  if (encoding !== "base64" && encoding !== "none") {
    throw new ConfigError(
      `${hostSettingName(ENCODING)} must be "base64" or "none" (or AzureFunctionsJobHost__extensions__queues__messageEncoding)`,
      hostSettingName(ENCODING),
    );
  }
  const rawCount = hostSetting(hostJson, env, DEQUEUE);
  const count = Number(typeof rawCount === "string" ? rawCount.trim() : (rawCount ?? 5));
  if (!Number.isInteger(count) || count < 1) {
    throw new ConfigError(
      `${hostSettingName(DEQUEUE)} must be a whole number of at least 1 (or AzureFunctionsJobHost__extensions__queues__maxDequeueCount)`,
      hostSettingName(DEQUEUE),
    );
  }
  return { messageEncoding: encoding, maxDequeueCount: count };
}

/** A message's text as the host's trigger expects it under `encoding` (what its output binding would write). */
export function encodeMessage(text: string, encoding: MessageEncoding): string {
  return encoding === "base64" ? Buffer.from(text, "utf8").toString("base64") : text;
}
