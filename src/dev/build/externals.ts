/**
 * The packages the bundles leave outside and load from node_modules at run time: @azure/identity (identity-based
 * storage only, loaded when used) and swagger-ui-dist (its files are served from the installed package). The
 * worker's own `@azure/functions-core` is external too, but is no package: the worker provides it.
 */
export const RUNTIME_PACKAGES = ["@azure/identity", "swagger-ui-dist"] as const;

export const WORKER_MODULE = "@azure/functions-core";
