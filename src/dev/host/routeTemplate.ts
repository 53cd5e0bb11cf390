/**
 * ASP.NET-style route templates as Azure Functions uses them: literal segments (case-insensitive),
 * `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*name}`, and constraints
 * (`{id:int}`, `{x:regex(...)}`), which are accepted and not enforced.
 */

export interface RouteTemplate {
  template: string;
  parameterNames: string[];
  /** Higher is more specific: literal segments first, then required parameters. */
  precedence: number;
  match(path: string): Record<string, string> | undefined;
}

interface Parameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
}

function parseParameter(body: string, template: string): Parameter {
  let text = body.trim();
  let catchAll = false;
  if (text.startsWith("**")) {
    catchAll = true;
    text = text.slice(2);
  } else if (text.startsWith("*")) {
    catchAll = true;
    text = text.slice(1);
  }
  let optional = false;
  if (text.endsWith("?")) {
    optional = true;
    text = text.slice(0, -1);
  }
  let defaultValue: string | undefined;
  const equals = text.indexOf("=");
  if (equals >= 0) {
    defaultValue = text.slice(equals + 1);
    text = text.slice(0, equals);
  }
  const name = (text.split(":")[0] ?? "").trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`route template "${template}" has an invalid parameter "{${body}}"`);
  }
  return { name, optional: optional || catchAll || defaultValue !== undefined, catchAll, defaultValue };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Splits a segment into literal text and `{...}` parameters; braces inside constraints are balanced. */
function tokenize(segment: string, template: string): (string | { body: string })[] {
  const tokens: (string | { body: string })[] = [];
  let literal = "";
  let index = 0;
  while (index < segment.length) {
    const c = segment[index];
    if (c === "{") {
      if (segment[index + 1] === "{") {
        literal += "{";
        index += 2;
        continue;
      }
      let depth = 1;
      let end = index + 1;
      while (end < segment.length && depth > 0) {
        if (segment[end] === "{") depth++;
        else if (segment[end] === "}") depth--;
        end++;
      }
      if (depth !== 0) throw new Error(`route template "${template}" has an unclosed "{"`);
      if (literal) tokens.push(literal);
      literal = "";
      tokens.push({ body: segment.slice(index + 1, end - 1) });
      index = end;
    } else {
      literal += c;
      index++;
    }
  }
  if (literal) tokens.push(literal);
  return tokens;
}

export function compileRoute(template: string): RouteTemplate {
  const segments = template
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter(Boolean);
  const parameters: Parameter[] = [];
  let source = "";
  let precedence = 0;
  for (const segment of segments) {
    const tokens = tokenize(segment, template);
    const only = tokens.length === 1 ? tokens[0] : undefined;
    if (only !== undefined && typeof only !== "string") {
      const parameter = parseParameter(only.body, template);
      parameters.push(parameter);
      const capture = parameter.catchAll ? "(.*)" : "([^/]+)";
      source += parameter.optional ? `(?:/${capture})?` : `/${capture}`;
      precedence += parameter.catchAll ? 0 : parameter.optional ? 1 : 2;
      continue;
    }
    let part = "";
    for (const token of tokens) {
      if (typeof token === "string") {
        part += escapeRegex(token);
      } else {
        const parameter = parseParameter(token.body, template);
        parameters.push({ ...parameter, optional: false });
        part += "([^/]+?)";
      }
    }
    source += `/${part}`;
    precedence += tokens.every((t) => typeof t === "string") ? 4 : 3;
  }
  const regex = new RegExp(`^${source}/?$`, "i");
  return {
    template,
    parameterNames: parameters.map((p) => p.name),
    precedence,
    match(path: string) {
      const normalized = path === "" ? "" : path.startsWith("/") ? path : `/${path}`;
      const match = regex.exec(normalized === "/" ? "" : normalized);
      if (!match) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < parameters.length; i++) {
        const parameter = parameters[i] as Parameter;
        const raw = match[i + 1];
        if (raw !== undefined && raw !== "") {
          params[parameter.name] = raw.includes("%") ? safeDecode(raw) : raw;
        } else if (parameter.defaultValue !== undefined) {
          params[parameter.name] = parameter.defaultValue;
        }
      }
      return params;
    },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
