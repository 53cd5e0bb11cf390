/**
 * The credentials this process holds (client secrets, the access tokens issued to it), so that any text that came
 * from outside — an upstream's error body, an error message — can be cleaned of them before it reaches a caller or
 * a log, whatever surrounds them. Tokens rotate: the most recent few are kept.
 */
const MAX_KEPT = 32;
/** Shorter values would redact ordinary words; no real secret or token is this short. */
const MIN_LENGTH = 8;
const REDACTED = "[redacted]";

const secrets: string[] = [];

export function registerSecret(value: string): void {
  if (value.length < MIN_LENGTH || secrets.includes(value)) return;
  secrets.push(value);
  if (secrets.length > MAX_KEPT) secrets.shift();
}

/** The spellings a secret takes inside text: as is, JSON-escaped, form- or URL-encoded. */
function spellings(secret: string): string[] {
  const forms = new Set([
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ]);
  return [...forms];
}

export function redactSecrets(text: string): string {
  let clean = text;
  for (const secret of secrets) {
    for (const form of spellings(secret)) {
      if (clean.includes(form)) clean = clean.split(form).join(REDACTED);
    }
  }
  return clean;
}
