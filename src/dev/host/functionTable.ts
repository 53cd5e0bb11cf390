import { parseCronSchedule } from "../../shared/cronSchedule";
import { DevHostError } from "./appConfig";
import type { BindingInfo, FunctionCallback, Registration } from "./coreApi";
import { compileRoute, type RouteTemplate } from "./routeTemplate";

export interface HttpFunction {
  /** Queue output bindings the host writes after a successful run. */
  queueOutputs: QueueOutput[];
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
  /** Queue output bindings the host writes after a successful run. */
  queueOutputs: QueueOutput[];
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

/** A storage queue output binding: where the host writes what the function returned or set. */
export interface QueueOutput {
  /** `$return`, or the name the function sets in `context.extraOutputs`. */
  bindingName: string;
  queueName: string;
  connection: string;
}

export interface QueueFunction {
  /** Queue output bindings the host writes after a successful run. */
  queueOutputs: QueueOutput[];
  kind: "queue";
  name: string;
  callback: FunctionCallback;
  bindings: Record<string, BindingInfo>;
  /** With `%Setting%` names resolved. */
  queueName: string;
  /** Name of the app setting (prefix) of the storage connection. */
  connection: string;
}

export type HostedFunction = HttpFunction | TimerFunction | QueueFunction;

const SUPPORTED = "only httpTrigger, timerTrigger and queueTrigger functions, with queue output bindings";
const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

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
    parseCronSchedule(trimmed);
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

/** A queue name as the host resolves it (`%Setting%`), checked against Azure's naming rule. */
function queueNameOf(value: unknown, env: NodeJS.ProcessEnv, what: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new DevHostError(`${what} has no queueName`);
  const resolved = resolveSettingNames(value, env, `${what}: queueName`).trim().toLowerCase();
  if (!QUEUE_NAME.test(resolved)) {
    throw new DevHostError(
      `${what}: "${resolved}" is not a storage queue name (3-63 lowercase letters, digits, hyphens)`,
    );
  }
  return resolved;
}

function connectionOf(binding: BindingInfo): string {
  return typeof binding.connection === "string" && binding.connection.trim() !== ""
    ? binding.connection.trim()
    : "AzureWebJobsStorage";
}

/** The queue output bindings of a function (the only output bindings the dev host writes). */
function queueOutputs(registration: Registration, env: NodeJS.ProcessEnv): QueueOutput[] {
  return Object.entries(registration.metadata.bindings ?? {})
    .filter(([, binding]) => binding.direction === "out" && String(binding.type).toLowerCase() === "queue")
    .map(([bindingName, binding]) => ({
      bindingName,
      queueName: queueNameOf(
        binding.queueName,
        env,
        `function "${registration.metadata.name}" output ${bindingName}`,
      ),
      connection: connectionOf(binding),
    }));
}

function checkOtherBindings(
  registration: Registration,
  triggerName: string,
  kind: "http" | "timer" | "queue",
): void {
  const name = registration.metadata.name;
  for (const [bindingName, binding] of Object.entries(registration.metadata.bindings ?? {})) {
    if (bindingName === triggerName) continue;
    const type = String(binding.type ?? "unknown");
    if (kind === "http" && bindingName === "$return" && type.toLowerCase() === "http") continue;
    if (binding.direction === "out" && type.toLowerCase() === "queue") continue;
    const role = binding.direction === "in" ? "input" : "output";
    throw new DevHostError(
      `function "${name}" has a ${type} ${role} binding ("${bindingName}"), which the dev host does not support ` +
        `(it runs ${SUPPORTED}); use Azure Functions Core Tools (func start)`,
    );
  }
}

function toQueueFunction(
  registration: Registration,
  triggerName: string,
  trigger: BindingInfo,
  env: NodeJS.ProcessEnv,
): Omit<QueueFunction, "queueOutputs"> {
  const name = registration.metadata.name;
  checkOtherBindings(registration, triggerName, "queue");
  return {
    kind: "queue",
    name,
    callback: registration.callback,
    bindings: registration.metadata.bindings,
    queueName: queueNameOf(trigger.queueName, env, `queue function "${name}"`),
    connection: connectionOf(trigger),
  };
}

function toHttpFunction(
  registration: Registration,
  triggerName: string,
  trigger: BindingInfo,
): Omit<HttpFunction, "queueOutputs"> {
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
): Omit<TimerFunction, "queueOutputs"> {
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
      const outputs = queueOutputs(registration, env);
      if (type.toLowerCase() === "httptrigger")
        functions.push({ ...toHttpFunction(registration, triggerName, binding), queueOutputs: outputs });
      else if (type.toLowerCase() === "timertrigger")
        functions.push({
          ...toTimerFunction(registration, triggerName, binding, env),
          queueOutputs: outputs,
        });
      else if (type.toLowerCase() === "queuetrigger")
        functions.push({
          ...toQueueFunction(registration, triggerName, binding, env),
          queueOutputs: outputs,
        });
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
