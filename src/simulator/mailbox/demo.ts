// The built-in demo mailboxes (docs/simulator.md): demo@example.com / demo with several
// calendars and a realistic month around "now" covering the cases a bridge must get right,
// alex@example.com / alex with a small calendar, and shared@example.com, a mailbox that
// only demo may open (delegation). Dates are relative to the current date so the demo
// always looks alive.

import { DAY_MS, civil, formatDate, pad2, weekday } from '../recurrence/dates.js';
import { windowsZone } from '../recurrence/zone-data.js';
import { utcToLocal } from '../recurrence/zones.js';
import type { ItemInput } from './input.js';
import type { MailboxFileJson, MailboxItemJson } from './load-json.js';

const ZONE = 'W. Europe Standard Time';
export const DEMO_USER = { smtp: 'demo@example.com', password: 'demo' } as const;
export const ALEX_USER = { smtp: 'alex@example.com', password: 'alex' } as const;

const TEAMS_URL = 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZGVtbw%40thread.v2/0?context=%7b%22Tid%22%3a%22demo%22%7d';

export function buildDemoMailboxes(now: number): MailboxFileJson {
  const zone = windowsZone(ZONE);
  if (!zone) throw new Error('demo zone missing');
  const today = Math.floor(utcToLocal(zone, now) / DAY_MS);
  const monday = today - ((weekday(today) + 6) % 7);
  const day = (offset: number): string => formatDate(monday + offset);
  const at = (offset: number, hh: number, mm = 0): string => `${day(offset)}T${pad2(hh)}:${pad2(mm)}:00`;
  const month = civil(monday);
  const firstOfPrevMonth = formatDate(Math.floor(Date.UTC(month.year, month.month - 2, 1) / DAY_MS));
  const year = month.year;
  const me = { name: 'Demo User', email: DEMO_USER.smtp };
  const alex = { name: 'Alex Wilber', email: ALEX_USER.smtp };
  const mara = { name: 'Jensen, Mara', email: 'mara@example.com' };

  const calendar: MailboxItemJson[] = [
    {
      key: 'team-sync', subject: 'Team sync', start: at(-14, 10), end: at(-14, 10, 30), location: 'Room 2.12',
      organizer: me, requiredAttendees: [{ ...alex, response: 'Accept' }, { ...mara, response: 'Tentative' }],
      body: 'Weekly sync.\r\nAgenda in the team notebook.',
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday', 'Wednesday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'EndDate', startDate: day(-14), endDate: day(8 * 7) },
      },
      // This week: Monday's occurrence moved to the afternoon, Wednesday's deleted.
      exceptions: [{ originalStart: at(0, 10), start: at(0, 14), end: at(0, 14, 30), subject: 'Team sync (moved)', sequence: 1 }],
      deletedOccurrences: [at(2, 10)],
    },
    { key: 'offsite', subject: 'Company offsite', start: day(3), end: day(4), isAllDay: true, freeBusy: 'OOF', location: 'Lake House' },
    { key: 'seattle', subject: 'Call with Seattle office', start: at(1, 9), end: at(1, 10), timeZone: 'Pacific Standard Time' },
    { key: 'bangalore', subject: 'Standup with Bangalore', start: at(2, 10), end: at(2, 10, 30), timeZone: 'India Standard Time' },
    { key: 'tokyo', subject: 'Tokyo partner review', start: at(4, 9), end: at(4, 10), timeZone: 'Tokyo Standard Time' },
    { key: 'doctor', subject: 'Doctor appointment', start: at(1, 16), end: at(1, 17), sensitivity: 'Private', freeBusy: 'OOF', reminderMinutes: 60 },
    {
      key: 'cancelled', subject: 'Canceled: Budget review', start: at(2, 15), end: at(2, 16), organizer: mara,
      requiredAttendees: [{ ...me, response: 'Accept' }], myResponseType: 'Accept', isCancelled: true, importance: 'High',
    },
    {
      key: 'planning', subject: 'Quarterly planning', start: at(3, 13), end: at(3, 15), location: 'Room 4.01; Microsoft Teams Meeting',
      organizer: mara, myResponseType: 'Accept', isResponseRequested: true, sequence: 2,
      requiredAttendees: [{ ...me, response: 'Accept' }, { ...alex, response: 'Tentative' }],
      optionalAttendees: [{ name: 'Sam Lee', email: 'sam.lee@partner.example', mailboxType: 'OneOff', response: 'NoResponseReceived' }],
      resources: [{ name: 'Room 4.01', email: 'room401@example.com', response: 'Accept' }],
      joinOnlineMeetingUrl: TEAMS_URL,
      body: { type: 'HTML', value: `<html><body><p>Agenda: Q3 goals.</p><p><a href="${TEAMS_URL}">Join the meeting now</a></p></body></html>` },
    },
    {
      key: 'report', subject: 'Monthly report due', start: `${firstOfPrevMonth}T17:00:00`, end: `${firstOfPrevMonth}T17:30:00`,
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { kind: 'NoEnd', startDate: firstOfPrevMonth } },
    },
    {
      key: 'payroll', subject: 'Payroll cutoff', start: `${firstOfPrevMonth}T12:00:00`, end: `${firstOfPrevMonth}T12:15:00`,
      recurrence: {
        pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'Weekday', dayOfWeekIndex: 'Last' },
        range: { kind: 'Numbered', startDate: firstOfPrevMonth, numberOfOccurrences: 12 },
      },
    },
    {
      key: 'cafe', subject: 'Café ☕ & Kuchen 🎂', start: at(4, 15), end: at(4, 16), location: 'Café Zürich',
      categories: ['Personal', 'Grüne Kategorie'],
      body: { type: 'HTML', value: '<html><body><p>Let&#39;s meet at <b>Café Zürich</b> — bring 🍰!</p><p>Ünïcödé ✓ &amp; &lt;tags&gt;</p></body></html>' },
    },
    {
      key: 'custom-zone', subject: 'Legacy Outlook custom zone', start: at(4, 11), end: at(4, 12),
      timeZone: {
        name: 'Customized Time Zone', standardBias: -60,
        daylight: { bias: -120, start: { month: 3, dayOfWeek: 'Sunday', occurrence: -1, time: '02:00' }, end: { month: 10, dayOfWeek: 'Sunday', occurrence: -1, time: '03:00' } },
      },
    },
    {
      key: 'focus', subject: 'Focus time', start: at(-2, 8), end: at(-2, 9), freeBusy: 'Tentative', reminderMinutes: null,
      recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'Numbered', startDate: day(-2), numberOfOccurrences: 10 } },
    },
  ];
  const team: MailboxItemJson[] = [
    {
      key: 'sprint-review', folder: 'team', subject: 'Sprint review', start: at(4, 14), end: at(4, 15),
      organizer: me, requiredAttendees: [{ ...alex, response: 'Accept' }],
      recurrence: {
        pattern: { kind: 'Weekly', interval: 2, daysOfWeek: ['Friday'], firstDayOfWeek: 'Sunday' },
        range: { kind: 'NoEnd', startDate: day(4) },
      },
    },
    { key: 'team-lunch', folder: 'team', subject: 'Team lunch', start: at(2, 12), end: at(2, 13), location: 'Kantine' },
  ];
  const holidays: MailboxItemJson[] = [
    yearly('new-year', "New Year's Day", `${year - 1}-01-01`, { kind: 'AbsoluteYearly', month: 'January', dayOfMonth: 1 }),
    yearly('thanksgiving', 'Thanksgiving (US)', `${year - 1}-11-01`, { kind: 'RelativeYearly', month: 'November', daysOfWeek: 'Thursday', dayOfWeekIndex: 'Fourth' }),
    yearly('leap-day', 'Leap day party', '2024-02-29', { kind: 'AbsoluteYearly', month: 'February', dayOfMonth: 29 }),
  ].map((i) => ({ ...i, folder: 'holidays' }));
  const birthdayDate = civil(monday + 5);
  const birthdays: MailboxItemJson[] = [
    {
      ...yearly('alex-birthday', "Alex Wilber's birthday", formatDate(monday + 5 - 365 * 3), {
        kind: 'AbsoluteYearly', month: MONTH_NAMES[birthdayDate.month - 1] ?? 'January', dayOfMonth: birthdayDate.day,
      }),
      folder: 'birthdays',
    },
  ];

  return {
    mailboxes: [
      {
        smtp: DEMO_USER.smtp, displayName: 'Demo User', password: DEMO_USER.password, logonNames: ['EXAMPLE\\demo'], timeZone: ZONE,
        folders: [
          { key: 'team', displayName: 'Team', parent: 'calendar' },
          { key: 'holidays', displayName: 'Holidays', parent: 'msgfolderroot' },
          { key: 'birthdays', displayName: 'Birthdays', parent: 'msgfolderroot', folderClass: 'IPF.Appointment.Birthday', readOnly: true },
        ],
        items: [...calendar, ...team, ...holidays, ...birthdays],
      },
      {
        smtp: ALEX_USER.smtp, displayName: 'Alex Wilber', password: ALEX_USER.password, timeZone: 'Pacific Standard Time',
        items: [
          { key: 'alex-dentist', subject: 'Dentist', start: at(1, 8), end: at(1, 9), timeZone: 'Pacific Standard Time' },
          {
            key: 'alex-1on1', subject: '1:1 with Mara', start: at(0, 11), end: at(0, 11, 30), timeZone: 'Pacific Standard Time',
            recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday'], firstDayOfWeek: 'Sunday' }, range: { kind: 'NoEnd', startDate: day(0) } },
          },
        ],
      },
      {
        // A shared calendar demo@example.com has been given access to (EWS-NOTES §4).
        smtp: 'shared@example.com', displayName: 'Shared Calendar', timeZone: ZONE, delegates: [DEMO_USER.smtp],
        items: [{ key: 'shared-release', subject: 'Release window', start: at(3, 18), end: at(3, 20) }],
      },
    ],
  };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

function yearly(key: string, subject: string, date: string, pattern: NonNullable<ItemInput['recurrence']>['pattern']): MailboxItemJson {
  const next = formatDate(Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS) + 1);
  return {
    key, subject, start: date, end: next, isAllDay: true, freeBusy: 'Free', reminderMinutes: null,
    recurrence: { pattern, range: { kind: 'NoEnd', startDate: date } },
  };
}
