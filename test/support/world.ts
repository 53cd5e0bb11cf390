import { readFileSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { type Catalog, parseCatalog } from "../../src/config/catalog";
import { type RunningAzurite, startAzurite } from "./azurite";
import { type EmulatorProcess, startEmulatorProcess } from "./emulatorProcess";
import { FIXTURE_CATALOG } from "./isolatedApp";

/** SAP's churn example instance (Inferencing page of the SAP AI Core guide). */
export const CHURN_EXAMPLE = {
  region: 3,
  tenure: 37,
  age: 53,
  address: 13,
  income: 48,
  employ: 10,
  gender: 0,
  equip: 0,
};

/**
 * The catalog the project ships (the fixture copy of models.json, never the developer's own edited one), as
 * JSON, read fresh for each caller to change at will.
 */
export function shippedCatalogJson(): {
  models: Record<string, unknown>;
  sources?: Record<string, unknown>;
  events?: Record<string, unknown>;
} {
  return JSON.parse(readFileSync(FIXTURE_CATALOG, "utf8"));
}

/** The shipped catalog's models only (its webhook sources need secrets the test may not set). */
export function shippedModels(): Catalog {
  return parseCatalog({ models: shippedCatalogJson().models }, "default");
}

export interface World {
  azurite: RunningAzurite;
  emulator: EmulatorProcess;
}

/**
 * Azurite and the AI Core emulator as real processes on free ports for the tests of one file: started before
 * the first test, stopped after the last. The fields are set once `beforeAll` has run.
 */
export function useAzuriteAndEmulator(): World {
  const world = {} as World;
  beforeAll(async () => {
    [world.azurite, world.emulator] = await Promise.all([startAzurite(), startEmulatorProcess()]);
  });
  afterAll(async () => {
    await Promise.all([world.emulator?.stop(), world.azurite?.stop()]);
  });
  return world;
}
