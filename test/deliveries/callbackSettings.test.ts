import { describe, expect, it } from "vitest";
import { loadCallbackSettings } from "../../src/deliveries/callbackSettings";
import { messageOf } from "../support/thrown";

describe("callback settings", () => {
  it("defaults: no host allowed, no signer, the Standard Webhooks schedule, queue scoring-callbacks", () => {
    const settings = loadCallbackSettings({});
    expect(settings.allowList.isEmpty).toBe(true);
    expect(settings.signer).toBeUndefined();
    expect(settings.schedule.attempts).toBe(10);
    expect(settings.queueName).toBe("scoring-callbacks");
    expect(settings.poisonQueueName).toBe("scoring-callbacks-poison");
  });

  it("reads every setting", () => {
    const settings = loadCallbackSettings({
      CALLBACK_ALLOWED_HOSTS: "*.crm.example.com,http://127.0.0.1",
      CALLBACK_SIGNING_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      CALLBACK_RETRY_SCHEDULE: "1s,1s,1s",
      CALLBACK_QUEUE: "crm-callbacks",
    });
    expect(settings.allowList.check("https://eu.crm.example.com/h").allowed).toBe(true);
    expect(settings.signer).toBeDefined();
    expect(settings.schedule.delaysMs).toEqual([1000, 1000, 1000]);
    expect(settings.poisonQueueName).toBe("crm-callbacks-poison");
  });

  it("stops the app on a queue name storage would refuse, or one too long for its -poison queue", () => {
    for (const name of ["Callbacks", "cb", "call--backs", "-callbacks", "c".repeat(57)]) {
      expect(
        messageOf(() => loadCallbackSettings({ CALLBACK_QUEUE: name })),
        name,
      ).toMatch(/^CALLBACK_QUEUE is not/);
    }
    expect(loadCallbackSettings({ CALLBACK_QUEUE: "c".repeat(56) }).poisonQueueName).toHaveLength(63);
  });

  it("never prints a secret in its error", () => {
    const message = messageOf(() => loadCallbackSettings({ CALLBACK_SIGNING_SECRET: "whsec_secret!value" }));
    expect(message).toContain("CALLBACK_SIGNING_SECRET");
    expect(message).not.toContain("secret!value");
  });
});
