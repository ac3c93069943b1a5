// Backup schedules are five-field cron expressions evaluated in UTC. The scheduler only
// needs "the last time this schedule fired at or before now", computed once per distinct
// expression per tick, so due-ness of any number of instances costs one comparison each.
import { parse, validate } from 'node-cron';

export interface CronSchedule {
  matches(date: Date): boolean;
  /** the latest whole minute at or before `at` that the schedule fires on, within a year and a day */
  previousAtOrBefore(at: Date): Date | null;
}

const MINUTE = 60_000;
const LOOKBACK_MS = 367 * 24 * 60 * MINUTE;

/** A reason the expression is refused, or null when it is a valid five-field schedule. */
export function scheduleProblem(expression: string): string | null {
  if (expression.trim().split(/\s+/).length !== 5)
    return 'must be a five-field cron expression (minute hour day-of-month month day-of-week), in UTC';
  if (!validate(expression)) return 'is not a valid cron expression';
  return null;
}

export function cronSchedule(expression: string): CronSchedule {
  const problem = scheduleProblem(expression);
  if (problem) throw new Error(`Schedule "${expression}" ${problem}`);
  const fields = parse(expression);
  const minutes = new Set(fields.minute);
  const hours = new Set(fields.hour);
  const months = new Set(fields.month);
  const daysOfMonth = new Set(fields.dayOfMonth.map(Number));
  const daysOfWeek = new Set(fields.dayOfWeek.map((day) => Number(day) % 7));
  // Cron's rule: when both day fields are restricted, either one matching is enough.
  const domRestricted = daysOfMonth.size < 31;
  const dowRestricted = daysOfWeek.size < 7;

  const dayMatches = (date: Date) => {
    if (!months.has(date.getUTCMonth() + 1)) return false;
    const dom = daysOfMonth.has(date.getUTCDate());
    const dow = daysOfWeek.has(date.getUTCDay());
    if (domRestricted && dowRestricted) return dom || dow;
    return dom && dow;
  };

  return {
    matches: (date) => dayMatches(date) && hours.has(date.getUTCHours()) && minutes.has(date.getUTCMinutes()),
    previousAtOrBefore(at) {
      let cursor = Math.floor(at.getTime() / MINUTE) * MINUTE;
      const limit = cursor - LOOKBACK_MS;
      while (cursor >= limit) {
        const date = new Date(cursor);
        if (!dayMatches(date)) {
          // jump to the last minute of the previous day
          cursor = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - MINUTE;
        } else if (!hours.has(date.getUTCHours())) {
          cursor = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours()) - MINUTE;
        } else if (!minutes.has(date.getUTCMinutes())) {
          cursor -= MINUTE;
        } else {
          return date;
        }
      }
      return null;
    },
  };
}
