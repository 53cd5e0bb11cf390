/** Retry shape shared by every upstream: 3 retries, 100 ms exponential backoff with jitter, Retry-After up to 10 s. */
export const RETRY = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 2_000, retryAfterCapMs: 10_000 };
