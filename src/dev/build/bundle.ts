import path from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { findAppRoot } from "../../appRoot";
import { RUNTIME_PACKAGES, WORKER_MODULE } from "./externals";

/**
 * `npm run bundle` (part of `npm run build`): two CommonJS bundles in dist/, each minified with its source map.
 * - dist/app.js, what package.json `main` names: every function's registration (functions/index.ts). The Node
 *   worker loads it with `require` while it indexes the functions, so it holds as little as possible.
 * - dist/handlers.js: the handlers and the relay (src/handlers.ts), which app.js requires on the first invocation.
 * The worker provides `@azure/functions-core` by intercepting `require`, so that module stays a real require
 * (Azure/azure-functions-nodejs-library issue 201); the packages of externals.ts are loaded from node_modules.
 */
const root = findAppRoot(__dirname);
const handlersEntry = path.join(root, "src", "handlers.ts");

/**
 * Every import of src/handlers from the functions becomes `require("./handlers.js")`, the second bundle: the
 * functions' dynamic `import()` of it is bundled as a module of one line that requires it. Left to Node as an
 * `import()`, the 1 MB file would go through the ES module loader, which reads it again to guess its format and
 * scans all of it for its exports (about 170 ms of the first invocation here); `require` only compiles it.
 */
const handlersApart: Plugin = {
  name: "handlers-apart",
  setup(esbuild) {
    esbuild.onResolve({ filter: /(^|\/)handlers(\.js)?$/ }, (args) => {
      if (args.namespace === "handlers-apart") return { path: "./handlers.js", external: true };
      const target = path.resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      return target === handlersEntry ? { path: "handlers", namespace: "handlers-apart" } : undefined;
    });
    esbuild.onLoad({ filter: /.*/, namespace: "handlers-apart" }, () => ({
      contents: 'module.exports = require("./handlers.js");\n',
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

const common: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  mainFields: ["module", "main"],
  // BUNDLE_MINIFY=0 keeps names and lines as written, for a CPU profile that can be read (the README's Benchmarks).
  minify: process.env.BUNDLE_MINIFY !== "0",
  sourcemap: true,
  external: [WORKER_MODULE, ...RUNTIME_PACKAGES],
  // The ESM builds of the storage SDK read import.meta.url, which CommonJS output lacks: give it this file's URL.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: "'use strict';const __bundleUrl=require('node:url').pathToFileURL(__filename).href;" },
  logLevel: "warning",
};

async function main(): Promise<void> {
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(root, "functions", "index.ts")],
      outfile: path.join(root, "dist", "app.js"),
      plugins: [handlersApart, zodEnglishOnly],
    }),
    build({
      ...common,
      entryPoints: [handlersEntry],
      outfile: path.join(root, "dist", "handlers.js"),
      plugins: [zodEnglishOnly, axiosInNodeOnly],
    }),
  ]);
}

main().catch((error: unknown) => {
  console.error(`bundle: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
