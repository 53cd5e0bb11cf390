import type { Catalog } from "../config/catalog";
import type { EventDefinition } from "../producers/events/eventCatalog";
import type { SourceDefinition } from "../producers/webhooks/sourceCatalog";

/** A fragment of an OpenAPI 3.1 document (Path Item, Operation, Schema ...): plain JSON. */
export type OpenApiObject = Record<string, unknown>;

/** What every route family describes its routes from: the catalog the relay runs with. */
export interface RouteFamilyContext {
  catalog: Catalog;
  sources: ReadonlyMap<string, SourceDefinition>;
  events: ReadonlyMap<string, EventDefinition>;
}

/**
 * The OpenAPI description of one family of routes (predict, webhooks, deployments ...). A new route family is
 * one module implementing this, added to ROUTE_FAMILIES.
 */
export interface RouteFamily {
  /** Tag grouping the family's operations in the API reference. */
  tag: { name: string; description: string };
  /** Path Item Objects by path below the route prefix, e.g. "/models/churn/predict". */
  paths(context: RouteFamilyContext): Record<string, OpenApiObject>;
  /** Component schemas the paths refer to (`#/components/schemas/<name>`). */
  schemas?(context: RouteFamilyContext): Record<string, OpenApiObject>;
}
