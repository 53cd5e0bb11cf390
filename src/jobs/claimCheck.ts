import type { MessageEncoding } from "../config/hostQueues";
import { jobLocation } from "./jobLocation";
import type { ResultData, ResultEvent } from "./jobResult";

/**
 * Azure Queue storage holds at most 64 KiB per message, counted after the text is put in the request's XML (where
 * `&`, `<`, `>`, `"` and `'` become entities). A result whose message would be larger is sent as a claim check.
 */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;
/** Room for what the output binding and the SDK may add around the text. */
const QUEUE_MARGIN_BYTES = 1024;

/** Callbacks POST the whole result up to this size; beyond it they POST the claim check. */
export const MAX_CALLBACK_RESULT_BYTES = 1024 * 1024;

/** The bytes of `text` as a queue message body: UTF-8, with XML's five entities counted at their length. */
export function queueMessageBytes(text: string): number {
  let extra = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 38)
      extra += 4; // &amp;
    else if (code === 60 || code === 62)
      extra += 3; // &lt; &gt;
    else if (code === 34 || code === 39) extra += 5; // &quot; &apos;
  }
  return Buffer.byteLength(text) + extra;
}

/**
 * Whether the result goes on the results queue as it is, written as host.json's `messageEncoding` says: as the
 * text itself (`none`), or as base64 of its UTF-8 (`base64`, a third longer, with nothing to escape).
 */
export function fitsQueueMessage(json: string, encoding: MessageEncoding = "none"): boolean {
  const bytes = encoding === "base64" ? Math.ceil(Buffer.byteLength(json) / 3) * 4 : queueMessageBytes(json);
  return bytes <= MAX_QUEUE_MESSAGE_BYTES - QUEUE_MARGIN_BYTES;
}

/**
 * Where the whole result is served: `GET /api/jobs/{id}` of this app. Absolute with the app's host name when Azure
 * names it (WEBSITE_HOSTNAME), a relative reference otherwise (CloudEvents' dataref is a URI-reference).
 */
export function resultReference(jobId: string, hostName: string | undefined): string {
  const path = jobLocation(jobId);
  return hostName ? `https://${hostName}${path}` : path;
}

/**
 * The CloudEvents Claim Check: the same event (same id, type, source, subject, time) whose `data` keeps only the
 * summary — job id, status, model, deployment, attempts, the source event — and whose `dataref` extension points
 * at the whole result.
 */
export function claimCheckEvent(whole: ResultEvent, dataref: string): ResultEvent {
  const { data, ...attributes } = whole;
  const summary: ResultData = {
    jobId: data.jobId,
    model: data.model,
    ...(data.deploymentId === undefined ? {} : { deploymentId: data.deploymentId }),
    status: data.status,
    ...(data.event === undefined ? {} : { event: data.event }),
    attempts: data.attempts,
  };
  return { ...attributes, dataref, data: summary };
}
