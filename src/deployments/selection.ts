import type { AiDeployment } from "../aicore/deploymentSchema";
import { assessUsability } from "./usability";

function time(value: string | null | undefined): number {
  const parsed = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
}

/** Newest first: by startTime, then modifiedAt, then createdAt. */
export function newestFirst(a: AiDeployment, b: AiDeployment): number {
  return (
    time(b.startTime) - time(a.startTime) ||
    time(b.modifiedAt) - time(a.modifiedAt) ||
    time(b.createdAt) - time(a.createdAt)
  );
}

export interface Selection {
  /** The deployment that should answer, or — when none can — the one whose state explains why. */
  deployment: AiDeployment | undefined;
  usable: boolean;
}

/** The newest usable deployment; if none is usable, the most recently changed one, to report its status. */
export function selectDeployment(candidates: readonly AiDeployment[]): Selection {
  const usable = candidates.filter((d) => assessUsability(d).usable).sort(newestFirst);
  if (usable[0]) return { deployment: usable[0], usable: true };
  const byChange = [...candidates].sort(
    (a, b) => time(b.modifiedAt) - time(a.modifiedAt) || newestFirst(a, b),
  );
  return { deployment: byChange[0], usable: false };
}
