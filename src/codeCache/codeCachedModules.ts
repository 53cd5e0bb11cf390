import { readFileSync, writeFileSync } from "node:fs";
import { createRequire, wrap } from "node:module";
import path from "node:path";
import { Script } from "node:vm";

/** Where V8's code cache for a module is kept: beside it. */
export function codeCacheFileOf(moduleFile: string): string {
  return `${moduleFile}.cache`;
}

interface LoadedModule {
  exports: unknown;
  script: Script;
}

function readCodeCache(moduleFile: string): Buffer | undefined {
  try {
    return readFileSync(codeCacheFileOf(moduleFile));
  } catch {
    return undefined;
  }
}

/**
 * CommonJS modules of one folder (the split handlers), compiled with the V8 code cache written beside each one at
 * build time: V8 then skips parsing and compiling what the cache holds, about 20 ms of a cold start's first
 * prediction. A cache V8 refuses (another V8 version or other V8 flags than the build's) costs nothing but its read:
 * the module is compiled from its source, as `require` would. Their requires of each other go through here; any
 * other require (Node's modules, packages) is Node's own, relative to the module.
 */
export class CodeCachedModules {
  readonly #folder: string;
  readonly #loaded = new Map<string, LoadedModule>();
  /** The modules whose cache V8 refused. */
  readonly rejected: string[] = [];
  /** The modules compiled with their cache. */
  readonly accepted: string[] = [];

  constructor(folder: string) {
    this.#folder = path.resolve(folder);
  }

  /** The exports of `file` (a module of the folder), loaded once. */
  require(file: string): unknown {
    const moduleFile = path.resolve(file);
    const loaded = this.#loaded.get(moduleFile);
    if (loaded) return loaded.exports;
    const cachedData = readCodeCache(moduleFile);
    const script = new Script(wrap(readFileSync(moduleFile, "utf8")), { filename: moduleFile, cachedData });
    if (cachedData) (script.cachedDataRejected ? this.rejected : this.accepted).push(moduleFile);
    const module = { exports: {} as unknown };
    // Registered before it runs: a module required again while it loads gets its exports so far, as in CommonJS.
    const record: LoadedModule = { exports: module.exports, script };
    this.#loaded.set(moduleFile, record);
    const nodeRequire = createRequire(moduleFile);
    const requireFromModule = (id: string): unknown => {
      const sibling = id.startsWith("./") ? path.join(path.dirname(moduleFile), id) : undefined;
      return sibling && path.dirname(sibling) === this.#folder ? this.require(sibling) : nodeRequire(id);
    };
    const run = script.runInThisContext() as (...args: unknown[]) => void;
    try {
      run.call(
        module.exports,
        module.exports,
        requireFromModule,
        module,
        moduleFile,
        path.dirname(moduleFile),
      );
    } catch (error) {
      // As `require` does: a module that threw as it loaded is loaded again by the next require.
      this.#loaded.delete(moduleFile);
      throw error;
    }
    record.exports = module.exports;
    return module.exports;
  }

  /**
   * Writes each loaded module's code cache beside it: what V8 compiled of it so far, top level and every function
   * that already ran (the build loads every module first, so that their evaluation is in the cache).
   */
  writeCodeCaches(): void {
    for (const [moduleFile, { script }] of this.#loaded) {
      writeFileSync(codeCacheFileOf(moduleFile), script.createCachedData());
    }
  }
}

let handlerModules: CodeCachedModules | undefined;

/**
 * The exports of `file`, the entry of a folder of modules with code caches (what the functions' bundle loads the
 * handlers with). With source maps on (`--enable-source-maps`), plain `require`: Node maps stack traces through the
 * source maps of the modules it compiles itself, not of scripts compiled with the cache.
 */
export function requireWithCodeCache(file: string): unknown {
  if (process.sourceMapsEnabled) return createRequire(file)(file);
  handlerModules ??= new CodeCachedModules(path.dirname(file));
  return handlerModules.require(file);
}
