import { describe, expect, it } from "vitest";
import { CallbackAllowList } from "../../src/deliveries/allowList";
import { messageOf } from "../support/thrown";

const list = CallbackAllowList.parse(
  "crm.example.com, *.shop.example.org,http://127.0.0.1:8080,https://127.0.0.1,http://*.intra.example",
);

function reasonOf(url: string, allowList = list): string {
  const check = allowList.check(url);
  return check.allowed ? "" : check.reason;
}

describe("CALLBACK_ALLOWED_HOSTS", () => {
  it("allows an exact host over https and says it was listed exactly", () => {
    const check = list.check("https://crm.example.com/hooks/churn-scores?tenant=7");
    expect(check).toMatchObject({ allowed: true, exactHost: true });
    expect(check.allowed && check.url.pathname).toBe("/hooks/churn-scores");
  });

  it("compares hosts case-insensitively", () => {
    expect(list.check("https://CRM.Example.COM/x").allowed).toBe(true);
  });

  it("allows any sub-domain of a *.suffix, not the suffix itself, and not as an exact host", () => {
    expect(list.check("https://eu.shop.example.org/h")).toMatchObject({ allowed: true, exactHost: false });
    expect(list.check("https://a.b.shop.example.org/h").allowed).toBe(true);
    expect(reasonOf("https://shop.example.org/h")).toBe(
      "the callback host shop.example.org is not in CALLBACK_ALLOWED_HOSTS",
    );
    expect(reasonOf("https://evilshop.example.org/h")).toContain("not in CALLBACK_ALLOWED_HOSTS");
  });

  it("refuses a host that only looks like a listed one", () => {
    expect(reasonOf("https://crm.example.com.attacker.test/")).toContain("not in CALLBACK_ALLOWED_HOSTS");
    expect(reasonOf("https://attacker.test/?crm.example.com")).toContain("attacker.test is not in");
    expect(list.check("https://crm.example.com@attacker.test/").allowed).toBe(false);
  });

  it("refuses plain HTTP unless the origin is listed with http://", () => {
    expect(reasonOf("http://crm.example.com/h")).toBe(
      "the callback origin http://crm.example.com:80 is not in CALLBACK_ALLOWED_HOSTS (listed for crm.example.com: https://crm.example.com:443)",
    );
    expect(list.check("http://127.0.0.1:8080/h")).toMatchObject({ allowed: true, exactHost: true });
    expect(list.check("https://127.0.0.1/h").allowed).toBe(true);
    expect(list.check("http://a.intra.example/h")).toMatchObject({ allowed: true, exactHost: false });
  });

  it("admits only the listed port: a host-only entry is the scheme's default port", () => {
    expect(list.check("https://crm.example.com:443/h").allowed).toBe(true);
    expect(reasonOf("https://crm.example.com:8443/h")).toContain(
      "origin https://crm.example.com:8443 is not in",
    );
    expect(reasonOf("http://127.0.0.1:9090/h")).toContain("origin http://127.0.0.1:9090 is not in");
    expect(reasonOf("http://127.0.0.1/h")).toContain("origin http://127.0.0.1:80 is not in");
    expect(reasonOf("https://127.0.0.1:8080/h")).toContain("origin https://127.0.0.1:8080 is not in");
    expect(reasonOf("http://a.intra.example:81/h")).toContain("not in");
    const legacy = CallbackAllowList.parse("http://10.1.2.3");
    expect(legacy.check("http://10.1.2.3/h").allowed).toBe(true);
    expect(legacy.check("http://10.1.2.3:80/h").allowed).toBe(true);
    expect(legacy.check("http://10.1.2.3:8080/h").allowed).toBe(false);
    expect(legacy.check("https://10.1.2.3/h").allowed).toBe(false);
  });

  it("admits any port with :* (development), and a listed port over the listed scheme only", () => {
    const any = CallbackAllowList.parse("http://127.0.0.1:*,https://crm.example.com:8443");
    expect(any.check("http://127.0.0.1:1/h").allowed).toBe(true);
    expect(any.check("http://127.0.0.1:65535/h").allowed).toBe(true);
    expect(any.check("https://127.0.0.1:1/h").allowed).toBe(false);
    expect(any.check("https://crm.example.com:8443/h").allowed).toBe(true);
    expect(any.check("https://crm.example.com/h").allowed).toBe(false);
  });

  it("admits only paths under an entry's path prefix, at a segment boundary, after dot segments resolve", () => {
    const hooks = CallbackAllowList.parse("https://crm.example.com/hooks/");
    expect(hooks.check("https://crm.example.com/hooks").allowed).toBe(true);
    expect(hooks.check("https://crm.example.com/hooks/churn?x=1").allowed).toBe(true);
    expect(reasonOf("https://crm.example.com/hooksx", hooks)).toContain("outside the path prefixes");
    expect(reasonOf("https://crm.example.com/hooks/../admin", hooks)).toContain("outside the path prefixes");
    expect(reasonOf("https://crm.example.com/hooks%2F..%2Fadmin", hooks)).toContain(
      "outside the path prefixes",
    );
    expect(reasonOf("https://crm.example.com/", hooks)).not.toContain("/hooks");
  });

  it("refuses 127.0.0.2 when only 127.0.0.1 is listed", () => {
    expect(reasonOf("http://127.0.0.2:8080/h")).toBe(
      "the callback host 127.0.0.2 is not in CALLBACK_ALLOWED_HOSTS",
    );
  });

  it("judges the host as URL parsing normalises it (numeric and hex IPv4 forms are 127.0.0.1)", () => {
    expect(list.check("http://2130706433:8080/h").allowed).toBe(true);
    expect(list.check("http://0x7f.0.0.1:8080/h").allowed).toBe(true);
    expect(reasonOf("http://2130706434/h")).toContain("127.0.0.2");
  });

  it("matches IPv6 literals in their normal form", () => {
    const v6 = CallbackAllowList.parse("http://[0:0:0:0:0:0:0:1]:9000");
    expect(v6.check("http://[::1]:9000/h")).toMatchObject({ allowed: true, exactHost: true });
    expect(v6.check("http://[::ffff:127.0.0.1]:9000/h").allowed).toBe(false);
  });

  it("refuses other schemes, relative URLs and URLs with credentials", () => {
    expect(reasonOf("ftp://crm.example.com/h")).toContain("scheme ftp: is not https");
    expect(reasonOf("file:///etc/passwd")).toContain("scheme file:");
    expect(reasonOf("/hooks")).toBe("the callback URL is not an absolute URL");
    expect(reasonOf("https://user:pw@crm.example.com/h")).toContain("credentials");
  });

  it("refuses everything when the setting is empty or unset", () => {
    expect(CallbackAllowList.parse(undefined).isEmpty).toBe(true);
    expect(CallbackAllowList.parse(" , ").check("https://crm.example.com/").allowed).toBe(false);
  });

  it("reads https://, a port and a path prefix, and a host-only entry as https on 443", () => {
    const entries = CallbackAllowList.parse(
      "https://crm.example.com,crm2.example.com:443,crm3.example.com/hooks",
    );
    expect(entries.check("https://crm.example.com/h").allowed).toBe(true);
    expect(entries.check("https://crm2.example.com/h").allowed).toBe(true);
    expect(entries.check("https://crm3.example.com/hooks/x").allowed).toBe(true);
  });

  it("stops the app on an entry with another scheme, a query, credentials, a bad port or a bare wildcard", () => {
    for (const entry of [
      "ftp://crm.example.com",
      "https://crm.example.com?x=1",
      "https://u:p@crm.example.com",
      "crm.example.com:0",
      "crm.example.com:65536",
      "*",
      "*.",
      "a.*.b",
      "https://*.[::1]",
    ]) {
      expect(
        messageOf(() => CallbackAllowList.parse(entry)),
        entry,
      ).toMatch(/^CALLBACK_ALLOWED_HOSTS has an entry/);
    }
  });
});
