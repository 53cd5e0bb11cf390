import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { CodeCachedModules } from "../../codeCache/codeCachedModules";
import { findAppRoot } from "../../shared/appRoot";
import { RUNTIME_PACKAGES, WORKER_MODULE } from "./externals";

/**
 * `npm run bundle` (part of `npm run build`), each file minified with its source map:
 * - dist/app.js, what package.json `main` names: every function's registration (functions/index.ts), CommonJS. The
 *   Node worker loads it with `require` while it indexes the functions, so it holds as little as possible.
 * - dist/handlers/: the handlers and the relay (src/api/handlers.ts), split at every dynamic `import()`: handlers.js and
 *   the modules it requires hold what a prediction needs; each other handler, and the relay's webhooks, events and
 *   jobs (src/relay/relayFeatures.ts), are modules loaded on their first use. app.js requires handlers.js on the first
 *   invocation.
 * The worker provides `@azure/functions-core` by intercepting `require`, so that module stays a real require
 * (Azure/azure-functions-nodejs-library issue 201); the packages of externals.ts are loaded from node_modules.
 */
const root = findAppRoot(__dirname);
const handlersEntry = path.join(root, "src", "api", "handlers.ts");
const codeCacheLoader = path.join(root, "src", "codeCache", "codeCachedModules.ts");

/**
 * Every import of src/api/handlers from the functions becomes a load of handlers/handlers.js (in a promise), the entry
 * of the split handlers, as CommonJS with the code caches beside it (src/codeCache/codeCachedModules.ts): it compiles
 * only the modules it requires. (Left to Node as an `import()`, its ES module loader would first read the file to
 * guess its format and scan it for its exports.)
 */
const handlersApart: Plugin = {
  name: "handlers-apart",
  setup(esbuild) {
    esbuild.onResolve({ filter: /(^|\/)handlers(\.js)?$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      return target === handlersEntry ? { path: "handlers-entry", namespace: "handlers-entry" } : undefined;
    });
    esbuild.onLoad({ filter: /.*/, namespace: "handlers-entry" }, () => ({
      contents: [
        `const { requireWithCodeCache } = require(${JSON.stringify(codeCacheLoader)});`,
        'module.exports = requireWithCodeCache(require("node:path").join(__dirname, "handlers", "handlers.js"));',
      ].join("\n"),
      resolveDir: root,
      loader: "js",
    }));
  },
};

/**
 * zod's namespace object carries every locale's messages (`z.locales`, about 250 KiB of the bundle to parse on
 * each cold start); the relay uses only English, zod's default. In the bundle, the locale index holds `en` alone.
 */
const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: path.dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * Two parts of axios that the relay never runs, left out of the bundle (5 ms of each cold start): its fetch adapter,
 * which tries `fetch`, `Request` and streams as it loads but is only chosen where no `http` adapter exists (in Node
 * it always does), and form-data, the multipart form class it builds only for `multipart/form-data` bodies or a
 * FileList (the relay sends JSON, URL-encoded forms and bytes; form-data would load mime-db's 136 KB table of media
 * types too). The fetch adapter answers "not available"; the form class is an empty one, of which no body is ever
 * an instance.
 */
const axiosInNodeOnly: Plugin = {
  name: "axios-in-node-only",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]axios[\\/]lib[\\/]adapters[\\/]fetch\.js$/ }, () => ({
      contents: "export const getFetch = () => false;\nexport default false;\n",
      loader: "js",
    }));
    esbuild.onLoad(
      { filter: /[\\/]axios[\\/]lib[\\/]platform[\\/]node[\\/]classes[\\/]FormData\.js$/ },
      () => ({
        contents: "export default class FormData {}\n",
        loader: "js",
      }),
    );
  },
};

/**
 * axios imports Node's `http2` as it loads (4 ms of a cold start), for requests the relay never makes (`httpVersion:
 * 2`). In the bundle axios's `http2` is an object whose first member read loads the module.
 */
const axiosHttp2OnUse: Plugin = {
  name: "axios-http2-on-use",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
      /[\\/]axios[\\/]lib[\\/]/.test(args.importer)
        ? { path: "http2", namespace: "http2-on-use" }
        : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: "http2-on-use" }, () => ({
      contents:
        'export default new Proxy({}, { get: (_, name) => process.getBuiltinModule("node:http2")[name] });\n',
      loader: "js",
    }));
  },
};

/** A read of the global FormData in a package file, and what it becomes in the bundle. */
interface FormDataRead {
  file: RegExp;
  read: string;
  becomes: string;
}

