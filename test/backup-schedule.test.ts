// The pure parts of backup policies: when a cron schedule last fired, and which backups
// grandfather-father-son retention keeps.
import { describe, expect, it } from 'vitest';
import { cronSchedule, scheduleProblem } from '../src/services/backups/cron-schedule.js';
import { backupsToKeep, isoWeekKey } from '../src/services/backups/retention.js';

const at = (iso: string) => new Date(iso);

describe('cron schedules (UTC)', () => {
  it('find the last occurrence at or before a time', () => {
    const nightly = cronSchedule('0 3 * * *');
    expect(nightly.previousAtOrBefore(at('2026-11-24T02:59:59Z'))).toEqual(at('2026-11-23T03:00:00Z'));
    expect(nightly.previousAtOrBefore(at('2026-11-24T03:00:30Z'))).toEqual(at('2026-11-24T03:00:00Z'));
    // Year boundaries and months of different lengths.
    expect(cronSchedule('30 23 31 * *').previousAtOrBefore(at('2027-03-15T00:00:00Z'))).toEqual(
      at('2027-01-31T23:30:00Z'),
    );
    expect(cronSchedule('*/15 * * * *').previousAtOrBefore(at('2026-11-24T10:44:00Z'))).toEqual(
      at('2026-11-24T10:30:00Z'),
    );
  });

  it("follow cron's rule for days: both day fields restricted means either matches", () => {
    // 2026-11-24 is a Tuesday. "the 1st, or any Monday"
    const schedule = cronSchedule('0 0 1 * 1');
    expect(schedule.previousAtOrBefore(at('2026-11-24T12:00:00Z'))).toEqual(at('2026-11-23T00:00:00Z'));
    expect(schedule.previousAtOrBefore(at('2026-11-02T12:00:00Z'))).toEqual(at('2026-11-02T00:00:00Z'));
    expect(schedule.matches(at('2026-11-01T00:00:00Z'))).toBe(true); // a Sunday, but the 1st
    // Only the day of week restricted: Sundays (0 and 7 are both Sunday).
    expect(cronSchedule('0 4 * * 7').previousAtOrBefore(at('2026-11-24T12:00:00Z'))).toEqual(
      at('2026-11-22T04:00:00Z'),
    );
  });

  it('give up on schedules that never fire within a year', () => {
    expect(cronSchedule('0 0 29 2 *').previousAtOrBefore(at('2026-11-24T00:00:00Z'))).toBeNull(); // the last 29 February was in 2024
    expect(cronSchedule('0 0 29 2 *').previousAtOrBefore(at('2028-03-01T00:00:00Z'))).toEqual(
      at('2028-02-29T00:00:00Z'),
    );
  });

  it('refuse anything but a valid five-field expression', () => {
    expect(scheduleProblem('0 3 * * *')).toBeNull();
    expect(scheduleProblem('0 0 3 * * *')).toMatch(/five-field/);
    expect(scheduleProblem('0 25 * * *')).toMatch(/not a valid/);
    expect(scheduleProblem('nightly')).toMatch(/five-field/);
  });
});

describe('grandfather-father-son retention', () => {
  it('names ISO weeks the way ISO 8601 does', () => {
    expect(isoWeekKey(at('2026-01-01T12:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(isoWeekKey(at('2027-01-01T12:00:00Z'))).toBe('2026-W53'); // a Friday: last week of 2026
    expect(isoWeekKey(at('2026-11-23T00:00:00Z'))).toBe(isoWeekKey(at('2026-11-29T23:59:00Z'))); // Monday to Sunday
    expect(isoWeekKey(at('2026-11-22T23:59:00Z'))).not.toBe(isoWeekKey(at('2026-11-23T00:00:00Z')));
  });

  it('keeps the newest of each of the last days, weeks and months', () => {
    // Two backups a day for a year, ending on Tuesday 2026-11-24.
    const backups = [];
    for (let day = 0; day < 365; day += 1) {
      for (const hour of [3, 15]) {
        const createdAt = new Date(Date.UTC(2026, 10, 24 - day, hour));
        backups.push({ id: createdAt.toISOString(), createdAt });
      }
    }
    const keep = [...backupsToKeep(backups, { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 })].sort();
    const daily = [
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
    ].map((day) => `${day}T15:00:00.000Z`);
    // Weeks: this one (its newest is today's, already kept), and the Sundays closing the three before.
    const weekly = ['2026-11-22', '2026-11-15', '2026-11-08'].map((day) => `${day}T15:00:00.000Z`);
    // Months: this one (today's), then the last day of each of the eleven before.
    const monthly = [
      '2026-10-31',
      '2026-09-30',
      '2026-08-31',
      '2026-07-31',
      '2026-06-30',
      '2026-05-31',
      '2026-04-30',
      '2026-03-31',
      '2026-02-28',
      '2026-01-31',
      '2025-12-31',
    ].map((day) => `${day}T15:00:00.000Z`);
    expect(keep).toEqual([...new Set([...daily, ...weekly, ...monthly])].sort());
  });

  it('keeps nothing with zero everywhere, and everything it has when asked for more', () => {
    const backups = [1, 2, 3].map((day) => ({ id: String(day), createdAt: new Date(Date.UTC(2026, 0, day, 3)) }));
    expect(backupsToKeep(backups, { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }).size).toBe(0);
    expect(backupsToKeep(backups, { keepDaily: 10, keepWeekly: 0, keepMonthly: 0 })).toEqual(new Set(['1', '2', '3']));
  });
});
