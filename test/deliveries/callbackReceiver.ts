import type { ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";
import { startLoopbackServer } from "../support/loopbackServer";

export const RECEIVER_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answers itself instead (e.g. sends the status line and stops); `status` is what it recorded. */
  custom?: (response: ServerResponse) => void;
}

export interface ReceivedCallback {
  webhookId: string;
  contentType: string;
  /** Whether the standardwebhooks library verified the signature with RECEIVER_SECRET. */
  verified: boolean;
  body: string;
  answeredStatus: number;
  /** Date.now() when the request had arrived in full. */
  arrivedAt: number;
}

/**
 * A producer's callback endpoint: a real loopback HTTP server that verifies every request with the
 * `standardwebhooks` library, as a receiver would, and answers from a script (200 once the script is used up).
 */
export async function startCallbackReceiver(script: ScriptedAnswer[] = [], host = "127.0.0.1") {
  const received: ReceivedCallback[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const webhook = new Webhook(RECEIVER_SECRET);
  const server = await startLoopbackServer(
    (request, response) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value ?? "")]),
      );
      let verified = true;
      try {
        webhook.verify(request.body, headers);
      } catch {
        verified = false;
      }
      const answer = script.shift() ?? { status: 200 };
      received.push({
        webhookId: headers["webhook-id"] ?? "",
        contentType: headers["content-type"] ?? "",
        verified,
        body: request.body,
        answeredStatus: answer.status,
        arrivedAt: Date.now(),
      });
      if (answer.custom) {
        answer.custom(response);
      } else {
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body ?? "");
      }
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
    },
    { host },
  );
  return {
    ...server,
    received,
    /** Resolves once `count` callbacks have arrived. */
    arrived: (count: number) =>
      new Promise<void>((resolve) => {
        if (received.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
}
