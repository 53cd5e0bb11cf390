import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { EmulatorRequest } from "./httpTypes";

/** Far above anything the relay sends (its own limit is 1 MiB); guards the emulator, nothing more. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export class RequestTooLargeError extends Error {}

function readBody(raw: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new RequestTooLargeError(`Request body over ${MAX_REQUEST_BYTES} bytes`));
        raw.destroy();
        return;
      }
      chunks.push(chunk);
    });
    raw.on("end", () => resolve(Buffer.concat(chunks)));
    raw.on("error", reject);
  });
}

/** Reads the whole request into an EmulatorRequest. */
export async function readRequest(raw: IncomingMessage): Promise<EmulatorRequest> {
  const url = new URL(raw.url ?? "/", "http://emulator.invalid");
  return {
    method: (raw.method ?? "GET").toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    headers: raw.headers,
    body: await readBody(raw),
    requestId: randomUUID(),
    raw,
  };
}
