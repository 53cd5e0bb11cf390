import { ConfigError } from "../config/configError";

/** One entry of `CALLBACK_ALLOWED_HOSTS`: an exact host or a `*.suffix`, and whether plain HTTP is allowed to it. */
interface AllowedHost {
  host: string;
  wildcard: boolean;
  plainHttp: boolean;
}

/** A callback URL the allow-list admits. `exactHost`: listed by name, so its addresses may be private (SSRF guard). */
export interface AllowedCallback {
  allowed: true;
  url: URL;
  exactHost: boolean;
}

export interface RefusedCallback {
  allowed: false;
  /** One line for a problem detail or a job record; names the host, never a query string. */
  reason: string;
}

export type CallbackCheck = AllowedCallback | RefusedCallback;

const SETTING = "CALLBACK_ALLOWED_HOSTS";

const NOT_A_HOST = /[/?#@:*\\\s%]/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]+\]$/;

/**
 * One entry, with its host normalised the way WHATWG URL parsing does (lower case, punycode, IPv4 in dotted
 * decimal, IPv6 compressed in brackets), so that it compares as a string with a callback URL's `hostname`.
 */
function parseEntry(raw: string): AllowedHost {
  const plainHttp = /^http:\/\//i.test(raw);
  const rest = plainHttp ? raw.slice("http://".length) : raw;
  const wildcard = rest.startsWith("*.");
  const host = wildcard ? rest.slice(2) : rest;
  const ipv6 = IPV6_LITERAL.test(host);
  if (host === "" || (!ipv6 && NOT_A_HOST.test(host)) || (wildcard && ipv6)) {
    throw new ConfigError(
      `${SETTING} has an entry that is not a host, *.suffix or http://host (no other scheme, no port, no path)`,
    );
  }
  try {
    return { host: new URL(`https://${host}/`).hostname, wildcard, plainHttp };
  } catch {
    throw new ConfigError(`${SETTING} has an entry that is not a valid host name`);
  }
}

/**
 * The hosts callbacks may go to (`CALLBACK_ALLOWED_HOSTS`): comma-separated exact hosts or `*.suffix` (any
 * sub-domain of suffix, not suffix itself), each optionally prefixed `http://` to allow plain HTTP to it; every
 * other callback must be `https`. Empty: no callback is allowed.
 */
export class CallbackAllowList {
  private constructor(private readonly entries: readonly AllowedHost[]) {}

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
    const matches = this.entries.filter((entry) =>
      entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host,
    );
    if (matches.length === 0) {
      return { allowed: false, reason: `the callback host ${host} is not in ${SETTING}` };
    }
    if (url.protocol === "http:" && !matches.some((entry) => entry.plainHttp)) {
      return {
        allowed: false,
        reason: `the callback to ${host} must use https (${SETTING} allows plain HTTP only to hosts listed as http://host)`,
      };
    }
    return { allowed: true, url, exactHost: matches.some((entry) => !entry.wildcard) };
  }
}
