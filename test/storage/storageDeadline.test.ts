import { describe, expect, it } from "vitest";
import { StorageTimeoutError, withStorageDeadline } from "../../src/storage/storageDeadline";

describe("storage deadline", () => {
  it("gives up after the budget, aborts the operation, and names the setting", async () => {
    let aborted: AbortSignal | undefined;
    const never = (signal: AbortSignal) => {
      aborted = signal;
      return new Promise<never>(() => {}); // ignores its signal, like a step that cannot be cancelled
    };
    const outcome = withStorageDeadline(20, "read a record", never);
    await expect(outcome).rejects.toBeInstanceOf(StorageTimeoutError);
    await expect(outcome).rejects.toThrow(/read a record.*20 ms \(STORAGE_TIMEOUT_MS\)/);
    expect(aborted?.aborted).toBe(true);
  });

  it("answers what the operation answers in time", async () => {
    await expect(withStorageDeadline(1_000, "read", async () => 42)).resolves.toBe(42);
  });
});
