/** True when a `Prefer` header (RFC 7240: comma-separated preferences, tokens case-insensitive) asks respond-async. */
export function prefersRespondAsync(prefer: string | null): boolean {
  if (!prefer) return false;
  return prefer
    .split(",")
    .map((preference) => preference.split(";")[0]?.split("=")[0]?.trim().toLowerCase())
    .includes("respond-async");
}
