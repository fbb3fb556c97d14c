// Series for the expansion-equivalence test only (./expansion.test.ts), beside the golden cases of
// ./cases.ts: every pseudo-day at every index, day 29–31 across US DST, Feb 29 timed, WKST-sensitive
// weekly rules, long daily series and times inside DST gaps and repeated hours.

import type { FidelityCase } from './cases.js';

const INDEXES = ['First', 'Second', 'Third', 'Fourth', 'Last'] as const;
const PSEUDO_DAYS = ['Day', 'Weekday', 'WeekendDay'] as const;

/**
 * More series for the expansion-equivalence test only (no goldens): every pseudo-day at every
 * index, day 29–31 across US DST, Feb 29 timed, WKST-sensitive weekly rules, long daily series.
 */
export const EXTRA_SERIES: FidelityCase[] = [
  ...INDEXES.flatMap((index, i) =>
    PSEUDO_DAYS.map((day, j): FidelityCase => ({
      name: `x-relmonthly-${index.toLowerCase()}-${day.toLowerCase()}`,
      covers: `RelativeMonthly ${index} ${day}`,
      item: {
        subject: `${index} ${day}`, start: '2026-01-01T09:00:00', end: '2026-01-01T09:45:00', timeZone: j === 1 ? 'Pacific Standard Time' : 'W. Europe Standard Time',
        recurrence: {
          pattern: { kind: 'RelativeMonthly', interval: 1 + ((i + j) % 2), daysOfWeek: day, dayOfWeekIndex: index },
          range: { kind: 'Numbered', startDate: '2026-01-01', numberOfOccurrences: 30 },
        },
      },
    })),
  ),
  ...(['Day', 'Weekday', 'WeekendDay', 'Sunday'] as const).map((day, i): FidelityCase => ({
    name: `x-relyearly-${i % 2 ? 'last' : 'first'}-${day.toLowerCase()}`,
    covers: `RelativeYearly ${i % 2 ? 'Last' : 'First'} ${day}`,
    item: {
      subject: `Yearly ${day}`, start: '2026-01-01T12:00:00', end: '2026-01-01T13:00:00', timeZone: 'AUS Eastern Standard Time',
      recurrence: { pattern: { kind: 'RelativeYearly', month: (['February', 'May', 'October', 'March'] as const)[i]!, daysOfWeek: day, dayOfWeekIndex: i % 2 ? 'Last' : 'First' }, range: { kind: 'NoEnd', startDate: '2026-01-01' } },
    },
  })),
  ...[29, 30, 31].map((d): FidelityCase => ({
    name: `x-monthly-day${d}-los-angeles`,
    covers: `AbsoluteMonthly day ${d}, Pacific, Numbered 40`,
    item: {
      subject: `Day ${d}`, start: `2026-01-${d}T01:30:00`, end: `2026-01-${d}T02:30:00`, timeZone: 'Pacific Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: d }, range: { kind: 'Numbered', startDate: `2026-01-${d}`, numberOfOccurrences: 40 } },
    },
  })),
  {
    name: 'x-yearly-feb29-timed',
    covers: 'AbsoluteYearly Feb 29 timed, Numbered, from a leap year',
    item: {
      subject: 'Leap check', start: '2028-02-29T23:30:00', end: '2028-03-01T00:30:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteYearly', month: 'February', dayOfMonth: 29 }, range: { kind: 'Numbered', startDate: '2028-02-29', numberOfOccurrences: 6 } },
    },
  },
  {
    name: 'x-yearly-day31-april',
    covers: 'AbsoluteYearly 31 April does not exist: Outlook takes the last day of April',
    item: {
      subject: 'April end', start: '2026-04-30T10:00:00', end: '2026-04-30T11:00:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteYearly', month: 'April', dayOfMonth: 31 }, range: { kind: 'NoEnd', startDate: '2026-04-30' } },
    },
  },
  ...(['Monday', 'Sunday'] as const).map((wkst): FidelityCase => ({
    name: `x-weekly-sat-sun-interval2-wkst-${wkst.toLowerCase()}`,
    covers: `Weekly Sat+Sun every 2 weeks, FirstDayOfWeek ${wkst} (WKST changes which weekends pair up)`,
    item: {
      subject: `Weekend duty (${wkst})`, start: '2026-03-07T08:00:00', end: '2026-03-07T12:00:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'Weekly', interval: 2, daysOfWeek: ['Sunday', 'Saturday'], firstDayOfWeek: wkst }, range: { kind: 'EndDate', startDate: '2026-03-07', endDate: '2027-03-07' } },
    },
  })),
  {
    name: 'x-daily-los-angeles-since-2024',
    covers: 'Daily NoEnd since 2024 in Pacific time, with an override and a deletion',
    item: {
      subject: 'Daily check-in', start: '2024-01-02T08:00:00', end: '2024-01-02T08:15:00', timeZone: 'Pacific Standard Time',
      recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'NoEnd', startDate: '2024-01-02' } },
      exceptions: [{ originalStart: '2026-03-09T08:00:00', start: '2026-03-09T09:00:00', end: '2026-03-09T09:30:00' }],
      deletedOccurrences: ['2026-03-08T08:00:00', '2026-11-01T08:00:00'],
    },
  },
  {
    name: 'x-allday-monthly-day31-sydney',
    covers: 'All-day AbsoluteMonthly day 31 in Sydney (local dates east of UTC), NoEnd',
    item: {
      subject: 'Month end (AU)', start: '2026-01-31', end: '2026-02-01', isAllDay: true, timeZone: 'AUS Eastern Standard Time', reminderMinutes: null,
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { kind: 'NoEnd', startDate: '2026-01-31' } },
    },
  },
  {
    name: 'x-daily-berlin-nonexistent-and-repeated-hour',
    covers: 'Daily at 02:30 in Berlin: the time does not exist on 29 March and occurs twice on 25 October',
    item: {
      subject: 'Night job', start: '2026-03-25T02:30:00', end: '2026-03-25T03:00:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'EndDate', startDate: '2026-03-25', endDate: '2026-10-30' } },
    },
    endsDifferOn: ['2026-03-29', '2026-10-25'],
  },
  {
    name: 'x-weekly-los-angeles-repeated-hour',
    covers: 'Weekly Sunday 01:30 in Los Angeles: ambiguous on 1 November, nonexistent 02:30 is not used',
    item: {
      subject: 'Sunday backup', start: '2026-03-01T01:30:00', end: '2026-03-01T02:15:00', timeZone: 'Pacific Standard Time',
      recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Sunday'], firstDayOfWeek: 'Sunday' }, range: { kind: 'Numbered', startDate: '2026-03-01', numberOfOccurrences: 60 } },
    },
    endsDifferOn: ['2026-11-01'],
  },
  {
    name: 'x-weekly-enddate-off-pattern',
    covers: 'Weekly Tue/Thu, EndDate on a Sunday in Los Angeles across the November DST change',
    item: {
      subject: 'Tue/Thu', start: '2026-10-06T18:30:00', end: '2026-10-06T19:30:00', timeZone: 'Pacific Standard Time',
      recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Tuesday', 'Thursday'], firstDayOfWeek: 'Sunday' }, range: { kind: 'EndDate', startDate: '2026-10-06', endDate: '2026-11-15' } },
    },
  },
];
