import { Webhook } from "standardwebhooks";
import { ConfigError } from "../config/configError";
import { splitSecrets } from "../shared/secrets";

const SETTING = "CALLBACK_SIGNING_SECRET";
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** The Standard Webhooks headers of one attempt. */
export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs callbacks as a Standard Webhooks sender, with the `standardwebhooks` library. `CALLBACK_SIGNING_SECRET`
 * holds one or more space-separated `whsec_` secrets: the first signs; the others are there so that a rotation can
 * be announced (receivers accept the old and the new one while it runs).
 */
export class CallbackSigner {
  private constructor(private readonly webhook: Webhook) {}

  /** Undefined when the setting is unset; throws a ConfigError (never echoing a secret) when a secret is malformed. */
  static fromSetting(value: string | undefined): CallbackSigner | undefined {
    const secrets = splitSecrets(value);
    const webhooks = secrets.map((secret) => {
      try {
        if (!SECRET.test(secret)) throw new Error("not whsec_ and base64");
        return new Webhook(secret);
      } catch {
        throw new ConfigError(
          `${SETTING} holds a secret that is not a Standard Webhooks secret (whsec_ and base64)`,
        );
      }
    });
    const first = webhooks[0];
    return first === undefined ? undefined : new CallbackSigner(first);
  }

  /** `id` is the result's id, the same on every attempt; `at` is the attempt's time. */
  sign(id: string, at: Date, body: string): SignatureHeaders {
    return {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": this.webhook.sign(id, at, body),
    };
  }
}
