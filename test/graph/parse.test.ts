// Pure parts of the Graph upstream over documents shaped as Microsoft documents them (v1.0 event
// resource, patternedRecurrence, MS-OXOCAL TZDEFINITION): event → model, recurrence patterns and
// ranges, TZDEFINITION decoding, ids, sync state, and Outlook's occurrence expansion.
import t from 'tap';
import { parseGraphEvent, EXTENDED } from '../../src/graph/parse-event.js';
import { parseRecurrence, GraphRecurrenceError } from '../../src/graph/parse-recurrence.js';
import { decodeTzDefinition, tzDefinitionFromBase64 } from '../../src/graph/parse-zone.js';
import { idSegment, toEwsId, toGraphId } from '../../src/graph/ids.js';
import { decodeState, encodeState, stateNeedsFullPass, syncWindow } from '../../src/graph/sync-state.js';
import { occurrencesBetween, seriesDates } from '../../src/model/occurrences.js';
import { rulesOffsetAt } from '../../src/model/tz.js';
import type { Recurrence } from '../../src/model/index.js';
import type { GraphEvent } from '../../src/graph/types.js';

// --- a TZDEFINITION built from MS-OXOCAL 2.2.1.41 / 2.2.1.41.1 -------------------------------------
interface St { month: number; dayOfWeek: number; day: number; hour: number; minute?: number }
interface Rule { year: number; bias: number; daylightBias?: number; std?: St; dst?: St }
function systemTime(st: St | undefined): Buffer {
  const b = Buffer.alloc(16);
  if (st) [0, st.month, st.dayOfWeek, st.day, st.hour, st.minute ?? 0, 0, 0].forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}
function tzdef(keyName: string, rules: Rule[]): string {
  const key = Buffer.from(keyName, 'utf16le');
  const head = Buffer.alloc(8);
  head.writeUInt8(2, 0);
  head.writeUInt8(1, 1);
  head.writeUInt16LE(6 + key.length, 2);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(keyName.length, 6);
  const count = Buffer.alloc(2);
  count.writeUInt16LE(rules.length, 0);
  const body = rules.map((r, i) => {
    const b = Buffer.alloc(34);
    b.writeUInt8(2, 0);
    b.writeUInt8(1, 1);
    b.writeUInt16LE(0x3e, 2);
    b.writeUInt16LE(i === rules.length - 1 ? 2 : 0, 4);
    b.writeUInt16LE(r.year, 6);
    b.writeInt32LE(r.bias, 22);
    b.writeInt32LE(0, 26);
    b.writeInt32LE(r.daylightBias ?? 0, 30);
    return Buffer.concat([b, systemTime(r.std), systemTime(r.dst)]);
  });
  return Buffer.concat([head, key, count, ...body]).toString('base64');
}

// Pacific: UTC-8, DST -60; before 2007 first Sunday of April → last Sunday of October, since 2007
// second Sunday of March → first Sunday of November, both at 02:00.
const PACIFIC = tzdef('Pacific Standard Time', [
  { year: 1601, bias: 480, daylightBias: -60, std: { month: 10, dayOfWeek: 0, day: 5, hour: 2 }, dst: { month: 4, dayOfWeek: 0, day: 1, hour: 2 } },
  { year: 2007, bias: 480, daylightBias: -60, std: { month: 11, dayOfWeek: 0, day: 1, hour: 2 }, dst: { month: 3, dayOfWeek: 0, day: 2, hour: 2 } },
]);
const TOKYO = tzdef('Tokyo Standard Time', [{ year: 1601, bias: -540 }]);
const CUSTOM = tzdef('Customized Time Zone', [{ year: 1601, bias: -60, daylightBias: -60, std: { month: 10, dayOfWeek: 0, day: 5, hour: 3 }, dst: { month: 3, dayOfWeek: 0, day: 5, hour: 2 } }]);

