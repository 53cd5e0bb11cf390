/** Parses an upstream answer body (bytes from axios) as JSON; undefined when it is not JSON. */
export function parseJsonBytes(data: unknown): unknown {
  try {
    const text = typeof data === "string" ? data : Buffer.from(data as ArrayBuffer).toString("utf8");
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
