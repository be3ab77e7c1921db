import { describe, expect, it } from 'vitest';
import { InvalidJobError, parseActiveHours, parseDuration, scheduleSpecFor } from '../../src/schedules/job-spec.js';
import { withinActiveHours } from '../../src/workflows/active-hours.js';
import { isSilent } from '../../src/workflows/scheduled-turn-workflow.js';

const now = new Date('2026-11-25T12:00:00Z');

describe('job specs', () => {
  it('turns cron, every and at into Temporal schedule specs', () => {
    expect(scheduleSpecFor({ cron: '0 9 * * 1-5' }, 'Europe/Berlin', now)).toEqual({
      spec: { cronExpressions: ['0 9 * * 1-5'], timezone: 'Europe/Berlin' },
      oneShot: false,
    });
    expect(scheduleSpecFor({ every: '1h30m' }, 'UTC', now)).toEqual({ spec: { intervals: [{ every: 5_400_000 }] }, oneShot: false });
    // 09:00 in Berlin in winter is 08:00 UTC.
    expect(scheduleSpecFor({ at: '2026-12-01T09:00' }, 'Europe/Berlin', now)).toEqual({
      spec: { calendars: [{ year: 2026, month: 'DECEMBER', dayOfMonth: 1, hour: 8, minute: 0, second: 0 }], timezone: 'UTC' },
      oneShot: true,
    });
  });

  it('refuses bad expressions, unknown zones and past times with a specific message', () => {
    const refused = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidJobError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused(() => scheduleSpecFor({ cron: '61 * * * *' }, 'UTC', now))).toMatch(/not a valid cron expression.*0-59/);
    expect(refused(() => scheduleSpecFor({ cron: '* * * *' }, 'UTC', now))).toMatch(/not a valid cron expression|five fields/);
    expect(refused(() => scheduleSpecFor({ every: '5 minutes' }, 'UTC', now))).toMatch(/not a duration/);
    expect(refused(() => scheduleSpecFor({ every: '2h' }, 'Mars/Olympus', now))).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(refused(() => scheduleSpecFor({ at: '2025-01-01T09:00' }, 'UTC', now))).toMatch(/is in the past/);
    expect(refused(() => scheduleSpecFor({ at: 'tomorrow' }, 'UTC', now))).toMatch(/not a date and time/);
    expect(refused(() => parseActiveHours('8-22'))).toMatch(/HH:MM-HH:MM/);
    expect(() => parseDuration('500ms')).toThrow(InvalidJobError);
  });

  it('knows active hours, also across midnight, and a silent heartbeat answer', () => {
    const day = { ...parseActiveHours('08:00-22:00'), timeZone: 'Europe/Berlin' };
    expect(withinActiveHours(new Date('2026-11-25T12:00:00Z'), day)).toBe(true);
    expect(withinActiveHours(new Date('2026-11-25T22:30:00Z'), day)).toBe(false);
    const night = { ...parseActiveHours('22:00-06:00'), timeZone: 'UTC' };
    expect(withinActiveHours(new Date('2026-11-25T23:00:00Z'), night)).toBe(true);
    expect(withinActiveHours(new Date('2026-11-25T12:00:00Z'), night)).toBe(false);
    expect(isSilent('HEARTBEAT_OK', 'HEARTBEAT_OK')).toBe(true);
    expect(isSilent('All quiet. HEARTBEAT_OK.', 'HEARTBEAT_OK')).toBe(true);
    expect(isSilent('Your dentist appointment is in one hour; leave by 14:20 to be on time.', 'HEARTBEAT_OK')).toBe(false);
  });
});
