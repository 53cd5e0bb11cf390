/** The `packages` section of a package-lock.json (lockfile v2/v3): install path -> what that package needs. */
export type LockPackages = Record<
  string,
  {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    dev?: boolean;
    optional?: boolean;
  }
>;

/** Where Node finds `name` required from the package installed at `from` ("" is the app): nearest node_modules up. */
function resolveInstall(packages: LockPackages, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

/**
 * The install paths (as the lock names them) of `roots` and of everything they need, resolved the way Node
 * resolves them: the part of node_modules that the app still loads at run time once the rest is bundled.
 */
export function installClosure(packages: LockPackages, roots: readonly string[]): Set<string> {
  const kept = new Set<string>();
  const pending = roots.map((name) => {
    const install = resolveInstall(packages, "", name);
    if (!install) throw new Error(`${name} is not in package-lock.json`);
    return install;
  });
  while (pending.length > 0) {
    const install = pending.pop() as string;
    if (kept.has(install)) continue;
    kept.add(install);
    const entry = packages[install] ?? {};
    const needs = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies };
    for (const name of Object.keys(needs)) {
      const found = resolveInstall(packages, install, name);
      if (found) pending.push(found);
    }
  }
  return kept;
}
