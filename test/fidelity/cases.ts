// The calendar items behind fixtures/ews-ical/ (captured from the simulator by
// ./capture-fixtures.ts) and behind the expansion-equivalence test, in the simulator's mailbox
// JSON format (docs/simulator.md). One list serves both, so every recurring golden case is also
// checked instance by instance against the simulator's own Outlook expansion.

import type { MailboxItemJson } from '../../src/simulator/index.js';

export interface FidelityCase {
  /** File name in fixtures/ews-ical/ and the item's key in the simulator. */
  name: string;
  /** What the case is for (README table). */
  covers: string;
  /** Server the fixture is captured from; default Exchange Online. */
  server?: 'online' | 'exchange2016';
  item: MailboxItemJson;
  /**
   * Expansion test only: local dates of occurrences whose span crosses a DST change. iCalendar gives
   * every instance DTSTART→DTEND's exact duration (RFC 5545 §3.8.5.3); the simulator keeps the
   * local end time instead (on 29 March even an end before the start). Starts must still agree.
   */
  endsDifferOn?: string[];
}

export const MAILBOX = 'mara@contoso.com';
export const MAILBOX_ZONE = 'W. Europe Standard Time';
/** The simulator's clock while capturing: created / last-modified stamps come from it. */
export const CAPTURE_NOW = '2026-01-12T09:30:00Z';

const MARA = { name: 'Mara Lindqvist', email: MAILBOX };
const JONAS = { name: 'Jonas Weber', email: 'jonas.weber@contoso.com' };
const DOE = { name: 'Doe, Jane', email: 'jane.doe@fabrikam.com' };
const ROOM = { name: 'Room 2.14 (12)', email: 'room214@contoso.com', mailboxType: 'Mailbox' as const };

