import type { ScheduleSpec } from '@temporalio/client';
import { CronExpressionParser } from 'cron-parser';
import { formatDuration, parseDuration as readDuration } from '../contracts/duration.js';

/** When a job runs: a cron expression, a fixed interval, or once at a time. */
export type When = { cron: string } | { every: string } | { at: string };

export class InvalidJobError extends Error {
  override name = 'InvalidJobError';
}

/** "30s", "15m", "2h", "1d" (combinations like "1h30m" too) in milliseconds; a job's error when it is not one. */
export function parseDuration(text: string): number {
  try {
    return readDuration(text);
  } catch (error) {
    throw new InvalidJobError((error as Error).message);
  }
}

export { formatDuration };

export function assertTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new InvalidJobError(`unknown time zone "${zone}": use an IANA name such as Europe/Berlin or America/New_York`);
  }
}

/** The Temporal schedule spec for a job; refuses invalid expressions, unknown zones and times already past. */
export function scheduleSpecFor(when: When, timeZone: string, now = new Date()): { spec: ScheduleSpec; oneShot: boolean } {
  assertTimeZone(timeZone);
  if ('cron' in when) {
    try {
      CronExpressionParser.parse(when.cron, { tz: timeZone, strict: false });
    } catch (error) {
      throw new InvalidJobError(`"${when.cron}" is not a valid cron expression: ${(error as Error).message}`);
    }
    if (when.cron.trim().split(/\s+/).length !== 5)
      throw new InvalidJobError(`"${when.cron}" must have five fields: minute hour day-of-month month day-of-week`);
    return { spec: { cronExpressions: [when.cron.trim()], timezone: timeZone }, oneShot: false };
  }
  if ('every' in when) return { spec: { intervals: [{ every: parseDuration(when.every) }] }, oneShot: false };
  const at = new Date(when.at);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(when.at)) {
    throw new InvalidJobError(`"${when.at}" is not a date and time: use ISO 8601, e.g. 2026-12-01T09:00 (in --tz) or 2026-12-01T09:00:00Z`);
  }
  // Without an offset, the time is read in the job's zone.
  const instant = /([zZ]|[+-]\d\d:?\d\d)$/.test(when.at) ? at : zonedToUtc(when.at, timeZone);
  if (instant.getTime() <= now.getTime()) throw new InvalidJobError(`${when.at} (${timeZone}) is in the past`);
  return {
    spec: {
      calendars: [
        {
          year: instant.getUTCFullYear(),
          month: monthName(instant.getUTCMonth()),
          dayOfMonth: instant.getUTCDate(),
          hour: instant.getUTCHours(),
          minute: instant.getUTCMinutes(),
          second: instant.getUTCSeconds(),
        },
      ],
      timezone: 'UTC',
    },
    oneShot: true,
  };
}

const months = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;
function monthName(index: number): (typeof months)[number] {
  return months[index]!;
}

/** The UTC instant of a wall-clock time in a zone. */
function zonedToUtc(local: string, timeZone: string): Date {
  const asUtc = new Date(`${local.length === 16 ? `${local}:00` : local}Z`);
  const offsetAt = (instant: Date): number => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
        .formatToParts(instant)
        .map((p) => [p.type, p.value]),
    );
    const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    return wall - instant.getTime();
  };
  const guess = new Date(asUtc.getTime() - offsetAt(asUtc));
  return new Date(asUtc.getTime() - offsetAt(guess));
}

/** "08:00-22:00" → minutes since midnight; the end may be past midnight ("22:00-06:00"). */
export function parseActiveHours(text: string): { start: number; end: number } {
  const match = /^(\d{1,2}):(\d\d)-(\d{1,2}):(\d\d)$/.exec(text.trim());
  const minutes = (h: string, m: string): number => Number(h) * 60 + Number(m);
  if (!match || Number(match[1]) > 24 || Number(match[3]) > 24 || Number(match[2]) > 59 || Number(match[4]) > 59) {
    throw new InvalidJobError(`"${text}" is not a time range: use HH:MM-HH:MM, e.g. 08:00-22:00`);
  }
  return { start: minutes(match[1]!, match[2]!), end: minutes(match[3]!, match[4]!) };
}
