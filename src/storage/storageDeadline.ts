/** Table storage did not answer within STORAGE_TIMEOUT_MS: a storage account that hangs must not hang the relay. */
export class StorageTimeoutError extends Error {
  override readonly name = "StorageTimeoutError";
}

/**
 * Runs one storage operation (however many round trips it makes) under a deadline: the signal aborts what is in
 * flight, and the race answers even if some step ignores the signal (a credential fetch, a queued socket).
 */
export async function withStorageDeadline<T>(
  timeoutMs: number,
  what: string,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StorageTimeoutError(
        `Table storage did not answer (${what}) within ${timeoutMs} ms (STORAGE_TIMEOUT_MS)`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