t.test('TZDEFINITION → ZoneRules', async (t) => {
  const p = decodeTzDefinition(Buffer.from(PACIFIC, 'base64'));
  t.equal(p.keyName, 'Pacific Standard Time');
  t.strictSame(p.rules.eras, [
    { standardOffsetMinutes: -480, daylight: { offsetMinutes: -420, start: { month: 4, weekday: 0, week: 1, timeMinutes: 120 }, end: { month: 10, weekday: 0, week: -1, timeMinutes: 120 } } },
    { from: '2007-01-01T00:00:00', standardOffsetMinutes: -480, daylight: { offsetMinutes: -420, start: { month: 3, weekday: 0, week: 2, timeMinutes: 120 }, end: { month: 11, weekday: 0, week: 1, timeMinutes: 120 } } },
  ]);
  // 2006-04-02 10:00Z is 03:00 PDT (first Sunday of April 2006); 2026-03-08 10:00Z is 03:00 PDT (second Sunday of March).
  t.equal(rulesOffsetAt(p.rules, Date.parse('2006-04-02T10:00:00Z')), -420);
  t.equal(rulesOffsetAt(p.rules, Date.parse('2006-03-20T10:00:00Z')), -480, 'the old rule before 2007');
  t.equal(rulesOffsetAt(p.rules, Date.parse('2026-03-08T10:00:00Z')), -420);
  t.equal(rulesOffsetAt(p.rules, Date.parse('2026-11-01T09:30:00Z')), -480, 'back to standard on the first Sunday of November');
  t.strictSame(decodeTzDefinition(Buffer.from(TOKYO, 'base64')).rules.eras, [{ standardOffsetMinutes: 540 }], 'no DST: one standard offset');
  t.equal(tzDefinitionFromBase64('AAAA'), undefined, 'garbage is no definition');
  t.equal(tzDefinitionFromBase64(PACIFIC), tzDefinitionFromBase64(PACIFIC), 'decoded once, shared');
});

// --- an event as the v1.0 event resource documents it -------------------------------------------
const base: GraphEvent = {
  id: 'AAMkAGI2T_abc-def==', changeKey: 'DwAAABYAAAA', iCalUId: '040000008200E00074C5B7101A82E00800000000', type: 'singleInstance',
  originalStartTimeZone: 'Pacific Standard Time', originalEndTimeZone: 'Tokyo Standard Time',
  start: { dateTime: '2026-03-10T17:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-03-10T18:30:00.0000000', timeZone: 'UTC' },
  isAllDay: false, subject: 'Plan\r\nreview', body: { contentType: 'html', content: '<p>Hi</p>\r\n' }, importance: 'high', sensitivity: 'private', showAs: 'tentative',
  isCancelled: false, isOrganizer: false, responseRequested: true, responseStatus: { response: 'tentativelyAccepted', time: '2026-03-01T10:00:00Z' },
  organizer: { emailAddress: { name: 'Lee Gu', address: 'lee@fabrikam.com' } },
  attendees: [
    { type: 'resource', status: { response: 'accepted' }, emailAddress: { name: 'Conf Room Adams', address: 'adams@contoso.com' } },
    { type: 'optional', status: { response: 'none' }, emailAddress: { name: 'Pat', address: 'pat@contoso.com' } },
    { type: 'required', status: { response: 'notResponded' }, emailAddress: { name: 'Mara', address: 'mara@contoso.com' } },
    { type: 'resource', status: { response: 'declined' }, emailAddress: { name: 'Projector 2', address: 'proj2@contoso.com' } },
  ],
  location: { displayName: 'Conf Room Adams' }, isReminderOn: true, reminderMinutesBeforeStart: 15, categories: ['Red category'],
  onlineMeeting: { joinUrl: 'https://teams.microsoft.com/l/meetup-join/x' }, onlineMeetingUrl: null,
  createdDateTime: '2026-02-01T08:00:00.1234567Z', lastModifiedDateTime: '2026-02-02T09:30:00.9876543Z', recurrence: null,
  singleValueExtendedProperties: [
    { id: 'Integer {00062002-0000-0000-c000-000000000046} Id 0x8201', value: '4' },
    { id: 'Integer {00062002-0000-0000-c000-000000000046} Id 0x8217', value: '3' },
    { id: 'Binary {00062002-0000-0000-c000-000000000046} Id 0x825E', value: PACIFIC },
    { id: 'Binary {00062002-0000-0000-c000-000000000046} Id 0x825F', value: TOKYO },
  ],
};

