// Times `require` of the given files in this fresh process, with a stand-in for the worker's
// `@azure/functions-core` (as the Node worker and the dev host provide it), and prints the milliseconds.
const Module = require("node:module");
const path = require("node:path");

const started = process.hrtime.bigint();
const noop = () => ({ dispose() {} });
const core = {
  registerFunction: noop,
  registerHook: noop,
  setProgrammingModel() {},
  getProgrammingModel() {},
  log() {},
  Disposable: class {},
};
const internals = /** @type {{_load: (request: string, parent: unknown, isMain: boolean) => unknown}} */ (
  /** @type {unknown} */ (Module)
);
const load = internals._load;
internals._load = function (request, parent, isMain) {
  return request === "@azure/functions-core" ? core : load.call(this, request, parent, isMain);
};
for (const file of process.argv.slice(2)) require(path.resolve(file));
process.stdout.write(`${Number(process.hrtime.bigint() - started) / 1e6}\n`);
