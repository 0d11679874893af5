import { describe, expect, it } from 'vitest';
import {
  containsTime,
  isActiveAt,
  parseTimeInterval,
  type TimeInterval,
} from '../../src/route/timeIntervals.js';

const P = 'time_intervals[0].time_intervals[0]';

function parsed(raw: unknown): TimeInterval {
  const r = parseTimeInterval(raw, P);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.interval;
}

const at = (iso: string): number => Date.parse(iso);

describe('parseTimeInterval', () => {
  it('parses every field', () => {
    expect(
      parsed({
        times: [
          { start_time: '09:00', end_time: '17:30' },
          { start_time: '22:00', end_time: '24:00' },
        ],
        weekdays: ['monday:friday', 'Sunday'],
        days_of_month: ['1:5', '-3:-1', 15],
        months: ['january:march', 'December', '6:7'],
        years: ['2020:2022', 2030],
        location: 'Europe/Berlin',
      }),
    ).toEqual({
      times: [
        { startMinute: 540, endMinute: 1050 },
        { startMinute: 1320, endMinute: 1440 },
      ],
      weekdays: [
        { begin: 1, end: 5 },
        { begin: 0, end: 0 },
      ],
      daysOfMonth: [
        { begin: 1, end: 5 },
        { begin: -3, end: -1 },
        { begin: 15, end: 15 },
      ],
      months: [
        { begin: 1, end: 3 },
        { begin: 12, end: 12 },
        { begin: 6, end: 7 },
      ],
      years: [
        { begin: 2020, end: 2022 },
        { begin: 2030, end: 2030 },
      ],
      location: 'Europe/Berlin',
    });
  });

  it('treats omitted and empty fields as "any" and defaults the location to UTC', () => {
    const empty = { times: [], weekdays: [], daysOfMonth: [], months: [], years: [], location: 'UTC' };
    expect(parsed({})).toEqual(empty);
    expect(parsed(null)).toEqual(empty);
    expect(parsed({ weekdays: [], location: 'UTC' })).toEqual(empty);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['one-digit hour', { times: [{ start_time: '9:00', end_time: '17:00' }] }, `${P}.times[0].start_time`, /expected a time like 09:30/],
    ['past 24:00', { times: [{ start_time: '09:00', end_time: '24:01' }] }, `${P}.times[0].end_time`, /expected a time like 17:00/],
    ['minute 60', { times: [{ start_time: '09:60', end_time: '10:00' }] }, `${P}.times[0].start_time`, /expected a time/],
    ['end before start', { times: [{ start_time: '17:00', end_time: '09:00' }] }, `${P}.times[0]`, /start_time 17:00 must be before end_time 09:00/],
    ['empty range', { times: [{ start_time: '09:00', end_time: '09:00' }] }, `${P}.times[0]`, /must be before/],
    ['missing end', { times: [{ start_time: '09:00' }] }, `${P}.times[0]`, /both start_time and end_time must be provided/],
    ['unknown key in times', { times: [{ start_time: '09:00', end_time: '10:00', tz: 'x' }] }, `${P}.times[0].tz`, /unknown key "tz"/],
    ['bad weekday', { weekdays: ['funday'] }, `${P}.weekdays[0]`, /"funday" is not a weekday name/],
    ['wrapping weekday range', { weekdays: ['saturday:sunday'] }, `${P}.weekdays[0]`, /start day must not be after end day/],
    ['three-part range', { weekdays: ['monday:tuesday:friday'] }, `${P}.weekdays[0]`, /cannot parse range/],
    ['day 0', { days_of_month: ['0'] }, `${P}.days_of_month[0]`, /0 is not a valid day of the month/],
    ['day 32', { days_of_month: ['1:32'] }, `${P}.days_of_month[0]`, /32 is not a valid day of the month/],
    ['negative start, positive end', { days_of_month: ['-5:3'] }, `${P}.days_of_month[0]`, /end day must be negative/],
    ['always-empty day range', { days_of_month: ['-1:-5'] }, `${P}.days_of_month[0]`, /end day -5 is always before start day -1/],
    ['day that is not a number', { days_of_month: ['first'] }, `${P}.days_of_month[0]`, /"first" is not a day of the month/],
    ['month 13', { months: ['13'] }, `${P}.months[0]`, /13 is not a valid month/],
    ['backwards months', { months: ['march:january'] }, `${P}.months[0]`, /end month january is before start month march/],
    ['backwards years', { years: ['2023:2020'] }, `${P}.years[0]`, /end year 2020 is before start year 2023/],
    ['unknown zone', { location: 'Mars/Olympus_Mons' }, `${P}.location`, /unknown time zone "Mars\/Olympus_Mons"/],
    ['unknown key', { weekday: ['monday'] }, `${P}.weekday`, /unknown key "weekday"/],
    ['field that is not a list', { weekdays: 'monday' }, `${P}.weekdays`, /expected a list/],
    ['entry that is not a mapping', ['monday'], P, /expected a mapping/],
  ])('refuses %s', (_d, raw, path, message) => {
    const r = parseTimeInterval(raw, P);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('reports every problem of an entry at once', () => {
    const r = parseTimeInterval({ weekdays: ['funday'], months: ['13'], location: 'Nowhere/Land' }, P);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([`${P}.weekdays[0]`, `${P}.months[0]`, `${P}.location`]);
  });
});

describe('isActiveAt', () => {
  const weekdays = parsed({ weekdays: ['monday:friday'] });
  const office = parsed({ times: [{ start_time: '09:00', end_time: '17:00' }] });
  const lateNight = parsed({ times: [{ start_time: '22:00', end_time: '24:00' }] });
  const lastDay = parsed({ days_of_month: ['-1'] });
  const lastThree = parsed({ days_of_month: ['-3:-1'] });
  const thirtieth = parsed({ days_of_month: ['30:31'] });
  const wholeMonth = parsed({ days_of_month: ['1:31'] });
  const nyOffice = parsed({ times: [{ start_time: '09:00', end_time: '17:00' }], location: 'America/New_York' });
  const berlinOffice = parsed({ times: [{ start_time: '09:00', end_time: '17:00' }], location: 'Europe/Berlin' });
  const berlin2to3 = parsed({ times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' });
  const ny1to2 = parsed({ times: [{ start_time: '01:00', end_time: '02:00' }], location: 'America/New_York' });
  const berlinLastDay = parsed({ days_of_month: ['-1'], location: 'Europe/Berlin' });
  const aucklandLastDay = parsed({ days_of_month: ['-1'], location: 'Pacific/Auckland' });
  const weekendMornings = parsed({ weekdays: ['saturday', 'sunday'], times: [{ start_time: '10:00', end_time: '12:00' }] });
  const q1of2024 = parsed({ months: ['january:march'], years: ['2024'] });

  it.each<[string, TimeInterval, string, boolean]>([
    ['weekday (Friday)', weekdays, '2024-01-05T12:00:00Z', true],
    ['weekday (Saturday)', weekdays, '2024-01-06T12:00:00Z', false],
    ['start minute is inclusive', office, '2024-01-05T09:00:00Z', true],
    ['before the start', office, '2024-01-05T08:59:59Z', false],
    ['last minute before the end', office, '2024-01-05T16:59:59Z', true],
    ['end minute is exclusive', office, '2024-01-05T17:00:00Z', false],
    ['24:00 covers the last minute of the day', lateNight, '2024-01-05T23:59:59Z', true],
    ['24:00 does not reach into the next day', lateNight, '2024-01-06T00:00:00Z', false],
    // Month ends: -1 is the last calendar day, whatever the month length.
    ['-1 on 29 February of a leap year', lastDay, '2024-02-29T12:00:00Z', true],
    ['-1 not on 28 February of a leap year', lastDay, '2024-02-28T12:00:00Z', false],
    ['-1 on 28 February of a common year', lastDay, '2023-02-28T12:00:00Z', true],
    ['-1 on 30 April', lastDay, '2024-04-30T00:00:00Z', true],
    ['-1 on 31 March', lastDay, '2024-03-31T23:59:00Z', true],
    ['-1 not on 30 March', lastDay, '2024-03-30T12:00:00Z', false],
    ['-3:-1 includes 26 February 2023', lastThree, '2023-02-26T00:00:00Z', true],
    ['-3:-1 excludes 25 February 2023', lastThree, '2023-02-25T23:59:00Z', false],
    ['30:31 does not spill into a short February', thirtieth, '2024-02-29T12:00:00Z', false],
    ['30:31 in January', thirtieth, '2024-01-31T12:00:00Z', true],
    ['1:31 is clamped to the month (28 February)', wholeMonth, '2023-02-28T12:00:00Z', true],
    // Locations.
    ['New York 09:00 EST is 14:00 UTC', nyOffice, '2024-01-05T14:00:00Z', true],
    ['New York 08:59 EST', nyOffice, '2024-01-05T13:59:00Z', false],
    ['New York 09:00 EDT is 13:00 UTC', nyOffice, '2024-07-05T13:00:00Z', true],
    // DST in Europe/Berlin (2024-03-31 01:00 UTC: 02:00 CET jumps to 03:00 CEST).
    ['Berlin office opens at 08:00 UTC before the change', berlinOffice, '2024-03-29T08:00:00Z', true],
    ['Berlin office closed at 07:59 UTC before the change', berlinOffice, '2024-03-29T07:59:00Z', false],
    ['Berlin office opens at 07:00 UTC after the change', berlinOffice, '2024-04-01T07:00:00Z', true],
    ['Berlin office closes at 15:00 UTC after the change', berlinOffice, '2024-04-01T15:00:00Z', false],
    ['02:00-03:00 exists the day before', berlin2to3, '2024-03-30T01:30:00Z', true],
    ['02:00-03:00 is skipped on the change day (01:59 local)', berlin2to3, '2024-03-31T00:59:59Z', false],
    ['02:00-03:00 is skipped on the change day (03:00 local)', berlin2to3, '2024-03-31T01:00:00Z', false],
    // Fall back in New York (2024-11-03: 01:00-02:00 happens twice).
    ['first 01:30 (EDT)', ny1to2, '2024-11-03T05:30:00Z', true],
    ['second 01:30 (EST)', ny1to2, '2024-11-03T06:30:00Z', true],
    ['02:00 EST', ny1to2, '2024-11-03T07:00:00Z', false],
    // A month that springs forward still has 31 calendar days (Go's hour arithmetic would say 30).
    ['Berlin last day of March 2024', berlinLastDay, '2024-03-31T12:00:00Z', true],
    ['Berlin 30 March 2024 is not the last day', berlinLastDay, '2024-03-30T12:00:00Z', false],
    // The day is the local day.
    ['31 January 12:00 UTC is 1 February in Auckland', aucklandLastDay, '2024-01-31T12:00:00Z', false],
    ['30 January 12:00 UTC is 31 January in Auckland', aucklandLastDay, '2024-01-30T12:00:00Z', true],
    // Fields combine with AND.
    ['Saturday 11:00', weekendMornings, '2024-01-06T11:00:00Z', true],
    ['Saturday 13:00', weekendMornings, '2024-01-06T13:00:00Z', false],
    ['Monday 11:00', weekendMornings, '2024-01-08T11:00:00Z', false],
    ['March 2024', q1of2024, '2024-03-15T00:00:00Z', true],
    ['April 2024', q1of2024, '2024-04-01T00:00:00Z', false],
    ['March 2025', q1of2024, '2025-03-15T00:00:00Z', false],
  ])('%s', (_d, interval, iso, expected) => {
    expect(containsTime(interval, at(iso))).toBe(expected);
    expect(isActiveAt([interval], at(iso))).toBe(expected);
  });

  it('is true when any interval contains the instant, false for none', () => {
    const saturday = at('2024-01-06T12:00:00Z');
    expect(isActiveAt([weekdays, weekendMornings], saturday)).toBe(false);
    expect(isActiveAt([weekdays, parsed({ weekdays: ['saturday'] })], saturday)).toBe(true);
    expect(isActiveAt([], saturday)).toBe(false);
    expect(isActiveAt([parsed({})], saturday)).toBe(true);
  });

  it('gives the same answer when instants in different zones alternate (per-zone cache)', () => {
    const t1 = at('2024-01-05T14:00:00Z');
    const t2 = at('2024-01-05T20:00:00Z');
    for (let i = 0; i < 3; i++) {
      expect(isActiveAt([nyOffice], t1)).toBe(true);
      expect(isActiveAt([berlinOffice], t1)).toBe(true);
      expect(isActiveAt([nyOffice], t2)).toBe(true);
      expect(isActiveAt([berlinOffice], t2)).toBe(false);
    }
  });
});