t.test('event → EventData', async (t) => {
  const p = parseGraphEvent(base);
  t.equal(p.id, 'AAMkAGI2T+abc/def==', 'id in EWS form');
  t.equal(p.uid, '040000008200E00074C5B7101A82E00800000000');
  const d = p.data;
  t.strictSame(d.source, { id: 'AAMkAGI2T+abc/def==', changeKey: 'DwAAABYAAAA' });
  t.equal(d.summary, 'Plan\nreview');
  t.strictSame(d.body, { html: '<p>Hi</p>\n' });
  t.match(d.start, { kind: 'date-time', utc: Date.parse('2026-03-10T17:00:00Z'), zone: { windowsId: 'Pacific Standard Time' } });
  t.notOk(d.start.kind === 'date-time' && 'name' in d.start.zone, 'no display name for a Windows zone (display-only, never rendered)');
  t.equal(d.start.kind === 'date-time' && d.start.zone.rules?.eras.length, 2, 'rules from the TZDEFINITION');
  t.match(d.end, { kind: 'date-time', utc: Date.parse('2026-03-10T18:30:00Z'), zone: { windowsId: 'Tokyo Standard Time' } });
  t.strictSame(d.attendees.map((a) => [a.role, a.kind, a.response, a.name]), [
    ['required', 'person', 'notResponded', 'Mara'],
    ['optional', 'person', 'unknown', 'Pat'],
    ['resource', 'room', 'accepted', 'Conf Room Adams'],
    ['resource', 'resource', 'declined', 'Projector 2'],
  ], 'required, optional, resources; rooms from the location');
  t.equal(d.myResponse, 'tentative');
  t.equal(d.isMeeting, true, 'from PidLidAppointmentStateFlags');
  t.equal(d.responseRequested, true);
  t.equal(d.sensitivity, 'private');
  t.equal(d.showAs, 'tentative');
  t.equal(d.importance, 'high');
  t.equal(d.reminderMinutes, 15);
  t.strictSame(d.categories, ['Red category']);
  t.equal(d.onlineMeetingUrl, 'https://teams.microsoft.com/l/meetup-join/x');
  t.equal(d.created, Date.parse('2026-02-01T08:00:00.123Z'));
  t.equal(d.lastModified, Date.parse('2026-02-02T09:30:00.988Z'));
  t.equal(d.sequence, 4);
  t.equal(d.stamp, undefined, 'Graph has no DateTimeStamp');
  t.strictSame(d.organizer, { name: 'Lee Gu', email: 'lee@fabrikam.com' });

  const plain = parseGraphEvent({ ...base, isOrganizer: true, isReminderOn: false, attendees: [], subject: '', body: { contentType: 'text', content: '' }, singleValueExtendedProperties: [], originalStartTimeZone: 'tzone://Microsoft/Custom', originalEndTimeZone: 'tzone://Microsoft/Custom' }).data;
  t.equal(plain.myResponse, 'organizer', "the organiser's copy says Organizer, as EWS MyResponseType");
  t.equal(plain.reminderMinutes, undefined, 'minutes without isReminderOn are no reminder');
  t.equal(plain.isMeeting, false, 'no flags and no attendees: not a meeting');
  t.equal(plain.summary, undefined);
  t.equal(plain.body, undefined);
  t.equal(plain.sequence, undefined);
  t.strictSame(plain.start.kind === 'date-time' && plain.start.zone, { name: 'Customized Time Zone' }, 'a custom zone without definition');

  const custom = parseGraphEvent({ ...base, originalStartTimeZone: 'tzone://Microsoft/Custom', singleValueExtendedProperties: [{ id: EXTENDED.startZone, value: CUSTOM }] }).data;
  t.match(custom.start.kind === 'date-time' && custom.start.zone, { name: 'Customized Time Zone', rules: { eras: [{ standardOffsetMinutes: 60 }] } });
  t.equal(custom.start.kind === 'date-time' && custom.start.zone.windowsId, undefined, 'custom zones have no Windows id');

  // All-day events are floating: their midnights arrive as they are, in any asked-for zone.
  const allDay = parseGraphEvent({ ...base, isAllDay: true, originalStartTimeZone: 'W. Europe Standard Time', originalEndTimeZone: 'W. Europe Standard Time', singleValueExtendedProperties: [], start: { dateTime: '2026-03-29T00:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-03-30T00:00:00.0000000', timeZone: 'UTC' } });
  t.strictSame([allDay.data.start, allDay.data.end], [{ kind: 'date', date: '2026-03-29' }, { kind: 'date', date: '2026-03-30' }]);
  t.equal(allDay.startUtc, Date.parse('2026-03-28T23:00:00Z'), "the instant is the start zone's midnight");
  t.equal(allDay.endUtc, Date.parse('2026-03-29T22:00:00Z'), 'across the DST switch: 23 hours');

  const occurrence = parseGraphEvent({ ...base, id: 'AAMkOcc', type: 'occurrence', seriesMasterId: 'AAMk_master-', originalStart: '2026-03-10T17:00:00Z' });
  t.equal(occurrence.seriesMasterId, 'AAMk+master/');
  t.match(occurrence.data.recurrenceId, { kind: 'date-time', utc: Date.parse('2026-03-10T17:00:00Z') });
  t.equal(parseGraphEvent({ ...base, start: { dateTime: '2026-03-10T09:00:00.0000000', timeZone: 'Pacific Standard Time' } }).startUtc, Date.parse('2026-03-10T16:00:00Z'), 'a start not in UTC is converted');
});

