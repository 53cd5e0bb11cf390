import path from "node:path";
import { describe, expect, it } from "vitest";
import { circles, readImportGraph, specifiersOf } from "./importGraph";
import { layerOf, MAY_IMPORT } from "./layers";

const root = path.resolve(__dirname, "../..");
const graph = readImportGraph(root, ["src", "functions"]);

function layerEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph.edges) {
    const from = layerOf(file);
    if (from === "dev") continue;
    for (const target of targets) {
      const to = layerOf(target);
      if (to !== from && to !== "dev") {
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)?.add(to);
      }
    }
  }
  return edges;
}

describe("the import graph reader", () => {
  it("reads static, type-only, re-exported, side-effect and dynamic imports, not those in comments", () => {
    const source = [
      'import { a } from "./a";',
      'import type { B } from "../b.js";',
      "import {\n  c,\n  type D,\n} from './c';",
      'export { e } from "./e";',
      'import "./f";',
      'const g = await import("./g.js");',
      '// import { h } from "./h";',
      '/* export * from "./i"; */',
    ].join("\n");
    expect(specifiersOf(source)).toEqual(["./a", "../b.js", "./c", "./e", "./f", "./g.js"]);
  });

  it("finds every circle, and none in a line", () => {
    const edges = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(circles(edges)).toEqual([["a", "b", "c"]]);
    expect(circles(new Map([["a", new Set(["b"])]]))).toEqual([]);
  });
});

describe("one direction of travel (docs/layout.md)", () => {
  it("puts every source file in a folder the rules name", () => {
    const unknown = [...graph.edges.keys()].filter((file) => {
      const layer = layerOf(file);
      return layer !== "dev" && MAY_IMPORT[layer] === undefined;
    });
    expect(unknown).toEqual([]);
  });

  it("imports only what each folder's rule allows", () => {
    const violations: string[] = [];
    for (const [file, targets] of graph.edges) {
      const from = layerOf(file);
      for (const target of targets) {
        const to = layerOf(target);
        if (to === "dev" ? from !== "dev" : from !== "dev" && !MAY_IMPORT[from]?.includes(to)) {
          violations.push(`${file} → ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("has no circle between the folders of src", () => {
    expect(circles(layerEdges())).toEqual([]);
  });

  it("has no circle between files, src/dev included", () => {
    expect(circles(graph.edges)).toEqual([]);
  });
});
