import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";

/** What a host name resolves to; `dns.lookup` by default, a function of the test's own in tests. */
export type ResolveHost = (hostname: string) => Promise<readonly dns.LookupAddress[]>;

/** The callback's address is one the relay does not connect to. */
export class CallbackAddressRefused extends Error {
  override readonly name = "CallbackAddressRefused";
  readonly code = "ERR_CALLBACK_ADDRESS_REFUSED";
}

const systemResolve: ResolveHost = (hostname) => dns.promises.lookup(hostname, { all: true });

/**
 * The range an address is in, as ipaddr.js names it (`unicast` for a public one; `loopback`, `private`,
 * `linkLocal` — 169.254.169.254 among them —, `uniqueLocal`, `multicast`, `unspecified`, `reserved`, …).
 * An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries.
 */
export function addressRange(address: string): string {
  const unbracketed = address.replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(unbracketed)) return "invalid";
  return ipaddr.process(unbracketed).range();
}

/**
 * Why the relay will not connect to `address`, or undefined when it may. Only public unicast addresses are
 * allowed, unless the host was listed exactly in CALLBACK_ALLOWED_HOSTS (`exactHost`): then a loopback or
 * private address is the operator's choice — but never an unspecified, multicast or broadcast one.
 */
export function refusalOf(address: string, exactHost: boolean): string | undefined {
  const range = addressRange(address);
  if (range === "unicast") return undefined;
  if (exactHost && !["invalid", "unspecified", "multicast", "broadcast"].includes(range)) return undefined;
  return `its address is ${range === "invalid" ? "not an IP address" : `in the ${range} range`}`;
}

/** An IP literal as the URL's host (which `net.connect` does not look up): checked here, before any connection. */
export function refuseLiteralHost(hostname: string, exactHost: boolean): void {
  const unbracketed = hostname.replace(/^\[(.*)\]$/, "$1");
  if (net.isIP(unbracketed) === 0) return;
  const refusal = refusalOf(unbracketed, exactHost);
  if (refusal) throw new CallbackAddressRefused(`the callback host ${hostname} is refused: ${refusal}`);
}

/**
 * A `lookup` for `http.request`/`net.connect`: resolves once, refuses if any resolved address is refused (a
 * name that resolves to a public and a private address is refused whole), and hands the socket exactly the
 * addresses it checked — there is no second lookup between the check and the connection.
 */
export function guardedLookup(exactHost: boolean, resolve: ResolveHost = systemResolve): net.LookupFunction {
  return (hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
    resolve(hostname).then(
      (resolved) => {
        const addresses = resolved.filter((entry) => wanted === undefined || entry.family === wanted);
        const first = addresses[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} resolved to no address`);
          error.code = "ENOTFOUND";
          callback(error, "", 0);
          return;
        }
        for (const { address } of addresses) {
          const refusal = refusalOf(address, exactHost);
          if (refusal) {
            callback(
              new CallbackAddressRefused(`the callback host ${hostname} is refused: ${refusal}`),
              "",
              0,
            );
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}
