import { CronExpressionParser } from "cron-parser";
import { DevHostError } from "./appConfig";
import type { BindingInfo, FunctionCallback, Registration } from "./coreApi";
import { compileRoute, type RouteTemplate } from "./routeTemplate";

export interface HttpFunction {
  kind: "http";
  name: string;
  callback: FunctionCallback;
  bindings: Record<string, BindingInfo>;
  route: RouteTemplate;
  /** Upper case; undefined = every method. */
  methods: string[] | undefined;
  authLevel: string;
}

export interface TimerFunction {
  kind: "timer";
  name: string;
  callback: FunctionCallback;
  bindings: Record<string, BindingInfo>;
  /** As registered, e.g. `%DEPLOYMENT_REFRESH_SCHEDULE%`. */
  scheduleSetting: string;
  /** With `%Setting%` names resolved. */
  schedule: string;
  runOnStartup: boolean;
}

export type HostedFunction = HttpFunction | TimerFunction;

const SUPPORTED = "only httpTrigger and timerTrigger functions";

/** Replaces `%Name%` with the app setting `Name`; an unset one is an error, as in Azure. */
export function resolveSettingNames(value: string, env: NodeJS.ProcessEnv, what: string): string {
  return value.replace(/%([^%]+)%/g, (_all, name: string) => {
    const resolved = env[name];
    if (resolved === undefined || resolved.trim() === "") {
      throw new DevHostError(`${what} names the app setting ${name} (%${name}%), which is not set`);
    }
    return resolved;
  });
}

/** Checks an NCRONTAB expression (six fields, seconds first) and returns it trimmed. */
export function checkNcrontab(schedule: string, what: string): string {
  const trimmed = schedule.trim();
  if (/^\d+(\.\d+)?:\d{2}:\d{2}$/.test(trimmed)) {
    throw new DevHostError(
      `${what} is a TimeSpan ("${trimmed}"), which the dev host does not run; use an NCRONTAB expression`,
    );
  }
  if (trimmed.split(/\s+/).length !== 6) {
    throw new DevHostError(
      `${what} "${trimmed}" is not an NCRONTAB expression of six fields (seconds first, e.g. "0 */5 * * * *")`,
    );
  }
  try {
    CronExpressionParser.parse(trimmed, { tz: "UTC" });
  } catch (error) {
    throw new DevHostError(
      `${what} "${trimmed}" is not a valid NCRONTAB expression: ${(error as Error).message}`,
    );
  }
  return trimmed;
}

function triggerOf(registration: Registration): [string, BindingInfo] | undefined {
  return Object.entries(registration.metadata.bindings ?? {}).find(
    ([, binding]) =>
      binding.direction === "in" && typeof binding.type === "string" && /trigger$/i.test(binding.type),
  );
}

function checkOtherBindings(registration: Registration, triggerName: string, kind: "http" | "timer"): void {
  const name = registration.metadata.name;
  for (const [bindingName, binding] of Object.entries(registration.metadata.bindings ?? {})) {
    if (bindingName === triggerName) continue;
    const type = String(binding.type ?? "unknown");
    if (kind === "http" && bindingName === "$return" && type.toLowerCase() === "http") continue;
    const role = binding.direction === "in" ? "input" : "output";
    throw new DevHostError(
      `function "${name}" has a ${type} ${role} binding ("${bindingName}"), which the dev host does not support ` +
        `(it runs ${SUPPORTED}); use Azure Functions Core Tools (func start)`,
    );
  }
}

function toHttpFunction(registration: Registration, triggerName: string, trigger: BindingInfo): HttpFunction {
  const name = registration.metadata.name;
  checkOtherBindings(registration, triggerName, "http");
  const template = typeof trigger.route === "string" && trigger.route.trim() !== "" ? trigger.route : name;
  let route: RouteTemplate;
  try {
    route = compileRoute(template);
  } catch (error) {
    throw new DevHostError(`function "${name}": ${(error as Error).message}`);
  }
  const methods = Array.isArray(trigger.methods)
    ? trigger.methods.map((m) => String(m).toUpperCase())
    : undefined;
  const authLevel = typeof trigger.authLevel === "string" ? trigger.authLevel : "function";
  return {
    kind: "http",
    name,
    callback: registration.callback,
    bindings: registration.metadata.bindings,
    route,
    methods,
    authLevel,
  };
}

function toTimerFunction(
  registration: Registration,
  triggerName: string,
  trigger: BindingInfo,
  env: NodeJS.ProcessEnv,
): TimerFunction {
  const name = registration.metadata.name;
  checkOtherBindings(registration, triggerName, "timer");
  if (typeof trigger.schedule !== "string" || trigger.schedule.trim() === "") {
    throw new DevHostError(`timer function "${name}" has no schedule`);
  }
  const what = `timer function "${name}": schedule`;
  const schedule = checkNcrontab(resolveSettingNames(trigger.schedule, env, what), what);
  return {
    kind: "timer",
    name,
    callback: registration.callback,
    bindings: registration.metadata.bindings,
    scheduleSetting: trigger.schedule,
    schedule,
    runOnStartup: trigger.runOnStartup === true,
  };
}

/**
 * Turns what the app registered into functions the dev host runs, or throws one DevHostError naming
 * everything it refuses (an unsupported trigger or binding, a bad route or schedule).
 */
export function buildFunctionTable(
  registrations: Iterable<Registration>,
  env: NodeJS.ProcessEnv,
): HostedFunction[] {
  const functions: HostedFunction[] = [];
  const problems: string[] = [];
  for (const registration of registrations) {
    const name = registration.metadata.name;
    try {
      const trigger = triggerOf(registration);
      if (!trigger) throw new DevHostError(`function "${name}" has no trigger binding`);
      const [triggerName, binding] = trigger;
      const type = String(binding.type);
      if (type.toLowerCase() === "httptrigger")
        functions.push(toHttpFunction(registration, triggerName, binding));
      else if (type.toLowerCase() === "timertrigger")
        functions.push(toTimerFunction(registration, triggerName, binding, env));
      else
        throw new DevHostError(
          `function "${name}" uses a ${type}, which the dev host does not run (it runs ${SUPPORTED}); ` +
            "use Azure Functions Core Tools (func start) for it",
        );
    } catch (error) {
      problems.push(error instanceof DevHostError ? error.message : String(error));
    }
  }
  if (problems.length > 0) throw new DevHostError(problems.join("; "));
  return functions;
}
