import { ConfigError } from "../config/configError";

/**
 * One entry of `CALLBACK_ALLOWED_HOSTS`: an origin (scheme, an exact host or a `*.suffix`, a port) and a path
 * prefix. `port` undefined: any port (`:*`, for development).
 */
interface AllowedOrigin {
  scheme: "https:" | "http:";
  host: string;
  wildcard: boolean;
  port: string | undefined;
  /** `/` for any path; else a prefix that ends at a segment boundary (`/hooks` admits `/hooks` and `/hooks/x`). */
  pathPrefix: string;
}

/** A callback URL the allow-list admits. `exactHost`: listed by name, so its addresses may be private (SSRF guard). */
export interface AllowedCallback {
  allowed: true;
  url: URL;
  exactHost: boolean;
}

export interface RefusedCallback {
  allowed: false;
  /** One line for a problem detail or a job record; names the origin, never a path or a query string. */
  reason: string;
}

export type CallbackCheck = AllowedCallback | RefusedCallback;

const SETTING = "CALLBACK_ALLOWED_HOSTS";
const DEFAULT_PORTS: Record<AllowedOrigin["scheme"], string> = { "https:": "443", "http:": "80" };

/** `[scheme://][*.]host[:port|:*][/path]`; the host is a name, an IPv4 address or a bracketed IPv6 literal. */
const ENTRY =
  /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?(\*\.)?(\[[0-9A-Fa-f:.]+\]|[^/?#@:*\\\s%[\]]+)(?::(\d{1,5}|\*))?(\/[^?#\s]*)?$/;

function invalid(): never {
  throw new ConfigError(
    `${SETTING} has an entry that is not an origin: [https:// or http://][*.]host[:port][/path prefix]`,
  );
}

/**
 * One entry, its host normalised the way WHATWG URL parsing does (lower case, punycode, IPv4 in dotted decimal,
 * IPv6 compressed in brackets), so that it compares as a string with a callback URL's `hostname`; a missing port is
 * the scheme's default, a missing scheme https.
 */
function parseEntry(raw: string): AllowedOrigin {
  const match = ENTRY.exec(raw);
  if (!match) invalid();
  const [, schemeText, star, hostText = "", portText, pathText] = match;
  const scheme = `${(schemeText ?? "https").toLowerCase()}:`;
  if (scheme !== "https:" && scheme !== "http:") invalid();
  const wildcard = star !== undefined;
  if (wildcard && hostText.startsWith("[")) invalid();
  let host: string;
  let pathPrefix: string;
  try {
    const parsed = new URL(`https://${hostText}${pathText ?? "/"}`);
    host = parsed.hostname;
    pathPrefix = parsed.pathname;
  } catch {
    throw new ConfigError(`${SETTING} has an entry that is not a valid host name`);
  }
  if (pathPrefix.length > 1 && pathPrefix.endsWith("/")) pathPrefix = pathPrefix.slice(0, -1);
  let port: string | undefined = DEFAULT_PORTS[scheme];
  if (portText === "*") port = undefined;
  else if (portText !== undefined) {
    const number = Number(portText);
    if (number < 1 || number > 65535) invalid();
    port = String(number);
  }
  return { scheme, host, wildcard, port, pathPrefix };
}

function originText(entry: { scheme: string; host: string; port: string | undefined }): string {
  return `${entry.scheme}//${entry.host}:${entry.port ?? "*"}`;
}

function pathAdmitted(prefix: string, path: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The origins callbacks may go to (`CALLBACK_ALLOWED_HOSTS`), comma-separated: `https://crm.example.com`,
 * `http://10.1.2.3:8080`, `https://*.shop.example.org`, optionally with a path prefix (`https://h/hooks`).
 * A missing scheme is https; a missing port is the scheme's default (a host-only entry `crm.example.com` is
 * `https://crm.example.com:443`; `http://127.0.0.1` is port 80 only); `:*` admits any port. A `*.suffix` is any
 * sub-domain of suffix, not suffix itself. Scheme, host and port must all match one entry, and the path its prefix.
 * Empty: no callback is allowed.
 */
export class CallbackAllowList {
  private constructor(private readonly entries: readonly AllowedOrigin[]) {}

  /** Throws a one-line ConfigError naming the setting when an entry is malformed. */
  static parse(text: string | undefined): CallbackAllowList {
    const entries = (text ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .map(parseEntry);
    return new CallbackAllowList(entries);
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  check(candidate: string): CallbackCheck {
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      return { allowed: false, reason: "the callback URL is not an absolute URL" };
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return { allowed: false, reason: `the callback URL's scheme ${url.protocol} is not https` };
    }
    if (url.username !== "" || url.password !== "") {
      return {
        allowed: false,
        reason: "the callback URL carries credentials (user:password@), which are not sent",
      };
    }
    const host = url.hostname;
    const scheme = url.protocol;
    const port = url.port || DEFAULT_PORTS[scheme];
    const forHost = this.entries.filter((entry) =>
      entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host,
    );
    if (forHost.length === 0) {
      return { allowed: false, reason: `the callback host ${host} is not in ${SETTING}` };
    }
    const forOrigin = forHost.filter(
      (entry) => entry.scheme === scheme && (entry.port === undefined || entry.port === port),
    );
    if (forOrigin.length === 0) {
      const listed = [...new Set(forHost.map(originText))].join(", ");
      return {
        allowed: false,
        reason: `the callback origin ${originText({ scheme, host, port })} is not in ${SETTING} (listed for ${host}: ${listed})`,
      };
    }
    const matches = forOrigin.filter((entry) => pathAdmitted(entry.pathPrefix, url.pathname));
    if (matches.length === 0) {
      return {
        allowed: false,
        reason: `the callback path is outside the path prefixes ${SETTING} lists for ${originText({ scheme, host, port })}`,
      };
    }
    return { allowed: true, url, exactHost: matches.some((entry) => !entry.wildcard) };
  }
}