/**
 * The first read of the global `FormData` in a Node process loads Node's whole fetch implementation (undici): about
 * 8 ms of a cold start. axios reads it as it loads, and the Azure SDK's pipeline on every request, each only to
 * tell whether a body is a FormData, which the relay never sends. In the bundle neither reads it before a body
 * tagged `FormData` comes: axios still recognises one by its `append` method and tag, the SDK by its tag and then
 * `instanceof`. Each replaced text must be found as it is, so that an upgrade that changes it fails the build.
 */
const FORM_DATA_READS: FormDataRead[] = [
  {
    file: /[\\/]axios[\\/]lib[\\/]utils\.js$/,
    read: "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
    becomes: "const FormDataCtor = undefined;",
  },
  {
    file: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]formData\.js$/,
    read: 'typeof FormData !== "undefined" && body instanceof FormData',
    becomes:
      'Object.prototype.toString.call(body) === "[object FormData]" && typeof FormData !== "undefined" && body instanceof FormData',
  },
];

const formDataReadOnDemand: Plugin = {
  name: "form-data-read-on-demand",
  setup(esbuild) {
    for (const { file, read, becomes } of FORM_DATA_READS) {
      esbuild.onLoad({ filter: file }, async (args) => {
        const text = await readFile(args.path, "utf8");
        if (!text.includes(read))
          throw new Error(`${args.path} no longer holds \`${read}\`: review this plugin`);
        return { contents: text.replaceAll(read, becomes), loader: "js" };
      });
    }
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  mainFields: ["module", "main"],
  // BUNDLE_MINIFY=0 keeps names and lines as written, for a CPU profile that can be read (docs/benchmarks.md).
  minify: process.env.BUNDLE_MINIFY !== "0",
  sourcemap: true,
  external: [WORKER_MODULE, ...RUNTIME_PACKAGES],
  // The ESM builds of the storage SDK read import.meta.url, which CommonJS output lacks: give it this file's URL.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: "'use strict';const __bundleUrl=require('node:url').pathToFileURL(__filename).href;" },
  logLevel: "warning",
};

/**
 * The handlers, split at each dynamic `import()` (esbuild splits ES modules only), then each module turned into
 * CommonJS beside app.js, in dist/handlers/: a `require` of the modules a prediction needs compiles and evaluates
 * them about 7 ms sooner here than Node's ES module loader does (which also needs `require` and `__dirname` made
 * for the CommonJS packages in them). The second pass reads the first one's source maps, so the final maps lead
 * back to src/ and node_modules/.
 */
async function buildHandlers(outdir: string): Promise<void> {
  const split = await mkdtemp(path.join(tmpdir(), "relay-handlers-"));
  try {
    const first = await build({
      ...common,
      entryPoints: [handlersEntry],
      format: "esm",
      splitting: true,
      outdir: split,
      metafile: true,
      // Left for the second pass, which writes the CommonJS that has `__filename`.
      define: {},
      banner: {},
      plugins: [zodEnglishOnly, axiosInNodeOnly, axiosHttp2OnUse, formDataReadOnDemand],
    });
    const modules = Object.keys(first.metafile.outputs)
      .filter((file) => file.endsWith(".js"))
      .map((file) => path.resolve(file));
    await build({
      ...common,
      bundle: false,
      external: undefined,
      entryPoints: modules,
      outdir,
      // A dynamic import of another module of the handlers becomes a `require` of it (in a promise).
      supported: { "dynamic-import": false },
    });
  } finally {
    await rm(split, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const handlers = path.join(root, "dist", "handlers");
  // Module names carry a hash of their content: no module of an earlier build may stay beside the new ones.
  await rm(handlers, { recursive: true, force: true });
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(root, "functions", "index.ts")],
      outfile: path.join(root, "dist", "app.js"),
      // The handlers' entry is loaded (in a promise) on the first invocation, as CommonJS with its code cache.
      supported: { "dynamic-import": false },
      plugins: [handlersApart, zodEnglishOnly],
    }),
    buildHandlers(handlers),
  ]);
  writeHandlerCodeCaches(handlers);
}

/**
 * V8's code cache beside each handler module, for the Node that builds (src/codeCache/codeCachedModules.ts): every
 * module is loaded, so that the cache holds its evaluation too. Build the package with the Node version the
 * Function App runs: V8 refuses the cache of another version, and the modules are then compiled from source.
 */
function writeHandlerCodeCaches(folder: string): void {
  const modules = new CodeCachedModules(folder);
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith(".js"))
    .sort()) {
    modules.require(path.join(folder, file));
  }
  modules.writeCodeCaches();
}

main().catch((error: unknown) => {
  console.error(`bundle: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