t.test('patternedRecurrence → Recurrence', async (t) => {
  const range = { type: 'noEnd' as const, startDate: '2026-03-02', endDate: '0001-01-01', numberOfOccurrences: 0, recurrenceTimeZone: 'Pacific Standard Time' };
  const cases: [unknown, unknown][] = [
    [{ type: 'daily', interval: 3 }, { type: 'daily', interval: 3 }],
    [{ type: 'weekly', interval: 2, daysOfWeek: ['friday', 'monday'], firstDayOfWeek: 'monday' }, { type: 'weekly', interval: 2, days: ['MO', 'FR'], firstDayOfWeek: 'MO' }],
    [{ type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] }, { type: 'weekly', interval: 1, days: ['TU'], firstDayOfWeek: 'SU' }],
    [{ type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }],
    [{ type: 'relativeMonthly', interval: 1, daysOfWeek: ['thursday'], index: 'last' }, { type: 'relativeMonthly', interval: 1, days: ['TH'], index: 'last' }],
    [{ type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'first' }, { type: 'relativeMonthly', interval: 1, days: ['MO', 'TU', 'WE', 'TH', 'FR'], index: 'first' }],
    [{ type: 'relativeMonthly', interval: 2, daysOfWeek: ['saturday', 'sunday'], index: 'second' }, { type: 'relativeMonthly', interval: 2, days: ['SU', 'SA'], index: 'second' }],
    [{ type: 'relativeYearly', interval: 1, month: 6, daysOfWeek: ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'], index: 'fourth' }, { type: 'relativeYearly', interval: 1, month: 6, days: ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'], index: 'fourth' }],
    [{ type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }, { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }],
    [{ type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'] }, { type: 'relativeYearly', interval: 1, month: 11, days: ['TH'], index: 'first' }],
  ];
  for (const [pattern, want] of cases) t.strictSame(parseRecurrence({ pattern: pattern as never, range }).pattern, want, JSON.stringify(pattern));
  t.strictSame(parseRecurrence({ pattern: { type: 'daily', interval: 1 }, range }).range, { type: 'noEnd', startDate: '2026-03-02' });
  t.strictSame(parseRecurrence({ pattern: { type: 'daily', interval: 1 }, range: { ...range, type: 'endDate', endDate: '2026-06-30' } }).range, { type: 'endDate', startDate: '2026-03-02', endDate: '2026-06-30' });
  t.strictSame(parseRecurrence({ pattern: { type: 'daily', interval: 1 }, range: { ...range, type: 'numbered', numberOfOccurrences: 10 } }).range, { type: 'numbered', startDate: '2026-03-02', count: 10 });
  t.throws(() => parseRecurrence({ pattern: { type: 'weekly', interval: 1, daysOfWeek: [] }, range }), GraphRecurrenceError);
  t.throws(() => parseRecurrence({ pattern: { type: 'daily', interval: 1 }, range: { ...range, type: 'numbered', numberOfOccurrences: 0 } }), GraphRecurrenceError);
  const master = parseGraphEvent({ ...base, type: 'seriesMaster', recurrence: { pattern: { type: 'hourly' as never }, range } });
  t.match(master.recurrenceProblem, /unknown pattern/, 'a pattern the model cannot hold is reported, not thrown');
});

