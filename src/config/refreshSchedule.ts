/** How often the timer polls AI Core when DEPLOYMENT_REFRESH_SCHEDULE is unset: every minute. */
export const DEFAULT_REFRESH_SCHEDULE = "0 */1 * * * *";

/**
 * The schedule the refresh timer registers. The worker builds function metadata while it indexes the app, with
 * the app settings already in its environment, so an override set there is what the host schedules; unset, the
 * literal applies everywhere (Azure, Core Tools, the dev host) — no `%Setting%` the host would need defined.
 */
export function refreshScheduleFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEPLOYMENT_REFRESH_SCHEDULE?.trim() || DEFAULT_REFRESH_SCHEDULE;
}
