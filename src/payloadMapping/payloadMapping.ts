import type { ModelDefinition } from "../config/catalog";
import {
  isPlainObject,
  type PredictionRequest,
  parsePredictionRequest,
  type Violation,
} from "../scoring/predictionRequest";
import { toJsonPointer } from "../shared/jsonPointer";
import { lookupPointer } from "../shared/jsonPointerLookup";
import { ProblemError, problem } from "../shared/problem";
import { coerce, targetType } from "./coercion";

/** What mapping needs of a webhook source or an events entry. */
export interface MappingDefinition {
  name: string;
  model: ModelDefinition;
  /** Model input field -> RFC 6901 pointer into the payload; undefined: the payload is the instance. */
  map: ReadonlyArray<readonly [field: string, pointer: string]> | undefined;
  /** Whether mapped values are coerced to the model's input types. */
  coerce: boolean;
  /** How the problem detail names it: `source crm` by default. */
  label?: string;
}

const MAX_REPORTED = 1000;

interface Mapped {
  body: unknown;
  violations: Violation[];
  /** Instance fields already reported by the mapping (their schema violations would repeat it). */
  reported: Set<string>;
}

/** Picks each mapped field from the payload by its pointer, coercing when the source asks. */
function mapFields(
  payload: unknown,
  source: MappingDefinition,
  map: NonNullable<MappingDefinition["map"]>,
): Mapped {
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const entries: Array<[string, unknown]> = [];
  for (const [field, pointer] of map) {
    const found = lookupPointer(payload, pointer);
    if (!found.found) {
      violations.push({ pointer, message: `is missing from the payload (it maps onto ${field})` });
      reported.add(field);
      continue;
    }
    const coerced = source.coerce
      ? coerce(found.value, targetType(source.model.input, field))
      : { ok: true as const, value: found.value };
    if (!coerced.ok) {
      violations.push({ pointer, message: `${coerced.message} (it maps onto ${field})` });
      reported.add(field);
      continue;
    }
    entries.push([field, coerced.value]);
  }
  // fromEntries defines own data properties, the same shape JSON.parse produces.
  return { body: Object.fromEntries(entries), violations, reported };
}

/** Without a map the payload is the body; coercion applies to each instance's top-level fields. */
function coerceUnmapped(payload: unknown, source: MappingDefinition): Mapped {
  const violations: Violation[] = [];
  const coerceInstance = (instance: unknown, base: string): unknown => {
    if (!isPlainObject(instance)) return instance;
    return Object.fromEntries(
      Object.entries(instance).map(([field, value]) => {
        const coerced = coerce(value, targetType(source.model.input, field));
        if (coerced.ok) return [field, coerced.value];
        violations.push({ pointer: `${base}${toJsonPointer([field])}`, message: coerced.message });
        return [field, value];
      }),
    );
  };
  if (!source.coerce || !isPlainObject(payload)) return { body: payload, violations, reported: new Set() };
  const instances = payload.instances;
  const body = Array.isArray(instances)
    ? {
        ...payload,
        instances: instances.map((instance, index) => coerceInstance(instance, `/instances/${index}`)),
      }
    : coerceInstance(payload, "");
  // A field that failed coercion keeps its string, so the schema reports it too: report it once.
  const reported = new Set(violations.map((violation) => violation.pointer));
  return { body, violations, reported };
}

/** `/field/rest` of the mapped instance -> `<the field's source pointer>/rest`. */
function toSourcePointer(
  pointer: string,
  map: MappingDefinition["map"],
): { pointer: string; field?: string } {
  if (!map) return { pointer };
  const [, first = "", ...rest] = pointer.split("/");
  const entry = map.find(([field]) => toJsonPointer([field]) === `/${first}`);
  if (!entry) return { pointer };
  return { pointer: [entry[1], ...rest].join("/"), field: entry[0] };
}

/**
 * The payload, in the sender's shape, as the validated prediction request `/predict` would have built. Every
 * violation is reported at once, each naming the pointer into the payload (the source pointer when mapped).
 */
export function toPredictionRequest(payload: unknown, source: MappingDefinition): PredictionRequest {
  const mapped = source.map ? mapFields(payload, source, source.map) : coerceUnmapped(payload, source);
  let schemaViolations: Violation[] = [];
  let request: PredictionRequest | undefined;
  try {
    request = parsePredictionRequest(mapped.body, source.model);
  } catch (error) {
    const errors = error instanceof ProblemError ? error.problem.errors : undefined;
    if (!Array.isArray(errors)) throw error;
    schemaViolations = (errors as Violation[]).flatMap((violation) => {
      // A field whose mapping failed is absent (or uncoerced): its schema violation would repeat the report.
      const translated = toSourcePointer(violation.pointer, source.map);
      const already = translated.field
        ? mapped.reported.has(translated.field)
        : mapped.reported.has(violation.pointer);
      return already ? [] : [{ pointer: translated.pointer, message: violation.message }];
    });
  }
  const violations = [...mapped.violations, ...schemaViolations];
  if (violations.length === 0 && request) return request;
  const kind = mapped.violations.length > 0 ? "payload-mapping-failed" : "validation-failed";
  throw new ProblemError(
    problem(
      kind,
      422,
      `${violations.length} problem(s) mapping ${source.label ?? `source ${source.name}`}'s payload onto model ${source.model.name}`,
      {
        errors: violations.slice(0, MAX_REPORTED),
      },
    ),
  );
}
