import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonBody } from "../../src/http/parseJson";
import { problemOf } from "../support/thrown";

const bytes = (text: string) => new TextEncoder().encode(text);

/** JSON nested `depth` levels, with a mix of arrays and objects; `closed: false` leaves it unterminated. */
const nested = fc
  .record({
    depth: fc.oneof(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 33, max: 20_000 }),
      fc.integer({ min: 1, max: 1_000_000 }),
    ),
    kind: fc.constantFrom("array", "object", "mixed"),
    closed: fc.boolean(),
  })
  .map(({ depth, kind, closed }) => {
    const open = (i: number) => (kind === "array" || (kind === "mixed" && i % 2 === 0) ? "[" : '{"a":');
    const close = (i: number) => (kind === "array" || (kind === "mixed" && i % 2 === 0) ? "]" : "}");
    const opens: string[] = [];
    const closes: string[] = [];
    for (let i = 0; i < depth; i++) {
      opens.push(open(i));
      closes.push(close(depth - 1 - i));
    }
    return { depth, text: `${opens.join("")}1${closed ? closes.join("") : ""}`, closed };
  });

describe("JSON nesting", () => {
  it("accepts 32 levels and refuses 33 with a 400", () => {
    expect(parseJsonBody(bytes(`${"[".repeat(32)}${"]".repeat(32)}`))).toBeDefined();
    expect(problemOf(() => parseJsonBody(bytes(`${"[".repeat(33)}${"]".repeat(33)}`)))).toMatchObject({
      status: 400,
      detail: "JSON is nested deeper than 32 levels",
    });
  });

  it("refuses ~9,000 levels in 16 KB with a 400, not a stack overflow", () => {
    const deep = `{"a":${'{"a":'.repeat(3000)}${"[".repeat(6000)}1${"]".repeat(6000)}${"}".repeat(3001)}`;
    expect(problemOf(() => parseJsonBody(bytes(deep))).status).toBe(400);
  });

  it("brackets inside strings do not count", () => {
    expect(parseJsonBody(bytes(`{"a":"${"[{".repeat(100)}"}`))).toEqual({ a: "[{".repeat(100) });
  });

  it("any depth up to 1,000,000 gives a value (<= 32 levels, closed) or a 400 problem, never a crash", () => {
    fc.assert(
      fc.property(nested, ({ depth, text, closed }) => {
        if (depth <= 32 && closed) {
          expect(parseJsonBody(bytes(text))).toBeDefined();
        } else {
          expect(problemOf(() => parseJsonBody(bytes(text))).status).toBe(400);
        }
      }),
      { numRuns: 200 },
    );
  });
});

type Node =
  | { kind: "array"; items: Node[] }
  | { kind: "object"; entries: Array<[string, Node]> }
  | number
  | string
  | boolean
  | null;

/** JSON text of a tree whose objects are lists of [key, value] entries, so that keys may repeat in the text. */
function spell(node: Node): string {
  if (typeof node !== "object" || node === null) return JSON.stringify(node);
  if (node.kind === "array") return `[${node.items.map(spell).join(",")}]`;
  return `{${node.entries.map(([key, value]) => `${JSON.stringify(key)}:${spell(value)}`).join(",")}}`;
}

/** Whether any object of the tree spells a key twice or a `__proto__` key. */
function spellsARepeatedKey(node: Node): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (node.kind === "array") return node.items.some(spellsARepeatedKey);
  const keys = node.entries.map(([key]) => key);
  return (
    keys.includes("__proto__") ||
    new Set(keys).size !== keys.length ||
    node.entries.some(([, value]) => spellsARepeatedKey(value))
  );
}

describe("repeated keys", () => {
  const key = fc.constantFrom("a", "b", "tenure", "__proto__", "a:b", 'q"', "\\", "{");
  const tree = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null)),
      fc.array(tie("node"), { maxLength: 4 }).map((items): Node => ({ kind: "array", items })),
      fc
        .array(fc.tuple(key, tie("node")), { maxLength: 4 })
        .map((entries): Node => ({ kind: "object", entries })),
    ),
  })).node;

  it("a body is refused with a 400 exactly when one of its objects spells a key twice or a __proto__ key", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, tree), { maxLength: 5 }), (entries) => {
        const body: Node = { kind: "object", entries };
        const text = spell(body);
        if (spellsARepeatedKey(body)) expect(problemOf(() => parseJsonBody(bytes(text))).status).toBe(400);
        else expect(parseJsonBody(bytes(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });
});
