import { lookupPointer } from "../../shared/jsonPointerLookup";
import { type ODataPosition, odataPositions, odataValue } from "./odataPosition";

type Part = { literal: string } | { pointer: string; position: ODataPosition };

/**
 * An enrichment URL whose `{/json/pointer}` expressions are filled from an event. Built once from the catalog;
 * the host, the path's segments and the query's keys are fixed there, and no value can change them.
 */
export interface UrlTemplate {
  readonly template: string;
  readonly parts: readonly Part[];
  /** Origin, path segment count and query keys of the template, which every expansion must keep. */
  readonly origin: string;
  readonly segments: number;
  readonly queryKeys: readonly string[];
}

export type Expansion = { ok: true; url: string } | { ok: false; pointer: string; message: string };

const EXPRESSION = /\{([^{}]*)\}/g;
const POINTER = /^(\/([^~]|~[01])*)+$/;
const MARK = "zzexprzz";

/** RFC 3986 unreserved characters stay; everything else, `'()*!` included, is percent-encoded. */
export function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function pathAndQuery(url: string): { path: string; query: string } {
  const afterScheme = url.indexOf("//") + 2;
  const pathStart = url.indexOf("/", afterScheme);
  const queryStart = url.indexOf("?");
  const path = pathStart < 0 ? "/" : url.slice(pathStart, queryStart < 0 ? undefined : queryStart);
  return { path, query: queryStart < 0 ? "" : url.slice(queryStart + 1) };
}

/**
 * Compiles a template, or returns why it is not one: an absolute http(s) URL without credentials or fragment,
 * written percent-encoded, whose expressions (RFC 6901 pointers into the event) stand only in the path or in
 * query values.
 */
export function compileUrlTemplate(template: string): UrlTemplate | string {
  const parts: Part[] = [];
  let last = 0;
  let marked = "";
  for (const match of template.matchAll(EXPRESSION)) {
    const pointer = match[1] ?? "";
    if (!POINTER.test(pointer)) {
      return `holds {${pointer.slice(0, 50)}}, which is not a JSON Pointer into the event such as {/data/BusinessPartner}`;
    }
    parts.push({ literal: template.slice(last, match.index) });
    parts.push({ pointer, position: "plain" });
    marked += `${template.slice(last, match.index)}${MARK}`;
    last = match.index + match[0].length;
  }
  parts.push({ literal: template.slice(last) });
  marked += template.slice(last);
  if (/[{}]/.test(marked)) return "has an unbalanced { or }";
  let url: URL;
  try {
    url = new URL(marked);
  } catch {
    return "is not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http or https URL";
  if (url.username || url.password) return "must not carry credentials (use auth)";
  if (marked.includes("#")) return "must not have a fragment";
  if (url.host.includes(MARK)) return "must not take an expression in the host";
  const raw = pathAndQuery(marked);
  if (url.pathname !== raw.path) return "must be written percent-encoded and without . or .. segments";
  const queryKeys = [...url.searchParams.keys()];
  if (queryKeys.some((key) => key.includes(MARK))) return "must not take an expression in a query key";
  const positions = odataPositions(parts.flatMap((part) => ("literal" in part ? [part.literal] : [])));
  const placed = parts.map((part) =>
    "pointer" in part ? { ...part, position: positions.shift() ?? "plain" } : part,
  );
  return { template, parts: placed, origin: url.origin, segments: raw.path.split("/").length, queryKeys };
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Fills the template from `document`. Each value must be a non-empty string, a number or a boolean; it is
 * percent-encoded whole, so `/`, `?`, `&`, `#` in it stay data. Inside an OData string literal its quotes are
 * doubled first; where OData would read a bare value as syntax only a primitive literal is taken (odataPosition).
 * A value that would still move the URL (a `.` or `..` segment, which URL parsers resolve) is refused rather than
 * sent.
 */
export function expandUrlTemplate(template: UrlTemplate, document: unknown): Expansion {
  let url = "";
  for (const part of template.parts) {
    if ("literal" in part) {
      url += part.literal;
      continue;
    }
    const found = lookupPointer(document, part.pointer);
    const text = found.found ? scalarText(found.value) : undefined;
    if (!found.found) return { ok: false, pointer: part.pointer, message: "is missing from the event" };
    if (text === undefined) {
      return { ok: false, pointer: part.pointer, message: "is not a string, number or boolean" };
    }
    if (text === "") return { ok: false, pointer: part.pointer, message: "is empty" };
    const data = odataValue(text, part.position);
    if (data === undefined) {
      return {
        ok: false,
        pointer: part.pointer,
        message:
          "stands unquoted in an OData expression, where only a number, GUID, date, time, true or false is data",
      };
    }
    try {
      url += encodeStrict(data);
    } catch {
      // A lone surrogate (JSON allows one) has no UTF-8 form.
      return { ok: false, pointer: part.pointer, message: "is not valid Unicode" };
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, pointer: "", message: "does not expand to a URL" };
  }
  const raw = pathAndQuery(url);
  const keys = [...parsed.searchParams.keys()];
  const moved =
    parsed.origin !== template.origin ||
    parsed.pathname !== raw.path ||
    raw.path.split("/").length !== template.segments ||
    keys.length !== template.queryKeys.length ||
    keys.some((key, index) => key !== template.queryKeys[index]);
  if (moved) {
    const pointers = template.parts.flatMap((part) => ("pointer" in part ? [part.pointer] : []));
    return {
      ok: false,
      pointer: pointers.join(" "),
      message: "would change the enrichment URL's path (a . or .. segment)",
    };
  }
  return { ok: true, url };
}
