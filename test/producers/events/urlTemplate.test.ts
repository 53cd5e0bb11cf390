import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileUrlTemplate,
  expandUrlTemplate,
  type UrlTemplate,
} from "../../../src/producers/events/urlTemplate";

const BP =
  "https://my-s4.example.com/sap/opu/odata4/sap/api_business_partner/srvd_a2x/sap/businesspartner/0001/BusinessPartner/{/data/BusinessPartner}";

function compiled(template: string): UrlTemplate {
  const result = compileUrlTemplate(template);
  if (typeof result === "string") throw new Error(result);
  return result;
}

function expand(template: string, event: unknown) {
  return expandUrlTemplate(compiled(template), event);
}

describe("enrichment URL template", () => {
  it("fills a path segment from the event", () => {
    expect(expand(BP, { data: { BusinessPartner: "1000746" } })).toEqual({
      ok: true,
      url: BP.replace("{/data/BusinessPartner}", "1000746"),
    });
  });

  it("fills an OData key inside a segment and a query value; numbers and booleans are written as text", () => {
    const template =
      "https://s4.example.com/odata/A_BusinessPartner('{/data/id}')?$format=json&sap-client={/data/client}&x={/data/flag}";
    expect(expand(template, { data: { id: 42, client: "100", flag: true } })).toEqual({
      ok: true,
      url: "https://s4.example.com/odata/A_BusinessPartner('42')?$format=json&sap-client=100&x=true",
    });
  });

  it.each([
    ["a slash", "1/../../admin", "1%2F..%2F..%2Fadmin"],
    ["a question mark", "1?$top=1000", "1%3F%24top%3D1000"],
    ["a hash", "1#x", "1%23x"],
    ["quotes and brackets", "1') or ('1", "1%27%29%20or%20%28%271"],
    ["a percent sign", "%2e%2e", "%252e%252e"],
  ])("a value with %s stays one path segment", (_name, value, encoded) => {
    const result = expand(BP, { data: { BusinessPartner: value } });
    expect(result).toEqual({ ok: true, url: BP.replace("{/data/BusinessPartner}", encoded) });
    const plain = new URL(BP.replace("{/data/BusinessPartner}", "1000746")).pathname.split("/");
    if (result.ok) expect(new URL(result.url).pathname.split("/")).toHaveLength(plain.length);
  });

  it("a value with & and = stays one query value and adds no key", () => {
    const result = expand("https://h.example/x?id={/id}&$format=json", { id: "1&$format=xml&admin=1" });
    expect(result.ok).toBe(true);
    if (result.ok) {
      const url = new URL(result.url);
      expect([...url.searchParams.keys()]).toEqual(["id", "$format"]);
      expect(url.searchParams.get("id")).toBe("1&$format=xml&admin=1");
      expect(url.searchParams.get("$format")).toBe("json");
    }
  });

  it.each([".", "..", "%2E%2E"])("a value %s that would be a dot segment is refused, not sent", (value) => {
    const result = expand(BP, { data: { BusinessPartner: value } });
    if (value.startsWith("%")) {
      // Encoded again: %252E%252E is an ordinary segment.
      expect(result.ok).toBe(true);
      return;
    }
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining("path") });
  });

  it.each([
    ["missing", {}, "is missing from the event"],
    ["an object", { data: { BusinessPartner: { id: 1 } } }, "is not a string, number or boolean"],
    ["null", { data: { BusinessPartner: null } }, "is not a string, number or boolean"],
    ["empty", { data: { BusinessPartner: "" } }, "is empty"],
    ["a lone surrogate", { data: { BusinessPartner: "\ud800" } }, "is not valid Unicode"],
  ])("a value that is %s is refused", (_name, event, message) => {
    expect(expand(BP, event)).toEqual({ ok: false, pointer: "/data/BusinessPartner", message });
  });

  it.each([
    ["https://{/data/host}/x", "host"],
    ["https://s4.example.com/x?{/data/key}=1", "query key"],
    ["https://user:pw@s4.example.com/x/{/id}", "credentials"],
    ["ftp://s4.example.com/{/id}", "http or https"],
    ["/relative/{/id}", "absolute URL"],
    ["https://s4.example.com/x/{data}", "JSON Pointer"],
    ["https://s4.example.com/x/{/id}#frag", "fragment"],
    ["https://s4.example.com/a b/{/id}", "percent-encoded"],
    ["https://s4.example.com/a/../{/id}", "percent-encoded"],
    ["https://s4.example.com/x/{/id", "unbalanced"],
  ])("the template %s is refused (%s)", (template, reason) => {
    expect(compileUrlTemplate(template)).toEqual(expect.stringContaining(reason));
  });

  it("no value can change the host, the path's segments or the query's keys (10,000 generated)", () => {
    const template = compiled("https://s4.example.com/odata/BP/{/a}/x('{/b}')?k={/c}&$format=json");
    const token = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.constantFrom(
        ".",
        "..",
        "/",
        "?",
        "#",
        "&",
        "=",
        "%2e%2e",
        "%2F",
        "\\",
        "@evil.com",
        "../..",
        ":443",
      ),
    );
    const value = fc.oneof(
      token,
      fc.array(token, { maxLength: 4 }).map((parts) => parts.join("")),
      fc.integer(),
    );
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        const result = expandUrlTemplate(template, { a, b, c });
        if (!result.ok) return;
        const url = new URL(result.url);
        expect(url.host).toBe("s4.example.com");
        const segments = url.pathname.split("/");
        expect(segments.slice(0, 4)).toEqual(["", "odata", "BP", segments[3]]);
        expect(segments).toHaveLength(5);
        expect(decodeURIComponent(segments[3] ?? "")).toBe(String(a));
        expect([...url.searchParams.keys()]).toEqual(["k", "$format"]);
        expect(url.searchParams.get("k")).toBe(String(c));
      }),
      { numRuns: 10_000 },
    );
  });
});

