import Module from "node:module";
import { coreApi } from "./coreApi";

export const CORE_MODULE_NAME = "@azure/functions-core";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Load };

let installed = false;

/**
 * Makes `require('@azure/functions-core')` return the dev host's core API, as the worker does. Must run
 * before any app file (and so before `@azure/functions`, which looks the module up lazily and caches it).
 */
export function installCoreModule(): void {
  if (installed) return;
  installed = true;
  const originalLoad = moduleInternals._load;
  moduleInternals._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean) {
    if (request === CORE_MODULE_NAME) return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
}
