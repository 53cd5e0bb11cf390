import http from "node:http";
import https from "node:https";
import { parseRetryAfter } from "../aicore/upstreamError";
import { CallbackAddressRefused, guardedLookup, type ResolveHost, refuseLiteralHost } from "./addressGuard";
import type { AllowedCallback } from "./allowList";
import type { CallbackSigner } from "./callbackSigner";

/**
 * One callback: where, under which id (the result's, the same on every attempt), and the CloudEvent's JSON;
 * `signer` when the endpoint has secrets of its own (else the sender's).
 */
export interface CallbackMessage {
  target: AllowedCallback;
  id: string;
  body: string;
  signer?: CallbackSigner;
}

/** What one attempt came to. `detail` is one line that names the host, never the URL's path or query. */
export type AttemptOutcome =
  | { kind: "delivered"; status: number }
  /** Worth another attempt; `retryAfterMs` when the answer said when (Retry-After). */
  | { kind: "failed"; status?: number; retryAfterMs?: number; detail: string }
  /** 410 Gone: the receiver asks not to be called again. */
  | { kind: "gone"; status: 410; detail: string }
  /** The SSRF guard refused the address: nothing was sent, and nothing will be. */
  | { kind: "refused"; detail: string };

export interface CallbackSenderOptions {
  /** CALLBACK_SIGNING_SECRET's signer; a message without its own and without this one is not sent. */
  signer?: CallbackSigner | undefined;
  /** Whole attempt: connect, answer and the bytes read of it. 15 s, inside Standard Webhooks' 15–30 s. */
  timeoutMs?: number;
  /** Of the receiver's answer body, at most this much is read; the rest is dropped with the connection. */
  maxAnswerBytes?: number;
  /** DNS for callback hosts; tests inject their own so that nothing but loopback is ever resolved. */
  resolve?: ResolveHost;
  now?: () => Date;
}

export const CALLBACK_TIMEOUT_MS = 15_000;
export const MAX_ANSWER_BYTES = 64 * 1024;
export const CALLBACK_CONTENT_TYPE = "application/cloudevents+json";

const agentOptions = { keepAlive: true, maxSockets: 32, keepAliveMsecs: 10_000 };

function statusOutcome(response: http.IncomingMessage, host: string): AttemptOutcome {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  if (status === 410) return { kind: "gone", status, detail: `${host} answered 410 Gone` };
  // Every answer that is retried may say when (RFC 9110 §10.2.3): 429 and 503 most often, but not only them.
  const retryAfterSeconds = parseRetryAfter(response.headers["retry-after"]);
  const when = retryAfterSeconds === undefined ? {} : { retryAfterMs: retryAfterSeconds * 1000 };
  if (status >= 300 && status < 400) {
    return {
      kind: "failed",
      status,
      detail: `${host} answered ${status} (redirects are not followed)`,
      ...when,
    };
  }
  return { kind: "failed", status, detail: `${host} answered ${status}`, ...when };
}

function transportOutcome(error: unknown, host: string, timedOut: boolean): AttemptOutcome {
  if (error instanceof CallbackAddressRefused) return { kind: "refused", detail: error.message };
  if (timedOut) return { kind: "failed", detail: `${host} did not answer in time` };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return { kind: "failed", detail: `${host} could not be reached (${code ?? "network error"})` };
}

/**
 * Makes one attempt of a callback, as a Standard Webhooks sender: signed, POSTed once, only a 2xx counts; a 3xx
 * is a failure and is never followed; Retry-After is read on every retried answer; 410 is `gone`. The address is checked by
 * the SSRF guard and the socket connects to exactly that address. Never throws.
 */
export class CallbackSender {
  private readonly httpAgent = new http.Agent(agentOptions);
  private readonly httpsAgent = new https.Agent(agentOptions);
  private readonly timeoutMs: number;
  private readonly maxAnswerBytes: number;

  constructor(private readonly options: CallbackSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? CALLBACK_TIMEOUT_MS;
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  }

  async send({ target, id, body, signer: own }: CallbackMessage): Promise<AttemptOutcome> {
    const { url, exactHost } = target;
    const host = url.host;
    const signer = own ?? this.options.signer;
    if (!signer)
      return { kind: "refused", detail: "no signing secret for this callback (nothing is sent unsigned)" };
    try {
      refuseLiteralHost(url.hostname, exactHost);
    } catch (error) {
      return transportOutcome(error, host, false);
    }
    const at = (this.options.now ?? (() => new Date()))();
    const payload = Buffer.from(body, "utf8");
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const secure = url.protocol === "https:";
    return new Promise<AttemptOutcome>((resolve) => {
      let outcome: AttemptOutcome | undefined;
      const settle = (value: AttemptOutcome) => {
        outcome ??= value;
        resolve(outcome);
      };
      const request = (secure ? https : http).request(url, {
        method: "POST",
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: guardedLookup(exactHost, this.options.resolve),
        signal: deadline,
        headers: {
          ...signer.sign(id, at, body),
          "content-type": CALLBACK_CONTENT_TYPE,
          "content-length": String(payload.length),
          "user-agent": "aicore-relay-callbacks",
        },
      });
      request.on("response", (response) => {
        // The status decides; the answer is read (up to the limit) only so the connection can be reused.
        outcome = statusOutcome(response, host);
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > this.maxAnswerBytes) response.destroy();
        });
        response.on("end", () => settle(outcome as AttemptOutcome));
        response.on("close", () => settle(outcome as AttemptOutcome));
        response.on("error", () => settle(outcome as AttemptOutcome));
      });
      request.on("error", (error) => settle(transportOutcome(error, host, deadline.aborted)));
      request.end(payload);
    });
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
