import type dns from "node:dns";
import type net from "node:net";
import { describe, expect, it } from "vitest";
import {
  addressRange,
  CallbackAddressRefused,
  guardedLookup,
  type ResolveHost,
  refusalOf,
  refuseLiteralHost,
} from "../../src/deliveries/addressGuard";
import { messageOf } from "../support/thrown";

// These tests never resolve a name through DNS and never connect: addresses are literals, lookups are injected.

function resolverOf(addresses: dns.LookupAddress[]) {
  const calls: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    calls.push(hostname);
    return addresses;
  };
  return { resolve, calls };
}

function lookupWith(lookup: net.LookupFunction, hostname: string, options: dns.LookupOptions) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
    lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

describe("SSRF guard: address ranges", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.0.0.2", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["224.0.0.1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["100.64.0.1", "carrierGradeNat"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fd00:ec2::254", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["[::ffff:7f00:1]", "loopback"],
    ["::ffff:a00:1", "private"],
    ["93.184.215.14", "unicast"],
    ["2606:4700::1111", "unicast"],
    ["not-an-address", "invalid"],
  ])("%s is %s", (address, range) => {
    expect(addressRange(address)).toBe(range);
  });

  it("allows public unicast addresses to any allowed host", () => {
    expect(refusalOf("93.184.215.14", false)).toBeUndefined();
  });

  it("refuses loopback, private and link-local addresses unless the host was listed exactly", () => {
    expect(refusalOf("127.0.0.1", false)).toBe("its address is in the loopback range");
    expect(refusalOf("169.254.169.254", false)).toBe("its address is in the linkLocal range");
    expect(refusalOf("::ffff:10.0.0.1", false)).toBe("its address is in the private range");
    expect(refusalOf("127.0.0.1", true)).toBeUndefined();
    expect(refusalOf("10.0.0.1", true)).toBeUndefined();
  });

  it("refuses unspecified, multicast and broadcast addresses even to a host listed exactly", () => {
    for (const address of ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255"]) {
      expect(refusalOf(address, true), address).toMatch(/^its address is in the \w+ range$/);
    }
  });

  it("checks an IP literal host itself, since a socket does not look it up", () => {
    expect(messageOf(() => refuseLiteralHost("[::ffff:7f00:2]", false))).toBe(
      "the callback host [::ffff:7f00:2] is refused: its address is in the loopback range",
    );
    expect(() => refuseLiteralHost("169.254.169.254", false)).toThrow(CallbackAddressRefused);
    expect(() => refuseLiteralHost("127.0.0.1", true)).not.toThrow();
    expect(() => refuseLiteralHost("crm.example.com", false)).not.toThrow();
  });
});

describe("SSRF guard: the lookup a socket connects through", () => {
  it("hands the socket the addresses it checked, resolving once", async () => {
    const { resolve, calls } = resolverOf([{ address: "127.0.0.1", family: 4 }]);
    const lookup = guardedLookup(true, resolve);
    expect(await lookupWith(lookup, "receiver.test", {})).toEqual({
      error: null,
      address: "127.0.0.1",
      family: 4,
    });
    expect(await lookupWith(lookup, "receiver.test", { all: true })).toMatchObject({
      error: null,
      address: [{ address: "127.0.0.1", family: 4 }],
    });
    expect(calls).toEqual(["receiver.test", "receiver.test"]);
  });

  it("refuses a name that resolves to the metadata address", async () => {
    const { resolve } = resolverOf([{ address: "169.254.169.254", family: 4 }]);
    const { error } = await lookupWith(guardedLookup(false, resolve), "metadata.attacker.test", {});
    expect(error).toBeInstanceOf(CallbackAddressRefused);
    expect(error?.message).toBe(
      "the callback host metadata.attacker.test is refused: its address is in the linkLocal range",
    );
  });

  it("refuses a name whole when any of its addresses is refused", async () => {
    const { resolve } = resolverOf([
      { address: "93.184.215.14", family: 4 },
      { address: "::ffff:10.0.0.7", family: 6 },
    ]);
    const { error } = await lookupWith(guardedLookup(false, resolve), "mixed.attacker.test", { all: true });
    expect(error).toBeInstanceOf(CallbackAddressRefused);
  });

  it("keeps only the family the socket asked for", async () => {
    const { resolve } = resolverOf([
      { address: "::1", family: 6 },
      { address: "127.0.0.1", family: 4 },
    ]);
    expect(await lookupWith(guardedLookup(true, resolve), "receiver.test", { family: 4 })).toMatchObject({
      address: "127.0.0.1",
      family: 4,
    });
  });

  it("passes a resolution failure on, and treats an empty answer as not found", async () => {
    const failing: ResolveHost = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    };
    expect((await lookupWith(guardedLookup(false, failing), "nowhere.test", {})).error?.code).toBe(
      "ENOTFOUND",
    );
    const empty = resolverOf([]).resolve;
    expect((await lookupWith(guardedLookup(false, empty), "empty.test", {})).error?.code).toBe("ENOTFOUND");
  });
});