/** A key predicate or $filter operand read as OData reads it: percent-decoded, then `''` is one quote. */
function odataStringLiterals(text: string): string[] {
  const decoded = decodeURIComponent(text);
  return [...decoded.matchAll(/'((?:[^']|'')*)'/g)].map((match) => (match[1] ?? "").replaceAll("''", "'"));
}

describe("enrichment URL template in OData positions", () => {
  const KEY = "https://s4.example.com/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner('{/data/bp}')";
  const FILTER =
    "https://s4.example.com/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner?$filter=SearchTerm1%20eq%20'{/data/term}'&$top=1";

  it("a quote in a key predicate is doubled: the value cannot end the literal or add a key", () => {
    const result = expand(KEY, { data: { bp: "1000746',BusinessPartnerCategory='2" } });
    expect(result).toEqual({
      ok: true,
      url: KEY.replace("{/data/bp}", "1000746%27%27%2CBusinessPartnerCategory%3D%27%272"),
    });
    if (!result.ok) return;
    const segment = new URL(result.url).pathname.split("/").pop() ?? "";
    // One literal, holding the whole value, and nothing after it but the closing parenthesis.
    expect(decodeURIComponent(segment)).toMatch(/^A_BusinessPartner\('(?:[^']|'')*'\)$/);
    expect(odataStringLiterals(segment)).toEqual(["1000746',BusinessPartnerCategory='2"]);
  });

  it("a quote in a $filter operand is doubled: the filter stays one comparison with the value", () => {
    const term = "none' or startswith(SearchTerm1,'A') or 'x";
    const result = expand(FILTER, { data: { term } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const filter = new URL(result.url).searchParams.get("$filter") ?? "";
    expect(filter).toMatch(/^SearchTerm1 eq '(?:[^']|'')*'$/);
    expect(odataStringLiterals(encodeURIComponent(filter))).toEqual([term]);
    expect([...new URL(result.url).searchParams.keys()]).toEqual(["$filter", "$top"]);
  });

  it("%27 in the template opens a literal as ' does", () => {
    const result = expand("https://h.example/E(%27{/k}%27)", { k: "a'b" });
    expect(result).toEqual({ ok: true, url: "https://h.example/E(%27a%27%27b%27)" });
  });

  it.each([
    ["a number", "42", true],
    ["a decimal", "-1.5e3", true],
    ["a GUID", "005056a2-0c4d-1eda-9c8b-1b3a1e0a6b7f", true],
    ["a date", "2026-12-07", true],
    ["true", "true", true],
    ["a property name", "BusinessPartner", false],
    ["an expression", "1 or true", false],
    ["a second key", "1,Category=2", false],
    ["a closing parenthesis", "1)", false],
  ])("unquoted inside a key predicate or a $ option, %s is taken: %s", (_name, value, taken) => {
    for (const template of ["https://h.example/E({/v})", "https://h.example/E?$filter=Id%20eq%20{/v}"]) {
      const result = expand(template, { v: value });
      expect(result.ok).toBe(taken);
      if (!result.ok) expect(result.message).toContain("OData");
    }
  });

  it("outside OData syntax a value is as before: a plain segment or query value keeps its quotes", () => {
    expect(expand("https://h.example/bp/{/v}?sap-client={/v}", { v: "a'b" })).toEqual({
      ok: true,
      url: "https://h.example/bp/a%27b?sap-client=a%27b",
    });
  });

  it("no value inside a literal reads as anything but that literal (10,000 generated)", () => {
    const template = compiled(FILTER.replace("&$top=1", "%20and%20Name%20eq%20'{/data/name}'"));
    const text = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc
        .array(fc.constantFrom("'", "''", " or ", ",", ")", "(", "%27", "&", "="), { maxLength: 6 })
        .map((p) => p.join("")),
    );
    fc.assert(
      fc.property(text, text, (term, name) => {
        const result = expandUrlTemplate(template, { data: { term, name } });
        if (!result.ok) return;
        const filter = new URL(result.url).searchParams.get("$filter") ?? "";
        expect(filter).toMatch(/^SearchTerm1 eq '(?:[^']|'')*' and Name eq '(?:[^']|'')*'$/);
        expect(odataStringLiterals(encodeURIComponent(filter))).toEqual([term, name]);
      }),
      { numRuns: 10_000 },
    );
  });
});
