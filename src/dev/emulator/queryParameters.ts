import { DEPLOYMENT_STATUSES, ID_PATTERN } from "./deployment";

export interface DeploymentListQuery {
  scenarioId?: string;
  executableIds?: string[];
  configurationId?: string;
  status?: string;
  top: number;
  skip: number;
  selectStatus: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

// From the spec: Aitop has default 10000 and maximum 100000; AiexecutableIdsList maxItems 1000.
const DEFAULT_TOP = 10_000;
const MAX_TOP = 100_000;
const MAX_EXECUTABLE_IDS = 1000;

const LIST_PARAMETERS = [
  "scenarioId",
  "executableIds",
  "configurationId",
  "status",
  "$top",
  "$skip",
  "$select",
];

/** Rejects parameters an operation does not document, and repeated ones, so a drifting client is caught. */
export function rejectUndocumented(
  query: URLSearchParams,
  documented: readonly string[],
): string | undefined {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!documented.includes(name)) {
      const allowed = documented.length > 0 ? documented.join(", ") : "none";
      return `Unknown query parameter '${name}' (documented: ${allowed})`;
    }
    if (seen.has(name)) return `Query parameter '${name}' given more than once`;
    seen.add(name);
  }
  return undefined;
}

function nonNegativeInteger(name: string, raw: string, max?: number): Parsed<number> {
  if (!/^\d+$/.test(raw))
    return { ok: false, message: `'${name}' must be a non-negative integer, got '${raw}'` };
  const value = Number(raw);
  if (max !== undefined && value > max) return { ok: false, message: `'${name}' must be at most ${max}` };
  return { ok: true, value };
}

function id(name: string, raw: string): Parsed<string> {
  return ID_PATTERN.test(raw)
    ? { ok: true, value: raw }
    : { ok: false, message: `'${name}' must match ^[\\w.-]{4,64}$, got '${raw}'` };
}

/** `$select` is documented for list and get with the single value `status`. */
export function parseSelect(query: URLSearchParams): Parsed<boolean> {
  const select = query.get("$select");
  if (select === null) return { ok: true, value: false };
  if (select !== "status") return { ok: false, message: `'$select' must be 'status', got '${select}'` };
  return { ok: true, value: true };
}

/** The query of `GET /lm/deployments`, validated against the parameters the spec documents. */
export function parseDeploymentListQuery(query: URLSearchParams): Parsed<DeploymentListQuery> {
  const undocumented = rejectUndocumented(query, LIST_PARAMETERS);
  if (undocumented !== undefined) return { ok: false, message: undocumented };
  const result: DeploymentListQuery = { top: DEFAULT_TOP, skip: 0, selectStatus: false };

  for (const name of ["scenarioId", "configurationId"] as const) {
    const raw = query.get(name);
    if (raw === null) continue;
    const parsed = id(name, raw);
    if (!parsed.ok) return parsed;
    result[name] = parsed.value;
  }
  const executableIds = query.get("executableIds");
  if (executableIds !== null) {
    // style: form, explode: false -> one comma-separated value
    const ids = executableIds.split(",");
    if (ids.length > MAX_EXECUTABLE_IDS) {
      return { ok: false, message: `'executableIds' has more than ${MAX_EXECUTABLE_IDS} items` };
    }
    for (const item of ids) {
      const parsed = id("executableIds", item);
      if (!parsed.ok) return parsed;
    }
    result.executableIds = ids;
  }
  const status = query.get("status");
  if (status !== null) {
    if (!DEPLOYMENT_STATUSES.includes(status)) {
      return {
        ok: false,
        message: `'status' must be one of ${DEPLOYMENT_STATUSES.join(", ")}, got '${status}'`,
      };
    }
    result.status = status;
  }
  const top = query.get("$top");
  if (top !== null) {
    const parsed = nonNegativeInteger("$top", top, MAX_TOP);
    if (!parsed.ok) return parsed;
    result.top = parsed.value;
  }
  const skip = query.get("$skip");
  if (skip !== null) {
    const parsed = nonNegativeInteger("$skip", skip);
    if (!parsed.ok) return parsed;
    result.skip = parsed.value;
  }
  const select = parseSelect(query);
  if (!select.ok) return select;
  result.selectStatus = select.value;
  return { ok: true, value: result };
}
