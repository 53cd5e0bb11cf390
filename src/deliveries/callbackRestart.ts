/** What a replay of a job's callback came to (`POST /api/jobs/{id}/callback`). */
export type CallbackRestart =
  | { outcome: "restarted"; url: string; series: number }
  | { outcome: "unknown-job" }
  | { outcome: "not-done"; status: "queued" | "running" | "succeeded" | "failed" }
  | { outcome: "no-callback" };
