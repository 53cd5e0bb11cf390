/** host, IPv4 or [IPv6], with an optional port: what a Host header may hold (RFC 9110 §7.2). */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/** A path and query of characters the WHATWG URL parser keeps as they are (no percent-encoding to add). */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?$/;

/** A segment starting with a dot (also percent-encoded): `.` and `..` are resolved by the parser. */
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/** How many Host headers' origins are remembered: a client sends the same one again and again. */
const ORIGINS_KEPT = 64;

/** What the dev host needs of a request's URL. */
export interface RequestTarget {
  /** The whole URL, as `new URL(...).href` serialises it. */
  href: string;
  pathname: string;
  /** `?query`, or "" without a query (as `URL.search`). */
  search: string;
}

/**
 * Request URLs from an origin-form target (`/path?query`) and the Host header, as `new URL` reads them; undefined
 * when either is malformed. The target is taken as a path, always: `//evil/api/x` is the path `//evil/api/x`, never
 * host evil. Parsing a URL per request costs more than routing it: each Host's origin is parsed once, and a target
 * of plain characters without dot segments is already what the parser would make of it.
 */
export class RequestTargets {
  readonly #origins = new Map<string, string | undefined>();

  /** The origin of `http://<host>`, or undefined for a malformed Host. */
  #origin(host: string): string | undefined {
    if (this.#origins.has(host)) return this.#origins.get(host);
    let origin: string | undefined;
    if (HOST_HEADER.test(host)) {
      try {
        origin = new URL(`http://${host}`).origin;
      } catch {
        origin = undefined;
      }
    }
    if (this.#origins.size >= ORIGINS_KEPT) this.#origins.clear();
    this.#origins.set(host, origin);
    return origin;
  }

  parse(target: string, host: string): RequestTarget | undefined {
    if (!target.startsWith("/")) return undefined;
    const origin = this.#origin(host);
    if (origin === undefined) return undefined;
    if (PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target)) {
      const query = target.indexOf("?");
      if (query === -1) return { href: origin + target, pathname: target, search: "" };
      return {
        href: origin + target,
        pathname: target.slice(0, query),
        search: query === target.length - 1 ? "" : target.slice(query),
      };
    }
    try {
      const { href, pathname, search } = new URL(`${origin}${target}`);
      return { href, pathname, search };
    } catch {
      return undefined;
    }
  }
}
