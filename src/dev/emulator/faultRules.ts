import { jsonSyntaxError } from "../../config/jsonSyntax";
import { isPlainObject } from "./httpTypes";
import { REQUEST_KINDS, type RequestKind } from "./requestLog";

/** Statuses a `status` fault may answer: rate limiting and the server/gateway family. */
export const FAULT_STATUSES = [429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export type FaultAction =
  /** Waits `ms`, then the request goes on (later rules still apply). */
  | { type: "latency"; ms: number }
  /** Answers an AiApiError body with this status, and `Retry-After: retryAfter` when given. */
  | { type: "status"; status: FaultStatus; retryAfter?: number; message?: string }
  /** Resets the connection (TCP RST) without an answer. */
  | { type: "reset" }
  /** Never answers; the connection stays open until the client gives up or the emulator stops. */
  | { type: "hang" }
  /**
   * The route's own answer, its headers at once and then its body one byte every `intervalMs` (default 1000),
   * preceded by JSON whitespace up to `bytes` in all: a model server that trickles its answer.
   */
  | { type: "trickle"; intervalMs: number; bytes?: number }
  /** The route's own answer grown to `bytes`: a JSON object gains a `padding` member, anything else trailing spaces. */
  | { type: "large"; bytes: number };

/**
 * One fault rule, as the control API and EMULATOR_FAULTS take it (defaults filled in).
 * A rule sees the requests of its `kinds` that no earlier rule answered, and picks `fraction` of them:
 * without a `seed` deterministically the last of every 1/fraction (0.2: the 5th, 10th, 15th, ...),
 * with a `seed` at random from a PRNG seeded with it (the same seed gives the same sequence of picks).
 * After `times` picks the rule is spent.
 */
export interface FaultRule {
  kinds: RequestKind[];
  fraction: number;
  seed?: number;
  times?: number;
  action: FaultAction;
}

export type FaultRulesParse = { ok: true; rules: FaultRule[] } | { ok: false; message: string };

const MAX_RULES = 50;
const MAX_LATENCY_MS = 600_000;
const MAX_RETRY_AFTER_SECONDS = 86_400;
const MAX_SEED = 0xffff_ffff;
const MAX_TRICKLE_INTERVAL_MS = 60_000;
const MAX_FAULT_BYTES = 64 * 1024 * 1024;
const RULE_FIELDS = ["kinds", "fraction", "seed", "times", "action"];
const ACTION_FIELDS: Record<FaultAction["type"], string[]> = {
  latency: ["type", "ms"],
  status: ["type", "status", "retryAfter", "message"],
  reset: ["type"],
  hang: ["type"],
  trickle: ["type", "intervalMs", "bytes"],
  large: ["type", "bytes"],
};

class RuleError extends Error {}

function integerIn(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RuleError(`${where} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function onlyFields(value: Record<string, unknown>, allowed: string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new RuleError(
      `${where} has unknown field(s) ${unknown.join(", ")}; allowed: ${allowed.join(", ")}`,
    );
  }
}

function parseAction(value: unknown, where: string): FaultAction {
  if (!isPlainObject(value)) throw new RuleError(`${where} must be an object with a "type"`);
  const type = value.type;
  if (typeof type !== "string" || !Object.hasOwn(ACTION_FIELDS, type)) {
    throw new RuleError(`${where}.type must be one of ${Object.keys(ACTION_FIELDS).join(", ")}`);
  }
  onlyFields(value, ACTION_FIELDS[type as FaultAction["type"]], where);
  if (type === "latency") return { type, ms: integerIn(value.ms, 0, MAX_LATENCY_MS, `${where}.ms`) };
  if (type === "large") return { type, bytes: integerIn(value.bytes, 1, MAX_FAULT_BYTES, `${where}.bytes`) };
  if (type === "trickle") {
    const action: FaultAction = {
      type,
      intervalMs: integerIn(value.intervalMs ?? 1000, 1, MAX_TRICKLE_INTERVAL_MS, `${where}.intervalMs`),
    };
    if (value.bytes !== undefined)
      action.bytes = integerIn(value.bytes, 1, MAX_FAULT_BYTES, `${where}.bytes`);
    return action;
  }
  if (type === "reset" || type === "hang") return { type };
  const status = value.status;
  if (!FAULT_STATUSES.includes(status as FaultStatus)) {
    throw new RuleError(`${where}.status must be one of ${FAULT_STATUSES.join(", ")}`);
  }
  const action: FaultAction = { type: "status", status: status as FaultStatus };
  if (value.retryAfter !== undefined) {
    action.retryAfter = integerIn(value.retryAfter, 0, MAX_RETRY_AFTER_SECONDS, `${where}.retryAfter`);
  }
  if (value.message !== undefined) {
    if (typeof value.message !== "string" || value.message.length > 500) {
      throw new RuleError(`${where}.message must be a string of at most 500 characters`);
    }
    action.message = value.message;
  }
  return action;
}

function parseKinds(value: unknown, where: string): RequestKind[] {
  if (value === undefined) return [...REQUEST_KINDS];
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((kind) => REQUEST_KINDS.includes(kind as RequestKind))
  ) {
    throw new RuleError(`${where} must be a non-empty list of ${REQUEST_KINDS.join(", ")}`);
  }
  return [...new Set(value as RequestKind[])];
}

function parseRule(value: unknown, where: string): FaultRule {
  if (!isPlainObject(value)) throw new RuleError(`${where} must be an object`);
  onlyFields(value, RULE_FIELDS, where);
  const fraction = value.fraction ?? 1;
  if (typeof fraction !== "number" || !(fraction >= 0 && fraction <= 1)) {
    throw new RuleError(`${where}.fraction must be a number from 0 to 1`);
  }
  const rule: FaultRule = {
    kinds: parseKinds(value.kinds, `${where}.kinds`),
    fraction,
    action: parseAction(value.action, `${where}.action`),
  };
  if (value.seed !== undefined) rule.seed = integerIn(value.seed, 0, MAX_SEED, `${where}.seed`);
  if (value.times !== undefined)
    rule.times = integerIn(value.times, 1, Number.MAX_SAFE_INTEGER, `${where}.times`);
  return rule;
}

/** Validates `{"rules": [...]}` (or the bare list); the message names the first thing that is wrong. */
export function parseFaultRules(value: unknown): FaultRulesParse {
  const list = Array.isArray(value) ? value : isPlainObject(value) ? value.rules : undefined;
  if (!Array.isArray(list) || (isPlainObject(value) && Object.keys(value).some((key) => key !== "rules"))) {
    return { ok: false, message: 'must be {"rules": [...]} or a list of rules' };
  }
  if (list.length > MAX_RULES) return { ok: false, message: `must hold at most ${MAX_RULES} rules` };
  try {
    return { ok: true, rules: list.map((rule, index) => parseRule(rule, `rules[${index}]`)) };
  } catch (error) {
    if (error instanceof RuleError) return { ok: false, message: error.message };
    throw error;
  }
}

/** EMULATOR_FAULTS: the same JSON as `PUT /__emulator/faults`; unset or empty means no faults. */
export function faultRulesFromSetting(raw: string | undefined): FaultRulesParse {
  if (raw === undefined || raw.trim() === "") return { ok: true, rules: [] };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, message: `is not valid JSON (${jsonSyntaxError(raw) ?? "not JSON"})` };
  }
  return parseFaultRules(value);
}
