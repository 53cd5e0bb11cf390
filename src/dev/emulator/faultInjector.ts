import type { Socket } from "node:net";
import { aiApiError } from "./aiApiError";
import { type FaultLayer, NO_ANSWER } from "./faultLayer";
import type { FaultAction, FaultRule, FaultStatus } from "./faultRules";
import type { EmulatorReply, EmulatorRequest } from "./httpTypes";
import type { RequestKind } from "./requestLog";

export interface FaultRuleState extends FaultRule {
  /** Requests this rule was asked about (of its kinds, not answered by an earlier rule, before it was spent). */
  seen: number;
  /** Requests it picked. */
  injected: number;
}

/** What `GET /__emulator/faults` answers. */
export interface FaultSnapshot {
  rules: FaultRuleState[];
}

type Terminal = Exclude<FaultAction, { type: "latency" }>;

interface Plan {
  delayMs: number;
  terminal?: Terminal;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  injected: number;
  random?: () => number;
}

const ERROR_CODES: Record<FaultStatus, string> = {
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

const NO_REPLY: EmulatorReply = { status: NO_ANSWER, headers: {}, body: "" };

/** The route's answer, sent a byte at a time after whitespace that makes it `bytes` long (JSON ignores it). */
function trickled(reply: EmulatorReply, action: Extract<FaultAction, { type: "trickle" }>): EmulatorReply {
  const length = Buffer.byteLength(reply.body);
  const lead = Math.max(0, (action.bytes ?? length) - length);
  return { ...reply, body: " ".repeat(lead) + reply.body, trickleIntervalMs: action.intervalMs };
}

/** The route's answer grown to `bytes`: a `padding` member in a JSON object, trailing spaces otherwise. */
function enlarged(reply: EmulatorReply, bytes: number): EmulatorReply {
  const length = Buffer.byteLength(reply.body);
  if (length >= bytes) return reply;
  const isObject = /^\s*\{/.test(reply.body) && /\}\s*$/.test(reply.body);
  const member = ',"padding":""';
  if (!isObject || length + member.length > bytes)
    return { ...reply, body: reply.body + " ".repeat(bytes - length) };
  const open = reply.body.trimEnd().slice(0, -1);
  const separator = /\{\s*$/.test(open) ? member.slice(1, -2) : member.slice(0, -2);
  const padding = "x".repeat(bytes - Buffer.byteLength(open) - separator.length - 3);
  return { ...reply, body: `${open}${separator}"${padding}"}` };
}

/** xorshift32 over a mixed seed: small, fast, and the same picks for the same seed on every run. */
function seededRandom(seed: number): () => number {
  let state = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/** Counter mode: of requests 0, 1, 2, ... the ones where floor(n * fraction) steps up (0.2: 4, 9, 14, ...). */
function stepsUp(n: number, fraction: number): boolean {
  const epsilon = 1e-9; // 0.1 * 30 is 3.0000000000000004; keep the steps where arithmetic says they are
  return Math.floor((n + 1) * fraction + epsilon) > Math.floor(n * fraction + epsilon);
}

/**
 * Decides, per request, which fault rules apply and carries them out. Decisions are made when the request
 * arrives, in arrival order, so a test that sends requests one by one sees exactly the planned sequence.
 */
export class FaultInjector {
  private active: ActiveRule[] = [];
  /** Wakers of latency pauses and hangs, for release() at shutdown. */
  private readonly waiting = new Set<() => void>();
  private released = false;

  constructor(rules: FaultRule[] = []) {
    this.set(rules);
  }

  /** Replaces every rule; counters and seeded sequences start over. */
  set(rules: FaultRule[]): void {
    this.active = rules.map((rule) => ({
      rule,
      seen: 0,
      injected: 0,
      random: rule.seed === undefined ? undefined : seededRandom(rule.seed),
    }));
  }

  clear(): void {
    this.set([]);
  }

  snapshot(): FaultSnapshot {
    return { rules: this.active.map(({ rule, seen, injected }) => ({ ...rule, seen, injected })) };
  }

  /** Ends every pause and hang (the emulator is stopping), so close() is not held up by them. */
  release(): void {
    this.released = true;
    for (const wake of [...this.waiting]) wake();
  }

  readonly layer: FaultLayer = (kind, next) => async (request) => {
    const plan = this.plan(kind);
    if (plan.delayMs > 0) await this.pause(plan.delayMs);
    switch (plan.terminal?.type) {
      case undefined:
        return next(request);
      case "status":
        return this.statusReply(request, kind, plan.terminal);
      case "reset":
        this.reset(request.raw.socket);
        return NO_REPLY;
      case "hang":
        await this.hang(request.raw.socket);
        return NO_REPLY;
      case "trickle":
        return trickled(await next(request), plan.terminal);
      case "large":
        return enlarged(await next(request), plan.terminal.bytes);
    }
  };

  private plan(kind: RequestKind): Plan {
    let delayMs = 0;
    for (const active of this.active) {
      if (!active.rule.kinds.includes(kind) || !this.picks(active)) continue;
      if (active.rule.action.type === "latency") delayMs += active.rule.action.ms;
      else return { delayMs, terminal: active.rule.action };
    }
    return { delayMs };
  }

  private picks(active: ActiveRule): boolean {
    const { rule } = active;
    if (rule.times !== undefined && active.injected >= rule.times) return false;
    const n = active.seen++;
    const picked = active.random ? active.random() < rule.fraction : stepsUp(n, rule.fraction);
    if (picked) active.injected++;
    return picked;
  }

  private statusReply(
    request: EmulatorRequest,
    kind: RequestKind,
    action: Extract<FaultAction, { type: "status" }>,
  ): EmulatorReply {
    const reply = aiApiError(
      request,
      action.status,
      ERROR_CODES[action.status],
      action.message ?? `Injected fault: the emulator answers ${action.status} to this ${kind} request`,
    );
    if (action.retryAfter !== undefined) reply.headers["retry-after"] = String(action.retryAfter);
    return reply;
  }

  /** A TCP reset: the client sees ECONNRESET, as when a load balancer drops a pod mid-request. */
  private reset(socket: Socket): void {
    try {
      socket.resetAndDestroy();
    } catch {
      socket.destroy();
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.released) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  /** Holds the request until its connection closes (the client gave up) or the emulator stops. */
  private hang(socket: Socket): Promise<void> {
    if (this.released || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        socket.off("close", wake);
        this.waiting.delete(wake);
        resolve();
      };
      socket.once("close", wake);
      this.waiting.add(wake);
    });
  }
}