export const CASES: FidelityCase[] = [
  // --- recurrence patterns and ranges -----------------------------------------------------------
  {
    name: 'daily-interval-numbered',
    covers: 'Daily, Interval 3, Numbered range, crosses the spring DST change in Berlin',
    item: {
      subject: 'Plant watering', start: '2026-03-20T07:30:00', end: '2026-03-20T07:45:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'Daily', interval: 3 }, range: { kind: 'Numbered', startDate: '2026-03-20', numberOfOccurrences: 10 } },
    },
  },
  {
    name: 'weekly-berlin-exceptions',
    covers: 'Weekly Mon/Wed, EndDate range over both DST changes; one moved, one retitled and two deleted occurrences; meeting',
    item: {
      subject: 'Team sync', location: 'Room 2.14', start: '2026-03-02T10:00:00', end: '2026-03-02T10:30:00', timeZone: 'W. Europe Standard Time',
      organizer: MARA, requiredAttendees: [{ ...JONAS, response: 'Accept' }, { ...DOE, response: 'Tentative' }], resources: [{ ...ROOM, response: 'Accept' }],
      myResponseType: 'Organizer', isResponseRequested: true, sequence: 2,
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday', 'Wednesday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'EndDate', startDate: '2026-03-02', endDate: '2026-11-04' },
      },
      exceptions: [
        { originalStart: '2026-03-30T10:00:00', start: '2026-03-31T15:00:00', end: '2026-03-31T16:00:00', subject: 'Team sync (moved)', sequence: 3 },
        { originalStart: '2026-10-26T10:00:00', location: 'Kantine', requiredAttendees: [{ ...JONAS, response: 'Decline' }], sequence: 3 },
      ],
      deletedOccurrences: ['2026-03-04T10:00:00', '2026-10-28T10:00:00'],
    },
  },
  {
    name: 'weekly-los-angeles-interval2',
    covers: 'Weekly Tue+Thu every 2 weeks, FirstDayOfWeek Sunday, NoEnd, Pacific DST changes',
    item: {
      subject: 'Design crit', start: '2026-02-24T16:00:00', end: '2026-02-24T17:00:00', timeZone: 'Pacific Standard Time',
      recurrence: {
        pattern: { kind: 'Weekly', interval: 2, daysOfWeek: ['Tuesday', 'Thursday'], firstDayOfWeek: 'Sunday' },
        range: { kind: 'NoEnd', startDate: '2026-02-24' },
      },
    },
  },
  {
    name: 'weekly-sydney-southern-dst',
    covers: 'Weekly Friday in Sydney (DST ends in April, starts in October), EndDate range, one deleted occurrence',
    item: {
      subject: 'Friday drinks', start: '2026-03-06T17:30:00', end: '2026-03-06T19:00:00', timeZone: 'AUS Eastern Standard Time', freeBusy: 'Free',
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Friday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'EndDate', startDate: '2026-03-06', endDate: '2026-12-18' },
      },
      deletedOccurrences: ['2026-04-03T17:30:00'],
    },
  },
  {
    name: 'weekdays-india-numbered',
    covers: 'Weekly Mon–Fri ("every weekday") in India Standard Time (no DST), Numbered',
    item: {
      subject: 'Stand-up (Bengaluru)', start: '2026-02-02T09:15:00', end: '2026-02-02T09:30:00', timeZone: 'India Standard Time',
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'Numbered', startDate: '2026-02-02', numberOfOccurrences: 40 },
      },
    },
  },
  {
    name: 'weekly-custom-zone',
    covers: 'Weekly in a legacy Outlook custom zone (tzone://Microsoft/Custom, UTC+3:30 with DST)',
    item: {
      subject: 'Call with Tehran office', start: '2026-03-04T09:00:00', end: '2026-03-04T10:00:00',
      timeZone: {
        standardBias: -210,
        daylight: { bias: -270, start: { month: 3, dayOfWeek: 'Thursday', occurrence: 4, time: '00:00' }, end: { month: 9, dayOfWeek: 'Saturday', occurrence: 3, time: '23:00' } },
      },
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Wednesday'], firstDayOfWeek: 'Saturday' },
        range: { kind: 'EndDate', startDate: '2026-03-04', endDate: '2026-10-28' },
      },
    },
  },
  {
    name: 'weekly-start-not-in-pattern',
    covers: 'Weekly Tuesday, master created on a Monday: Exchange moves Start to the first Tuesday',
    item: {
      subject: 'Office hours', start: '2026-02-02T14:00:00', end: '2026-02-02T15:00:00', timeZone: 'W. Europe Standard Time',
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Tuesday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'Numbered', startDate: '2026-02-02', numberOfOccurrences: 6 },
      },
    },
  },
  {
    name: 'monthly-day15',
    covers: 'AbsoluteMonthly day 15, NoEnd',
    item: {
      subject: 'Invoice run', start: '2026-01-15T08:00:00', end: '2026-01-15T09:00:00', timeZone: 'W. Europe Standard Time', categories: ['Finance'],
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 15 }, range: { kind: 'NoEnd', startDate: '2026-01-15' } },
    },
  },
  {
    name: 'monthly-day29-numbered',
    covers: 'AbsoluteMonthly day 29 (Feb 28 in common years), Numbered 26 → across 2027 and leap 2028',
    item: {
      subject: 'Day-29 report', start: '2026-01-29T09:00:00', end: '2026-01-29T09:30:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 29 }, range: { kind: 'Numbered', startDate: '2026-01-29', numberOfOccurrences: 26 } },
    },
  },
  {
    name: 'monthly-day30-enddate',
    covers: 'AbsoluteMonthly day 30 every 1 month, EndDate range',
    item: {
      subject: 'Month-end close', start: '2026-01-30T16:00:00', end: '2026-01-30T17:00:00', timeZone: 'Eastern Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 30 }, range: { kind: 'EndDate', startDate: '2026-01-30', endDate: '2027-06-30' } },
    },
  },
  {
    name: 'monthly-day31-interval2',
    covers: 'AbsoluteMonthly day 31 every 2 months (last day of shorter months), NoEnd',
    item: {
      subject: 'Bi-monthly backup check', start: '2026-01-31T18:00:00', end: '2026-01-31T18:30:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteMonthly', interval: 2, dayOfMonth: 31 }, range: { kind: 'NoEnd', startDate: '2026-01-31' } },
    },
  },
  {
    name: 'relmonthly-second-tuesday',
    covers: 'RelativeMonthly Second Tuesday, Numbered',
    item: {
      subject: 'Patch Tuesday', start: '2026-01-13T19:00:00', end: '2026-01-13T21:00:00', timeZone: 'Pacific Standard Time',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'Tuesday', dayOfWeekIndex: 'Second' }, range: { kind: 'Numbered', startDate: '2026-01-13', numberOfOccurrences: 24 } },
    },
  },
  {
    name: 'relmonthly-last-friday-interval3',
    covers: 'RelativeMonthly Last Friday every 3 months, EndDate',
    item: {
      subject: 'Quarterly town hall', start: '2026-01-30T15:00:00', end: '2026-01-30T16:00:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 3, daysOfWeek: 'Friday', dayOfWeekIndex: 'Last' }, range: { kind: 'EndDate', startDate: '2026-01-30', endDate: '2028-12-31' } },
    },
  },
  {
    name: 'relmonthly-first-weekday',
    covers: 'RelativeMonthly First Weekday (pseudo-day Weekday)',
    item: {
      subject: 'Payroll cut-off', start: '2026-01-01T10:00:00', end: '2026-01-01T10:30:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'Weekday', dayOfWeekIndex: 'First' }, range: { kind: 'NoEnd', startDate: '2026-01-01' } },
    },
  },
  {
    name: 'relmonthly-last-weekday',
    covers: 'RelativeMonthly Last Weekday',
    item: {
      subject: 'Timesheets due', start: '2026-01-30T16:00:00', end: '2026-01-30T16:15:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'Weekday', dayOfWeekIndex: 'Last' }, range: { kind: 'Numbered', startDate: '2026-01-30', numberOfOccurrences: 30 } },
    },
  },
  {
    name: 'relmonthly-second-weekendday',
    covers: 'RelativeMonthly Second WeekendDay (pseudo-day WeekendDay)',
    item: {
      subject: 'Hiking club', start: '2026-01-10T09:00:00', end: '2026-01-10T15:00:00', timeZone: 'W. Europe Standard Time', sensitivity: 'Personal',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'WeekendDay', dayOfWeekIndex: 'Second' }, range: { kind: 'NoEnd', startDate: '2026-01-10' } },
    },
  },
  {
    name: 'relmonthly-third-day',
    covers: 'RelativeMonthly Third Day (pseudo-day Day = day 3)',
    item: {
      subject: 'Rent transfer', start: '2026-02-03T08:00:00', end: '2026-02-03T08:15:00', timeZone: 'W. Europe Standard Time', sensitivity: 'Private',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'Day', dayOfWeekIndex: 'Third' }, range: { kind: 'NoEnd', startDate: '2026-02-03' } },
    },
  },
  {
    name: 'relmonthly-last-day',
    covers: 'RelativeMonthly Last Day (pseudo-day Day, last day of every month)',
    item: {
      subject: 'Archive mailbox', start: '2026-01-31T20:00:00', end: '2026-01-31T20:30:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek: 'Day', dayOfWeekIndex: 'Last' }, range: { kind: 'NoEnd', startDate: '2026-01-31' } },
    },
  },
  {
    name: 'yearly-absolute',
    covers: 'AbsoluteYearly 14 July, Numbered',
    item: {
      subject: 'Bastille Day party', start: '2026-07-14T18:00:00', end: '2026-07-14T23:00:00', timeZone: 'Romance Standard Time',
      recurrence: { pattern: { kind: 'AbsoluteYearly', month: 'July', dayOfMonth: 14 }, range: { kind: 'Numbered', startDate: '2026-07-14', numberOfOccurrences: 5 } },
    },
  },
  {
    name: 'yearly-feb29-allday',
    covers: 'AbsoluteYearly 29 February, all-day, NoEnd (Feb 28 in common years)',
    item: {
      subject: 'Leap-day birthday 🎂', start: '2024-02-29', end: '2024-03-01', isAllDay: true, timeZone: 'W. Europe Standard Time', freeBusy: 'Free', reminderMinutes: 1080,
      recurrence: { pattern: { kind: 'AbsoluteYearly', month: 'February', dayOfMonth: 29 }, range: { kind: 'NoEnd', startDate: '2024-02-29' } },
    },
  },
  {
    name: 'yearly-relative-thanksgiving',
    covers: 'RelativeYearly Fourth Thursday of November (Eastern), all-day, EndDate',
    item: {
      subject: 'Thanksgiving', start: '2026-11-26', end: '2026-11-27', isAllDay: true, timeZone: 'Eastern Standard Time', freeBusy: 'OOF', reminderMinutes: null,
      recurrence: { pattern: { kind: 'RelativeYearly', month: 'November', daysOfWeek: 'Thursday', dayOfWeekIndex: 'Fourth' }, range: { kind: 'EndDate', startDate: '2026-11-26', endDate: '2031-12-31' } },
    },
  },
  {
    name: 'yearly-relative-last-weekendday',
    covers: 'RelativeYearly Last WeekendDay of March (pseudo-day in a yearly pattern), timed across the DST weekend',
    item: {
      subject: 'Spring cleaning', start: '2026-03-29T10:00:00', end: '2026-03-29T12:00:00', timeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { kind: 'RelativeYearly', month: 'March', daysOfWeek: 'WeekendDay', dayOfWeekIndex: 'Last' }, range: { kind: 'NoEnd', startDate: '2026-03-29' } },
    },
  },
  {
    name: 'allday-weekly-exceptions',
    covers: 'All-day weekly series (Monday), EndDate; one deleted and one moved occurrence (EXDATE/RECURRENCE-ID as dates)',
    item: {
      subject: 'Home office', start: '2026-03-16', end: '2026-03-17', isAllDay: true, timeZone: 'W. Europe Standard Time', freeBusy: 'WorkingElsewhere', reminderMinutes: null,
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'EndDate', startDate: '2026-03-16', endDate: '2026-06-29' },
      },
      exceptions: [{ originalStart: '2026-04-06', start: '2026-04-07', end: '2026-04-08', subject: 'Home office (Easter Monday moved)' }],
      deletedOccurrences: ['2026-05-25'],
    },
  },
  {
    name: 'allday-daily-multiday-los-angeles',
    covers: 'All-day 2-day events every 7 days in Pacific time (local dates, never UTC dates), Numbered',
    item: {
      subject: 'On call', start: '2026-03-05', end: '2026-03-07', isAllDay: true, timeZone: 'Pacific Standard Time', freeBusy: 'Tentative', reminderMinutes: null,
      recurrence: { pattern: { kind: 'Daily', interval: 7 }, range: { kind: 'Numbered', startDate: '2026-03-05', numberOfOccurrences: 8 } },
    },
  },
  // --- singles ----------------------------------------------------------------------------------
  {
    name: 'meeting-attendee-roles',
    covers: 'Organizer + required/optional attendees + room/resource with Accept/Tentative/Decline/NoResponseReceived/Unknown; Teams link',
    item: {
      subject: 'Quarterly planning', location: 'Room 2.14', start: '2026-02-17T13:00:00', end: '2026-02-17T15:00:00', timeZone: 'W. Europe Standard Time',
      body: 'Agenda:\n1. Roadmap\n2. Budget', importance: 'High', organizer: MARA, myResponseType: 'Organizer', isResponseRequested: true, sequence: 1,
      requiredAttendees: [{ ...JONAS, response: 'Accept' }, { ...DOE, response: 'Decline' }, { name: 'Øystein Ås', email: 'oystein@contoso.com', response: 'NoResponseReceived' }],
      optionalAttendees: [{ name: 'Priya Raman', email: 'priya@contoso.com', response: 'Tentative' }, { name: 'Sales Team', email: 'sales@contoso.com', mailboxType: 'PublicDL', response: 'Unknown' }],
      resources: [{ ...ROOM, response: 'Accept' }, { name: 'Beamer 3', email: 'beamer3@contoso.com', response: 'Accept' }],
      joinOnlineMeetingUrl: 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjA5YjQ0@thread.v2/0?context=%7b%22Tid%22%3a%22x%22%7d',
    },
  },
  {
    name: 'meeting-as-attendee',
    covers: 'Attendee copy: organizer is someone else, MyResponseType Tentative, own entry says Unknown',
    item: {
      subject: 'Vendor demo', location: 'Online', start: '2026-02-18T16:00:00', end: '2026-02-18T17:00:00', timeZone: 'W. Europe Standard Time',
      organizer: DOE, myResponseType: 'Tentative', isResponseRequested: true, freeBusy: 'Tentative',
      requiredAttendees: [{ ...MARA, response: 'Unknown' }, { ...JONAS, response: 'Unknown' }],
    },
  },
  {
    name: 'cancelled-meeting',
    covers: 'IsCancelled meeting ("Canceled: " subject, Free), declined by the owner',
    item: {
      subject: 'Canceled: Budget review', start: '2026-02-19T11:00:00', end: '2026-02-19T12:00:00', timeZone: 'W. Europe Standard Time',
      organizer: JONAS, myResponseType: 'Decline', isCancelled: true, sequence: 4, requiredAttendees: [{ ...MARA, response: 'Decline' }],
    },
  },
  {
    name: 'private-no-reminder',
    covers: 'Sensitivity Private, ReminderIsSet false (minutes still reported), Low importance',
    item: { subject: 'Dentist', location: 'Dr. Kühn, Hauptstr. 5', start: '2026-02-20T08:00:00', end: '2026-02-20T09:00:00', sensitivity: 'Private', importance: 'Low', reminderMinutes: null },
  },
  {
    name: 'confidential-oof-reminder-week',
    covers: 'Sensitivity Confidential, OOF, reminder one week before',
    item: { subject: 'Strategy off-site', start: '2026-04-14T09:00:00', end: '2026-04-16T17:00:00', sensitivity: 'Confidential', freeBusy: 'OOF', reminderMinutes: 10080 },
  },
  {
    name: 'allday-single-berlin-dst',
    covers: 'All-day single over the spring DST weekend in Berlin (47 h in UTC, 2 dates)',
    item: { subject: 'Ski weekend', start: '2026-03-28', end: '2026-03-30', isAllDay: true, freeBusy: 'OOF', reminderMinutes: 0 },
  },
  {
    name: 'allday-single-tokyo',
    covers: 'All-day single in Tokyo: Start is the previous day in UTC',
    item: { subject: 'Foundation Day (JP)', start: '2026-02-11', end: '2026-02-12', isAllDay: true, timeZone: 'Tokyo Standard Time', freeBusy: 'Free' },
  },
  {
    name: 'unicode-texts',
    covers: 'Unicode: CJK, RTL, emoji, combining marks, XML specials in subject, location, categories and body',
    item: {
      subject: '会議 · مراجعة · Café ☕ 👩🏽‍💻 <R&D> "Q1"', location: 'Zürich, Bahnhofstraße 1; 3. OG', categories: ['Красный', 'Grün, wichtig', '🟦 Blue'],
      body: 'Zeile 1: Grüße aus Köln\nLine 2: naïve café — 100 % ✓\n第三行: 中文; semi;colon, comma\\backslash',
      start: '2026-02-23T09:00:00', end: '2026-02-23T10:00:00', timeZone: 'Tokyo Standard Time',
    },
  },
  {
    name: 'long-html-body',
    covers: 'Long HTML body (~9 KB) with entities, table, links and non-ASCII: DESCRIPTION as text, X-ALT-DESC as HTML',
    item: {
      subject: 'Release notes review', start: '2026-02-24T14:00:00', end: '2026-02-24T15:30:00',
      body: { type: 'HTML', value: longHtml() },
    },
  },
  {
    name: 'start-end-zones-differ',
    covers: 'Flight: StartTimeZone Berlin, EndTimeZone Eastern',
    item: {
      subject: 'LH 400 FRA → JFK', start: '2026-03-26T13:05:00', end: '2026-03-26T15:55:00', timeZone: 'W. Europe Standard Time', endTimeZone: 'Eastern Standard Time',
      freeBusy: 'OOF', categories: ['Travel'],
    },
  },
  {
    name: 'utc-zone-single',
    covers: 'Item in the UTC zone: DTSTART in UTC form, no VTIMEZONE',
    item: { subject: 'Maintenance window', start: '2026-02-28T22:00:00Z', end: '2026-03-01T02:00:00Z', timeZone: 'UTC', freeBusy: 'WorkingElsewhere' },
  },
  // --- Exchange 2016 shaped ---------------------------------------------------------------------
  {
    name: 'e2016-weekly-exceptions',
    covers: 'Exchange 2016 response shape: weekly series with a moved occurrence and a deleted one',
    server: 'exchange2016',
    item: {
      subject: 'Ops review', start: '2026-01-08T09:00:00', end: '2026-01-08T10:00:00', timeZone: 'W. Europe Standard Time',
      organizer: MARA, myResponseType: 'Organizer', requiredAttendees: [{ ...JONAS, response: 'Accept' }],
      recurrence: {
        pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Thursday'], firstDayOfWeek: 'Monday' },
        range: { kind: 'Numbered', startDate: '2026-01-08', numberOfOccurrences: 12 },
      },
      exceptions: [{ originalStart: '2026-02-05T09:00:00', start: '2026-02-06T11:00:00', end: '2026-02-06T12:00:00', reminderMinutes: 30 }],
      deletedOccurrences: ['2026-02-19T09:00:00'],
    },
  },
  {
    name: 'e2016-single-sydney',
    covers: 'Exchange 2016 response shape: single in Sydney during southern summer time',
    server: 'exchange2016',
    item: { subject: 'APAC sync', start: '2026-02-10T08:00:00', end: '2026-02-10T08:45:00', timeZone: 'AUS Eastern Standard Time' },
  },
];

function longHtml(): string {
  const rows = Array.from({ length: 40 }, (_, i) => `<tr><td>EWS-${1000 + i}</td><td>Fix &amp; verify item ${i} — “quoted” &lt;tag&gt; ✓</td><td><a href="https://tracker.contoso.com/EWS-${1000 + i}">link</a></td></tr>`).join('\r\n');
  return (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>p{margin:0}</style></head><body>' +
    '<p>Hallo zusammen,</p><p>&nbsp;</p><p>hier die Änderungen für <b>Release 4.2</b>:</p>' +
    `<table border="1">\r\n${rows}\r\n</table>` +
    '<p>Grüße<br>Mara</p><p style="color:#999">Vertraulich &#8211; nur intern.</p></body></html>'
  );
}
