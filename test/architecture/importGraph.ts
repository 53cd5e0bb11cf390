import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The project's own import graph, read from the TypeScript sources: every `import … from`, `export … from`,
 * side-effect `import "…"` and dynamic `import("…")`, type-only ones included (a type is a dependency too).
 * Only relative specifiers are followed; packages are not part of the layering.
 */
export interface ImportGraph {
  /** repository-relative file → the repository-relative files it imports */
  edges: Map<string, Set<string>>;
}

const STATIC_SPECIFIER = /(?:^|[\n;])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*["']([^"']+)["']/g;
const SIDE_EFFECT_SPECIFIER = /(?:^|[\n;])\s*import\s*["']([^"']+)["']/g;
const DYNAMIC_SPECIFIER = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(root: string, folder: string): string[] {
  const found: string[] = [];
  const directory = path.join(root, folder);
  if (!existsSync(directory)) return found;
  for (const name of readdirSync(directory)) {
    const relative = path.posix.join(folder, name);
    if (statSync(path.join(root, relative)).isDirectory()) found.push(...sourceFiles(root, relative));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) found.push(relative);
  }
  return found;
}

/** Drops comments so that an example in a comment is not read as an import. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/[^\n]*/g, "$1");
}

export function specifiersOf(source: string): string[] {
  const text = withoutComments(source);
  const specifiers: string[] = [];
  for (const pattern of [STATIC_SPECIFIER, SIDE_EFFECT_SPECIFIER, DYNAMIC_SPECIFIER]) {
    for (const match of text.matchAll(pattern)) specifiers.push(match[1] as string);
  }
  return specifiers;
}

function resolveRelative(root: string, from: string, specifier: string): string {
  const base = path.posix.join(path.posix.dirname(from), specifier).replace(/\.js$/, "");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
    if (existsSync(path.join(root, candidate))) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

export function readImportGraph(root: string, folders: string[]): ImportGraph {
  const edges = new Map<string, Set<string>>();
  for (const file of folders.flatMap((folder) => sourceFiles(root, folder))) {
    const targets = new Set<string>();
    for (const specifier of specifiersOf(readFileSync(path.join(root, file), "utf8"))) {
      if (specifier.startsWith(".")) targets.add(resolveRelative(root, file, specifier));
    }
    edges.set(file, targets);
  }
  return { edges };
}

/** Strongly connected groups of more than one node (Tarjan): each is a circle. */
export function circles(edges: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}
