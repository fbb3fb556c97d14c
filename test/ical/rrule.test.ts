// Recurrence equivalence: every recurring fixture, rendered and expanded by ical.js
// (src/ical/expand.ts) over five years, must give Outlook's instances — computed here
// independently with plain date arithmetic from Outlook's rules (EWS-NOTES §8), compared as UTC
// instants and as local wall-clock times across DST changes.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { CalendarObject, EventTime } from '../../src/model/event.js';
import type { RecurrencePattern, Weekday, WeekIndex } from '../../src/model/recurrence.js';
import { resolveZone } from '../../src/model/tz.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import { expandInstances } from '../../src/ical/expand.js';

const dir = fileURLToPath(new URL('../../fixtures/ical/', import.meta.url));
const DAY = 86_400_000;
const CODES: Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

// --- Outlook's rules, written out plainly ------------------------------------------------------

const lastDayOfMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The index-th of the month's days whose weekday is in `days` ("last weekday", "3rd day", "2nd Tuesday"). */
function nthDay(y: number, m: number, days: readonly Weekday[], index: WeekIndex): number {
  const hits: number[] = [];
  for (let d = 1; d <= lastDayOfMonth(y, m); d++) if (days.includes(CODES[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!)) hits.push(d);
  const k = { first: 0, second: 1, third: 2, fourth: 3, last: hits.length - 1 }[index];
  return hits[k]!;
}

function isOutlookDay(p: RecurrencePattern, start: Date, date: Date): boolean {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  const monthsSince = (y - start.getUTCFullYear()) * 12 + (m - 1 - start.getUTCMonth());
  switch (p.type) {
    case 'daily':
      return Math.round((date.getTime() - start.getTime()) / DAY) % p.interval === 0;
    case 'weekly': {
      const wkst = CODES.indexOf(p.firstDayOfWeek);
      const weekOf = (x: Date): number => (x.getTime() - ((x.getUTCDay() - wkst + 7) % 7) * DAY) / (7 * DAY);
      return p.days.includes(CODES[date.getUTCDay()]!) && Math.round(weekOf(date) - weekOf(start)) % p.interval === 0;
    }
    case 'absoluteMonthly': // day 29/30/31 → the month's last day when the month is shorter
      return monthsSince % p.interval === 0 && d === Math.min(p.dayOfMonth, lastDayOfMonth(y, m));
    case 'relativeMonthly':
      return monthsSince % p.interval === 0 && d === nthDay(y, m, p.days, p.index);
    case 'absoluteYearly': // Feb 29 → Feb 28 in common years
      return m === p.month && d === Math.min(p.dayOfMonth, lastDayOfMonth(y, m));
    case 'relativeYearly':
      return m === p.month && d === nthDay(y, m, p.days, p.index);
  }
}

interface Expected {
  recurrenceId: number;
  start: number;
  localStart: string;
}

function outlookInstances(obj: CalendarObject, windowEnd: number): Expected[] {
  const rec = obj.recurrence!;
  const s = obj.master.start;
  const zone = s.kind === 'date-time' ? resolveZone(s.zone) : undefined;
  const startLocal = s.kind === 'date' ? s.date : zone!.toLocal(s.utc);
  const startDate = new Date(`${startLocal.slice(0, 10)}T00:00:00Z`);
  const time = startLocal.slice(10); // '' for all-day
  const toInstant = (date: string): number => (zone ? zone.fromLocal(`${date}${time}`) : Date.parse(`${date}T00:00:00Z`));
  const dates: string[] = [];
  for (let ms = startDate.getTime(); ms < windowEnd + DAY; ms += DAY) {
    const date = new Date(ms);
    const iso = date.toISOString().slice(0, 10);
    // The master's start is always the first occurrence.
    if (ms === startDate.getTime() || isOutlookDay(rec.pattern, startDate, date)) dates.push(iso);
  }
  let chosen = dates;
  if (rec.range.type === 'numbered') chosen = dates.slice(0, rec.range.count);
  if (rec.range.type === 'endDate') chosen = dates.filter((d) => d <= (rec.range as { endDate: string }).endDate);
  const instant = (e: EventTime): number => (e.kind === 'date' ? Date.parse(`${e.date}T00:00:00Z`) : e.utc);
  const deleted = new Set(obj.deletedOccurrences.map(instant));
  const overrides = new Map(obj.overrides.map((o) => [instant(o.recurrenceId!), o]));
  const out: Expected[] = [];
  for (const date of chosen) {
    const rid = toInstant(date);
    const o = overrides.get(rid);
    if (deleted.has(rid) && !o) continue;
    if (o) {
      const oz = o.start.kind === 'date-time' ? resolveZone(o.start.zone) : undefined;
      out.push({ recurrenceId: rid, start: instant(o.start), localStart: o.start.kind === 'date' ? o.start.date : oz!.toLocal(o.start.utc) });
    } else out.push({ recurrenceId: rid, start: rid, localStart: time ? `${date}${time}` : date });
  }
  return out.filter((e) => e.start < windowEnd);
}

// --- the comparison ------------------------------------------------------------------------------

const recurring = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.slice(0, -5), obj: JSON.parse(readFileSync(`${dir}${f}`, 'utf8')) as CalendarObject }))
  .filter(({ obj }) => obj.recurrence);

