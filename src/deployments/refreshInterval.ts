import { parseCronSchedule } from "../shared/cronSchedule";

/** Milliseconds between two ticks of an NCRONTAB schedule (six fields, seconds first). */
export function refreshIntervalMs(schedule: string, from = new Date()): number {
  const expression = parseCronSchedule(schedule, { currentDate: from });
  const first = expression.next().getTime();
  return expression.next().getTime() - first;
}