t.test('ids between Graph and EWS form', async (t) => {
  const ews = 'AAMkADk0+Zj/ABC+/x==';
  t.equal(toGraphId(ews), 'AAMkADk0_Zj-ABC_-x==');
  t.equal(toEwsId(toGraphId(ews)), ews);
  t.equal(idSegment(ews), 'AAMkADk0_Zj-ABC_-x%3D%3D', 'percent-encoded padding in URLs');
});

t.test('sync state', async (t) => {
  const now = Date.parse('2026-03-01T15:00:00Z');
  const days = { daysBack: 30, daysAhead: 60 };
  const window = syncWindow(now, days);
  t.strictSame(window, { start: '2026-01-30T00:00:00Z', end: '2026-05-01T00:00:00Z' }, 'snapped to UTC days');
  const state = encodeState({ mode: 'delta', link: 'https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x', window });
  t.strictSame(JSON.parse(state), { v: 1, api: 'graph', mode: 'delta', link: 'https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x', window: [window.start, window.end] });
  t.strictSame(decodeState(state), { mode: 'delta', link: 'https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x', window });
  t.notOk(stateNeedsFullPass(state, now, days));
  t.notOk(stateNeedsFullPass(state, now + 7 * 86_400_000, days), 'a week of sliding is fine');
  t.ok(stateNeedsFullPass(state, now + 8 * 86_400_000, days), 'more than a week is not');
  t.ok(stateNeedsFullPass('H4sIAAAAAAAEAO29B2AcSZYlJi9tynt', now, days), 'an EWS SyncState');
  t.ok(stateNeedsFullPass(encodeState({ mode: 'list', window }), now, days), 'list mode');
  t.equal(decodeState('{"v":2,"api":"graph","mode":"delta","window":["a","b"]}'), undefined);
});

// --- Outlook's expansion --------------------------------------------------------------------------
const dates = (rec: Recurrence, n = 50) => [...seriesDates(rec)].slice(0, n);

