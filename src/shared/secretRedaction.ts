/**
 * The credentials this process holds, registered where they are read (service key, webhook and callback secrets,
 * enrichment passwords and client secrets) or issued (access tokens), so that any text leaving the relay — an
 * upstream's error body, an error message, a result — is cleaned of them in whichever spelling they travel.
 * Configured secrets stay for the life of the process; issued tokens rotate, and the most recent few are kept.
 */
const MAX_ISSUED = 32;
/** Shorter values would redact ordinary words; no real secret or token is this short. */
const MIN_LENGTH = 8;
const REDACTED = "[redacted]";

const configured = new Set<string>();
const issued: string[] = [];
let pattern: RegExp | undefined;

/** A secret from configuration (client secret, password, signing secret): redacted for the life of the process. */
export function registerSecret(value: string): void {
  if (value.length < MIN_LENGTH || configured.has(value)) return;
  configured.add(value);
  pattern = undefined;
}

/** A token issued to the relay: kept among the most recent MAX_ISSUED (tokens rotate; old ones are dead). */
export function registerIssuedToken(value: string): void {
  if (value.length < MIN_LENGTH || configured.has(value) || issued.includes(value)) return;
  issued.push(value);
  if (issued.length > MAX_ISSUED) issued.shift();
  pattern = undefined;
}

/**
 * An HTTP Basic credential (RFC 7617 `user:password`, or RFC 6749 §2.3.1's form-encoded client id and secret):
 * the password alone and the joined pair, whose base64 is what the `Authorization` header carries.
 */
export function registerBasicCredentials(user: string, password: string): void {
  registerSecret(password);
  registerSecret(`${user}:${password}`);
}

function base64Forms(text: string): string[] {
  const standard = Buffer.from(text, "utf8").toString("base64");
  return [standard, standard.replace(/=+$/, ""), Buffer.from(text, "utf8").toString("base64url")];
}

/** JSON string escaping as JSON.stringify writes it, and as servers that escape `/` or all non-ASCII write it. */
function jsonForms(text: string): string[] {
  const plain = JSON.stringify(text).slice(1, -1);
  const ascii = plain.replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return [plain, plain.replaceAll("/", "\\/"), ascii];
}

/** The spellings a secret takes inside text: as is, base64, and each of those JSON-escaped, URL- or form-encoded. */
export function secretSpellings(secret: string): string[] {
  const forms = new Set<string>();
  for (const base of [secret, ...base64Forms(secret)]) {
    for (const form of [base, ...jsonForms(base)]) forms.add(form);
    try {
      forms.add(encodeURIComponent(base));
      forms.add(encodeURIComponent(base).replace(/%[0-9A-F]{2}/g, (octet) => octet.toLowerCase()));
    } catch {
      // A lone surrogate has no percent-encoding.
    }
    forms.add(new URLSearchParams({ s: base }).toString().slice(2));
  }
  return [...forms].filter((form) => form.length >= MIN_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One alternation of every spelling, longest first (so a longer spelling wins over its own prefix). */
function secretPattern(): RegExp | undefined {
  if (configured.size === 0 && issued.length === 0) return undefined;
  if (!pattern) {
    const spellings = [...new Set([...configured, ...issued].flatMap(secretSpellings))];
    spellings.sort((a, b) => b.length - a.length);
    pattern = new RegExp(spellings.map(escapeRegExp).join("|"), "g");
  }
  return pattern;
}

export function redactSecrets(text: string): string {
  const found = secretPattern();
  return found ? text.replace(found, REDACTED) : text;
}

/**
 * A JSON value with every string in it (member names too) redacted; anything else is returned as it is. Used on
 * what the relay writes out whole: results, job records, callback bodies.
 */
export function redactValue<T>(value: T): T {
  if (!secretPattern()) return value;
  return redactIn(value) as T;
}

function redactIn(value: unknown): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactIn);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([name, member]) => [redactSecrets(name), redactIn(member)]),
    );
  }
  return value;
}
