import { Webhook } from "standardwebhooks";
import { ConfigError } from "../config/configError";
import { isStandardWebhooksSecret, splitSecrets } from "../shared/secrets";

const SETTING = "CALLBACK_SIGNING_SECRET";

/** The Standard Webhooks headers of one attempt. */
export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs callbacks as a Standard Webhooks sender, with the `standardwebhooks` library. A setting holds one or more
 * space-separated `whsec_` secrets (each the base64 of at least 24 bytes, as for inbound sources): every one of them
 * signs, and the signatures go space-delimited in one `webhook-signature` header, as the specification sends them
 * during a rotation — a receiver holding the old or the new secret verifies it, so neither side waits for the other.
 */
export class CallbackSigner {
  private constructor(private readonly webhooks: readonly Webhook[]) {}

  /**
   * Undefined when the setting is unset; throws a ConfigError (never echoing a secret) when a secret is malformed.
   * `setting` names the setting in that error (`CALLBACK_SIGNING_SECRET`, or a catalog entry's own).
   */
  static fromSetting(value: string | undefined, setting = SETTING): CallbackSigner | undefined {
    const webhooks = splitSecrets(value).map((secret) => {
      try {
        if (!isStandardWebhooksSecret(secret)) throw new Error("not whsec_ and base64 of 24 bytes");
        return new Webhook(secret);
      } catch {
        throw new ConfigError(
          `${setting} holds a secret that is not a Standard Webhooks secret (whsec_ and the base64 of at least 24 bytes)`,
        );
      }
    });
    return webhooks.length === 0 ? undefined : new CallbackSigner(webhooks);
  }

  /** `id` is the result's id, the same on every attempt; `at` is the attempt's time. */
  sign(id: string, at: Date, body: string): SignatureHeaders {
    return {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": this.webhooks.map((webhook) => webhook.sign(id, at, body)).join(" "),
    };
  }
}
