/** RFC 6901: `~` becomes `~0` and `/` becomes `~1` in each reference token. */
export function toJsonPointer(path: readonly PropertyKey[]): string {
  return path.map((token) => `/${String(token).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}