t.test('occurrence expansion by Outlook rules', async (t) => {
  t.strictSame(dates({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2026-01-31', count: 5 } }),
    ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31'], 'day 31 falls on the last day of shorter months');
  t.strictSame(dates({ pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }, range: { type: 'numbered', startDate: '2024-02-29', count: 5 } }),
    ['2024-02-29', '2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29'], 'Feb 29 → Feb 28 in common years');
  t.strictSame(dates({ pattern: { type: 'relativeMonthly', interval: 1, days: ['MO', 'TU', 'WE', 'TH', 'FR'], index: 'last' }, range: { type: 'numbered', startDate: '2026-01-01', count: 4 } }),
    ['2026-01-30', '2026-02-27', '2026-03-31', '2026-04-30'], 'last weekday of the month');
  t.strictSame(dates({ pattern: { type: 'relativeMonthly', interval: 1, days: ['SU', 'SA'], index: 'first' }, range: { type: 'numbered', startDate: '2026-03-01', count: 3 } }),
    ['2026-03-01', '2026-04-04', '2026-05-02'], 'first weekend day');
  t.strictSame(dates({ pattern: { type: 'relativeYearly', interval: 1, month: 6, days: ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'], index: 'second' }, range: { type: 'numbered', startDate: '2026-06-01', count: 2 } }),
    ['2026-06-02', '2027-06-02'], 'the second day of June: Day pseudo-day');
  t.strictSame(dates({ pattern: { type: 'relativeYearly', interval: 1, month: 11, days: ['TH'], index: 'fourth' }, range: { type: 'endDate', startDate: '2025-01-01', endDate: '2027-11-25' } }),
    ['2025-11-27', '2026-11-26', '2027-11-25'], 'Thanksgiving; EndDate inclusive');
  t.strictSame(dates({ pattern: { type: 'weekly', interval: 2, days: ['MO', 'SU'], firstDayOfWeek: 'MO' }, range: { type: 'numbered', startDate: '2026-03-04', count: 5 } }),
    ['2026-03-08', '2026-03-16', '2026-03-22', '2026-03-30', '2026-04-05'], 'every other week from the start week (week starts Monday); Numbered counts from the series start');
  t.strictSame(dates({ pattern: { type: 'weekly', interval: 2, days: ['MO', 'SU'], firstDayOfWeek: 'SU' }, range: { type: 'numbered', startDate: '2026-03-04', count: 4 } }),
    ['2026-03-15', '2026-03-16', '2026-03-29', '2026-03-30'], 'the same with weeks starting Sunday');
  t.strictSame(dates({ pattern: { type: 'daily', interval: 3 }, range: { type: 'endDate', startDate: '2026-03-01', endDate: '2026-03-10' } }), ['2026-03-01', '2026-03-04', '2026-03-07', '2026-03-10']);
  t.strictSame(dates({ pattern: { type: 'absoluteMonthly', interval: 3, dayOfMonth: 30 }, range: { type: 'numbered', startDate: '2025-11-30', count: 3 } }), ['2025-11-30', '2026-02-28', '2026-05-30']);

  // 09:00 in Berlin stays 09:00 across the switch to summer time (2026-03-29).
  const rec: Recurrence = { pattern: { type: 'weekly', interval: 1, days: ['FR'], firstDayOfWeek: 'MO' }, range: { type: 'noEnd', startDate: '2026-03-20' } };
  const occ = occurrencesBetween({ recurrence: rec, startUtc: Date.parse('2026-03-20T08:00:00Z'), endUtc: Date.parse('2026-03-20T09:00:00Z'), zone: { windowsId: 'W. Europe Standard Time' } }, Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-04T00:00:00Z'));
  t.strictSame(occ.map((o) => new Date(o.start).toISOString()), ['2026-03-20T08:00:00.000Z', '2026-03-27T08:00:00.000Z', '2026-04-03T07:00:00.000Z']);
  const partial = occurrencesBetween({ recurrence: rec, startUtc: Date.parse('2026-03-20T08:00:00Z'), endUtc: Date.parse('2026-03-20T09:00:00Z'), zone: { windowsId: 'W. Europe Standard Time' } }, Date.parse('2026-03-27T08:30:00Z'), Date.parse('2026-04-03T07:00:00Z'));
  t.strictSame(partial.map((o) => o.date), ['2026-03-27'], 'overlap: an occurrence ending inside counts, one starting at the end does not');
});
