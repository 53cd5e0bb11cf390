/**
 * The packages the bundles leave outside and load from node_modules at run time: @azure/functions (the library the
 * functions register with: a host that runs functions through it too, like the project's dev host, then evaluates
 * one copy, not a second one inside the bundle; from node_modules it loads as fast as bundled), @azure/identity
 * (identity-based storage only, loaded when used) and swagger-ui-dist (its files are served from the installed
 * package). The worker's own `@azure/functions-core` is external too, but is no package: the worker provides it.
 */
export const RUNTIME_PACKAGES = ["@azure/functions", "@azure/identity", "swagger-ui-dist"] as const;

export const WORKER_MODULE = "@azure/functions-core";
