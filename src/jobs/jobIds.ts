import { createHash } from "node:crypto";

/**
 * Job ids, one namespace per producer, so that no producer can name (claim, block or read) another's job:
 * - `predict:<Idempotency-Key>` (or `predict:<uuid>`) for `Prefer: respond-async`;
 * - `event:<source>#<id>` for `POST /api/events/{entry}`, `%` and `#` in the source percent-encoded, so the first
 *   `#` ends it (a CloudEvent is identified by source and id together);
 * - `webhook:<source name>#<delivery id>` for a webhook source with a callback;
 * - any other id for a queue message: its own `id`, or the message id. A queue message may name one of the
 *   prefixed ids only for a job the relay accepted under it (the producers above accept before they enqueue).
 * An id too long for a table row and a URL is replaced by its producer's prefix and a hash.
 */
export const MAX_JOB_ID_LENGTH = 256;

/** The longest `Idempotency-Key`, and the longest id a queue message may give its job. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

const RESERVED = /^(predict|event|webhook):/;

/** Whether the id lies in the namespace of an HTTP producer (predict, events, webhooks). */
export function isProducerJobId(id: string): boolean {
  return RESERVED.test(id);
}

function withinLength(prefix: string, local: string): string {
  const id = `${prefix}:${local}`;
  if (id.length <= MAX_JOB_ID_LENGTH) return id;
  return `${prefix}:sha256-${createHash("sha256").update(local).digest("hex")}`;
}

/** `%` and `#` percent-encoded: the first `#` of `source#id` is then the separator. */
function sourcePart(source: string): string {
  return source.replaceAll("%", "%25").replaceAll("#", "%23");
}

export function predictJobId(key: string): string {
  return `predict:${key}`;
}

export function eventJobId(source: string, id: string): string {
  return withinLength("event", `${sourcePart(source)}#${id}`);
}

export function webhookJobId(sourceName: string, deliveryId: string): string {
  return withinLength("webhook", `${sourcePart(sourceName)}#${deliveryId}`);
}

/** A structured CloudEvent put on the scoring queue without a job id: its source and id, in the queue's space. */
export function queuedEventJobId(source: string, id: string): string {
  const local = `${sourcePart(source)}#${id}`;
  if (local.length <= MAX_IDEMPOTENCY_KEY_LENGTH && !isProducerJobId(local)) return local;
  return `ce-${createHash("sha256").update(local).digest("hex")}`;
}
