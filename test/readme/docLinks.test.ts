import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/isolatedApp";

// The README is the entry page and docs/ holds the reference: every relative link between them (and into the
// repository) must lead somewhere, anchors included, and the README must stay short and lead to every page.

const DOCS = path.join(REPO_ROOT, "docs");
const docPages = readdirSync(DOCS)
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);
const pages = ["README.md", ...docPages];

const read = (page: string) => readFileSync(path.join(REPO_ROOT, page), "utf8");

/** The lines of a page with fenced blocks (also those indented in a list) blanked out. */
function withoutFences(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) fence = marker;
    else if (fence !== undefined && marker?.startsWith(fence)) fence = undefined;
    else if (fence === undefined) {
      lines.push(line);
      continue;
    }
    lines.push("");
  }
  return lines;
}

/** The text of a page outside code: fenced blocks and code spans blanked out. */
const prose = (markdown: string) =>
  withoutFences(markdown)
    .map((line) => line.replace(/(`+)[\s\S]*?\1/g, ""))
    .join("\n");

/** The anchors GitHub gives a page's headings (github-slugger: GitHub's own rules, duplicates numbered). */
function anchorsOf(page: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of withoutFences(read(page))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) anchors.add(slugger.slug(heading));
  }
  return anchors;
}

/** Every link target of a page: inline links, images and reference definitions, outside code. */
function linksOf(page: string): string[] {
  const text = prose(read(page));
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1] as string,
  );
  const definitions = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map(
    (m) => m[1] as string,
  );
  return [...inline, ...definitions];
}

const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("//");

describe("README.md and docs/: links", () => {
  it("finds the pages and their links (the extraction itself works)", () => {
    expect(docPages.length).toBeGreaterThanOrEqual(11);
    expect(linksOf("README.md")).toContain("docs/configuration.md");
    // Anchors are GitHub's: code spans and punctuation drop out of the slug.
    expect(anchorsOf("docs/configuration.md")).toContain("model-catalog-modelsjson");
    // A link inside a code span or a fenced block is not a link.
    expect(linksOf("docs/events.md").some((target) => target.includes("localhost"))).toBe(false);
  });

  it.each(pages)("every relative link and anchor of %s resolves", (page) => {
    const broken: string[] = [];
    for (const target of linksOf(page).filter(isRelative)) {
      const [file = "", anchor] = target.split("#", 2);
      const resolved =
        file === "" ? path.join(REPO_ROOT, page) : path.resolve(REPO_ROOT, path.dirname(page), file);
      if (!resolved.startsWith(REPO_ROOT) || !existsSync(resolved)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      const relative = path.relative(REPO_ROOT, resolved);
      if (!statSync(resolved).isFile() || !relative.endsWith(".md")) {
        broken.push(`${target}: an anchor into a file that is not a markdown page`);
      } else if (!anchorsOf(relative).has(decodeURIComponent(anchor))) {
        broken.push(`${target}: ${relative} has no heading with the anchor #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("README.md is an entry page", () => {
  const readme = read("README.md");

  it("has at most 400 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(400);
  });

  it("links every page of docs/", () => {
    const linked = new Set(
      linksOf("README.md")
        .filter(isRelative)
        .map((target) => path.normalize(target.split("#")[0] ?? "")),
    );
    expect(docPages.filter((page) => !linked.has(path.normalize(page)))).toEqual([]);
  });

  it("its Quick start copies the example settings, names the two commands and says how the port is chosen", () => {
    const quickStart = readme.slice(
      readme.indexOf("## Quick start"),
      readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1),
    );
    expect(quickStart).toContain("cp local.settings.example.json local.settings.json");
    expect(quickStart).toContain("npm install && npm start");
    expect(quickStart).toContain("npm test");
    expect(quickStart).toMatch(/7071 is the default port/);
    expect(quickStart).toMatch(/PORT=\d+ npm start/);
    expect(quickStart).toContain("relay ready at");
  });
});
