import type { ModelDefinition } from "../config/catalog";
import { toJsonPointer } from "../shared/jsonPointer";
import { ProblemError, problem } from "../shared/problem";

export const MAX_BATCH = 100;
const MAX_REPORTED_VIOLATIONS = 1000;

export interface PredictionRequest {
  /** True for `{"instances": [...]}`, false for one instance. */
  batch: boolean;
  /** Validated instances, as the model's schema produced them. */
  instances: unknown[];
}

export interface Violation {
  pointer: string;
  message: string;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shapeError(detail: string): ProblemError {
  return new ProblemError(problem("invalid-body", 400, detail));
}

/** Splits a body into instances and validates each against the model's schema, reporting every violation. */
export function parsePredictionRequest(
  value: unknown,
  model: ModelDefinition,
  pointerPrefix = "",
): PredictionRequest {
  if (!isPlainObject(value)) {
    throw shapeError('The body must be a JSON object: one instance, or {"instances": [...]}');
  }
  const batch = Object.hasOwn(value, "instances");
  let raw: unknown[];
  if (batch) {
    const instances = value.instances;
    if (!Array.isArray(instances)) throw shapeError('"instances" must be an array of instances');
    if (instances.length < 1 || instances.length > MAX_BATCH) {
      throw shapeError(`"instances" must hold 1 to ${MAX_BATCH} instances; it holds ${instances.length}`);
    }
    raw = instances;
  } else {
    raw = [value];
  }
  const violations: Violation[] = [];
  const validated = raw.map((instance, index) => {
    const result = model.inputSchema.safeParse(instance);
    if (result.success) return result.data;
    const base = batch ? `${pointerPrefix}/instances/${index}` : pointerPrefix;
    for (const issue of result.error.issues) {
      violations.push({ pointer: `${base}${toJsonPointer(issue.path)}`, message: issue.message });
    }
    return undefined;
  });
  if (violations.length > 0) {
    throw new ProblemError(
      problem(
        "validation-failed",
        422,
        `${violations.length} violation(s) of model ${model.name}'s input schema`,
        { errors: violations.slice(0, MAX_REPORTED_VIOLATIONS) },
      ),
    );
  }
  return { batch, instances: validated };
}
