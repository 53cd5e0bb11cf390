/**
 * A small evaluator of ARM template expressions (`[format('{0}', parameters('x'))]`), enough to read what
 * infra/azuredeploy.json gives the app: parameters (defaults or given values), variables, format, concat, string, take,
 * guid, uniqueString, toLower, resourceGroup(), subscription(), environment() and resourceId /
 * subscriptionResourceId / extensionResourceId. `reference(...)` (a value known only once deployed) answers
 * stand-ins named after the property read, e.g. `<identity clientId>`. An unknown function, parameter or variable
 * throws: the template keeps to what this evaluator (and so the test) understands.
 * The language: https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
 */
export interface Template {
  parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
  variables?: Record<string, unknown>;
  resources: Record<string, unknown>[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

type Value = unknown;

class Parser {
  private at = 0;

  constructor(private readonly text: string) {}

  parse(): Node {
    const node = this.expression();
    this.space();
    if (this.at !== this.text.length)
      throw new Error(`unexpected ${this.text.slice(this.at)} in ${this.text}`);
    return node;
  }

  private space(): void {
    while (this.text[this.at] === " ") this.at++;
  }

  private expression(): Node {
    this.space();
    let node: Node;
    const c = this.text[this.at];
    if (c === "'") node = { kind: "string", value: this.string() };
    else if (c !== undefined && /[0-9-]/.test(c)) {
      const match = /^-?\d+/.exec(this.text.slice(this.at));
      this.at += match?.[0].length ?? 0;
      node = { kind: "number", value: Number(match?.[0]) };
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.at));
      if (!match) throw new Error(`cannot read ${this.text.slice(this.at)}`);
      this.at += match[0].length;
      this.expect("(");
      const args: Node[] = [];
      this.space();
      if (this.text[this.at] !== ")") {
        for (;;) {
          args.push(this.expression());
          this.space();
          if (this.text[this.at] === ",") {
            this.at++;
            continue;
          }
          break;
        }
      }
      this.expect(")");
      node = { kind: "call", name: match[0], args };
    }
    for (;;) {
      if (this.text[this.at] === ".") {
        const match = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(this.text.slice(this.at));
        if (!match?.[1]) throw new Error(`bad property in ${this.text}`);
        this.at += match[0].length;
        node = { kind: "property", of: node, name: match[1] };
      } else return node;
    }
  }

  private string(): string {
    let value = "";
    this.at++;
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined) throw new Error(`unterminated string in ${this.text}`);
      if (c === "'") {
        if (this.text[this.at] === "'") {
          value += "'";
          this.at++;
          continue;
        }
        return value;
      }
      value += c;
    }
  }

  private expect(c: string): void {
    this.space();
    if (this.text[this.at] !== c)
      throw new Error(`expected ${c} at ${this.text.slice(this.at)} in ${this.text}`);
    this.at++;
  }
}

type Node =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "property"; of: Node; name: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class ArmEvaluator {
  constructor(
    private readonly template: Template,
    private readonly given: Record<string, unknown> = {},
  ) {}

  /** Evaluates a template value: strings in brackets as expressions, objects and arrays member by member. */
  value(value: Value): Value {
    if (typeof value === "string") {
      if (value.startsWith("[[")) return value.slice(1);
      if (value.startsWith("[") && value.endsWith("]"))
        return this.node(new Parser(value.slice(1, -1)).parse());
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [String(this.value(k)), this.value(v)]),
      );
    }
    return value;
  }

  parameter(name: string): Value {
    const declared = this.template.parameters?.[name];
    if (!declared) throw new Error(`parameters('${name}') is not declared`);
    if (name in this.given) return this.given[name];
    if (!("defaultValue" in declared)) throw new Error(`parameter ${name} has no default and was not given`);
    return this.value(declared.defaultValue);
  }

  private node(node: Node): Value {
    switch (node.kind) {
      case "string":
      case "number":
        return node.value;
      case "property": {
        const of = this.node(node.of);
        if (typeof of === "string" && of.startsWith("<reference ")) return `${of.slice(0, -1)}.${node.name}>`;
        if (!isObject(of) || !(node.name in of)) throw new Error(`no property ${node.name}`);
        return of[node.name];
      }
      case "call":
        return this.call(
          node.name,
          node.args.map((a) => this.node(a)),
        );
    }
  }

  private call(name: string, args: Value[]): Value {
    const text = (i: number) => String(args[i]);
    switch (name) {
      case "parameters":
        return this.parameter(text(0));
      case "variables": {
        const variables = this.template.variables ?? {};
        if (!(text(0) in variables)) throw new Error(`variables('${text(0)}') is not declared`);
        return this.value(variables[text(0)]);
      }
      case "format":
        return text(0).replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i) + 1]));
      case "string":
        return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
      case "concat":
        return args.map(String).join("");
      case "take":
        return text(0).slice(0, Number(args[1]));
      case "toLower":
        return text(0).toLowerCase();
      case "uniqueString":
        // Deterministic stand-in: 13 lowercase characters, as ARM's.
        return stableHash(args.map(String).join("|")).slice(0, 13);
      case "guid":
        return stableHash(args.map(String).join("|")).slice(0, 32);
      case "resourceGroup":
        return { id: "/subscriptions/sub/resourceGroups/rg", name: "rg", location: "westeurope" };
      case "subscription":
        return { subscriptionId: "sub", tenantId: "tenant" };
      case "environment":
        return { suffixes: { storage: "core.windows.net" } };
      case "resourceId":
      case "subscriptionResourceId":
        return args.map(String).join("/");
      case "extensionResourceId":
        return `${text(0)}/providers/${args.slice(1).map(String).join("/")}`;
      case "reference":
        return `<reference ${text(0)}>`;
      default:
        throw new Error(`the test's evaluator does not know ${name}()`);
    }
  }
}

/** A lowercase base-36 digest (not ARM's hash: only its shape matters here). */
function stableHash(text: string): string {
  let out = "";
  let h = 2166136261;
  for (let round = 0; out.length < 40; round++) {
    for (const c of `${round}${text}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(36);
  }
  return out;
}
