import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RequestTargets } from "../../../src/dev/host/requestTarget";

/** What the dev host read before: the WHATWG parser on `http://<host><target>`. */
function viaUrl(target: string, host: string) {
  try {
    const { href, pathname, search } = new URL(`http://${host}${target}`);
    return { href, pathname, search };
  } catch {
    return undefined;
  }
}

const targetCharacters = [
  ..."abcXYZ019-._~!$&'()*+,;=:@%/?#[]|^\\ \"<>`{}é\u0001",
  "%2e",
  "%2E",
  "..",
  "%41",
];
const target = fc
  .array(fc.constantFrom(...targetCharacters), { maxLength: 24 })
  .map((parts) => `/${parts.join("")}`);
const host = fc.constantFrom("127.0.0.1:7071", "LOCALHOST:80", "example.com", "[::1]:8080", "127.1", "a..b");

describe("RequestTargets: the request URL without parsing every target", () => {
  it("reads every target and Host as new URL does", () => {
    const targets = new RequestTargets();
    fc.assert(
      fc.property(target, host, (t, h) => {
        expect(targets.parse(t, h)).toEqual(viaUrl(t, h));
      }),
      { numRuns: 5000 },
    );
  });

  it("takes //evil/x as a path, and refuses a target that is no path or a malformed Host", () => {
    const targets = new RequestTargets();
    expect(targets.parse("//evil/api/x", "localhost")?.pathname).toBe("//evil/api/x");
    expect(targets.parse("http://evil/api/x", "localhost")).toBeUndefined();
    for (const bad of ["[::1", "a b", "exa%mple.com", "host:port", "[zz]:80"]) {
      expect(targets.parse("/api/x", bad)).toBeUndefined();
    }
  });

  it("resolves dot segments and encodes what the parser encodes", () => {
    const targets = new RequestTargets();
    expect(targets.parse("/api/a/../b?x=1", "h")).toEqual({
      href: "http://h/api/b?x=1",
      pathname: "/api/b",
      search: "?x=1",
    });
    expect(targets.parse("/api/a b?c d", "h")?.href).toBe("http://h/api/a%20b?c%20d");
    expect(targets.parse("/api/x?", "h")).toEqual({
      href: "http://h/api/x?",
      pathname: "/api/x",
      search: "",
    });
  });
});