t.test('recurring fixtures exist', async (t) => {
  t.ok(recurring.length >= 15, `${recurring.length} recurring fixtures`);
});

for (const { name, obj } of recurring) {
  t.test(name, async (t) => {
    const ics = renderCalendarObject(obj);
    const s = obj.master.start;
    const from = s.kind === 'date' ? Date.parse(`${s.date}T00:00:00Z`) : s.utc;
    const to = from + 5 * 365 * DAY;
    const got = expandInstances(ics, from, to);
    const want = outlookInstances(obj, to);
    t.ok(want.length > 0, `${want.length} expected instances`);
    t.same(
      got.map((i) => new Date(i.recurrenceId ?? i.start).toISOString()),
      want.map((i) => new Date(i.recurrenceId).toISOString()),
      'same occurrences (UTC)',
    );
    t.same(got.map((i) => i.localStart), want.map((i) => i.localStart), 'same local wall-clock starts');
    t.same(got.map((i) => i.start), want.map((i) => i.start), 'same instance starts (overrides applied)');
  });
}

// --- spot checks that say in words what the table above covers ----------------------------------

function byName(name: string): CalendarObject {
  return recurring.find((r) => r.name === name)!.obj;
}
function localDates(name: string, from: string, to: string): string[] {
  return expandInstances(renderCalendarObject(byName(name)), Date.parse(from), Date.parse(to)).map((i) => i.localStart.slice(0, 10));
}

t.test('day 31 monthly is the last day of every month', async (t) => {
  t.same(localDates('monthly-day31', '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z'), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
});
t.test('day 30 monthly falls back to Feb 28/29 only', async (t) => {
  t.same(localDates('monthly-day30', '2027-12-01T00:00:00Z', '2028-04-01T00:00:00Z'), ['2027-12-30', '2028-01-30', '2028-02-29', '2028-03-30']);
});
t.test('Feb 29 yearly falls back to Feb 28 in common years', async (t) => {
  t.same(localDates('yearly-feb29', '2028-01-01T00:00:00Z', '2033-01-01T00:00:00Z'), ['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
});
t.test('4th Thursday of November', async (t) => {
  t.same(localDates('yearly-relative-thanksgiving', '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z'), ['2026-11-26', '2027-11-25', '2028-11-23', '2029-11-22']);
});
t.test('a start outside the pattern is the first occurrence and counts', async (t) => {
  t.same(localDates('weekly-start-not-in-pattern', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), ['2026-03-05', '2026-03-09', '2026-03-16', '2026-03-23']);
});
t.test('wall-clock time is kept across DST (Sydney: +11 → +10 in April)', async (t) => {
  const got = expandInstances(renderCalendarObject(byName('sydney-weekly-noend')), Date.parse('2026-03-29T00:00:00Z'), Date.parse('2026-04-10T00:00:00Z'));
  t.same(got.map((i) => i.localStart), ['2026-03-30T09:00:00', '2026-04-02T09:00:00', '2026-04-06T09:00:00', '2026-04-09T09:00:00']);
  t.same(got.map((i) => new Date(i.start).toISOString().slice(11, 16)), ['22:00', '22:00', '23:00', '23:00']);
});
t.test('custom zone with two eras (US rules before and after 2007)', async (t) => {
  const got = expandInstances(renderCalendarObject(byName('custom-zone-weekly')), Date.parse('2006-03-27T00:00:00Z'), Date.parse('2007-03-20T00:00:00Z'));
  const offsetOf = (date: string): string | undefined => {
    const i = got.find((x) => x.localStart.startsWith(date));
    return i && new Date(i.start).toISOString().slice(11, 16);
  };
  t.equal(offsetOf('2006-03-27'), '14:00', 'EST before the first Sunday of April 2006');
  t.equal(offsetOf('2006-04-03'), '13:00', 'EDT after it');
  t.equal(offsetOf('2007-03-05'), '14:00', 'EST before the second Sunday of March 2007');
  t.equal(offsetOf('2007-03-12'), '13:00', 'EDT after it (new era)');
});
t.test('time-range filter (RFC 4791 §9.9 overlap)', async (t) => {
  const ics = renderCalendarObject(byName('weekly-override-deleted'));
  // The override moved from Mon 30 Mar 10:00 to Tue 31 Mar 15:00 CEST.
  const hit = expandInstances(ics, Date.parse('2026-03-31T13:30:00Z'), Date.parse('2026-03-31T13:31:00Z'));
  t.equal(hit.length, 1);
  t.equal(hit[0]!.recurrenceId, Date.parse('2026-03-30T08:00:00Z'));
  t.same(expandInstances(ics, Date.parse('2026-03-30T07:00:00Z'), Date.parse('2026-03-30T10:00:00Z')), [], 'the original slot is empty');
  t.same(expandInstances(ics, Date.parse('2026-03-04T00:00:00Z'), Date.parse('2026-03-05T00:00:00Z')), [], 'deleted occurrence');
  t.equal(expandInstances(ics, 0, Date.parse('2030-01-01T00:00:00Z'), 3).length, 3, 'max');
});
