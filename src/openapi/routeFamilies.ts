import { deploymentsRoutes } from "./deploymentsRoutes";
import { documentationRoutes } from "./documentationRoutes";
import { eventRoutes } from "./eventRoutes";
import { healthRoutes } from "./healthRoutes";
import { jobRoutes } from "./jobRoutes";
import { predictRoutes } from "./predictRoutes";
import type { RouteFamily } from "./routeFamily";
import { statusRoutes } from "./statusRoutes";
import { webhookRoutes } from "./webhookRoutes";

/** Every route family the relay serves, in the order the reference shows them. Add a new family here. */
export const ROUTE_FAMILIES: readonly RouteFamily[] = [
  predictRoutes,
  jobRoutes,
  webhookRoutes,
  eventRoutes,
  deploymentsRoutes,
  healthRoutes,
  statusRoutes,
  documentationRoutes,
];
