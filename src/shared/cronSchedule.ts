import { type CronExpression, CronExpressionParser } from "cron-parser";
import { Settings } from "luxon";

// cron-parser computes dates with luxon, which asks Intl for the system's time zone and locale when it builds its
// first date: that first Intl.DateTimeFormat loads ICU's data, about 12 ms of a cold start. Schedules are UTC (as the
// Functions host reads NCRONTAB) and a tick does not depend on a locale (nothing is formatted or parsed by name
// through luxon), so luxon is told both instead of asking.
Settings.defaultZone = "utc";
Settings.defaultLocale ||= "en-US";

type ParseOptions = NonNullable<Parameters<typeof CronExpressionParser.parse>[1]>;

/** An NCRONTAB expression (six fields, seconds first; cron's five work too), in UTC unless `options.tz` says otherwise. */
export function parseCronSchedule(expression: string, options: ParseOptions = {}): CronExpression {
  return CronExpressionParser.parse(expression, { tz: "UTC", ...options });
}
