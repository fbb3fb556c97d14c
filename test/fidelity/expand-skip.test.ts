// src/ical/expand.ts for CalDAV time-range queries: daily/weekly series skip forward to the range
// start, and local times are read by RFC 5545 §3.3.5. Every windowed query must equal the full walk
// (an open range, which never skips) cut to the same window — across DST, with EXDATEs and
// overrides (moved into, out of and across the window) at its edges.

import t from 'tap';
import ICAL from 'ical.js';
import { expandInstances, type Instance } from '../../src/ical/expand.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import type { CalendarObject, EventData, EventTime, Recurrence } from '../../src/model/index.js';

const DAY = 86_400_000;
const BERLIN = { ianaId: 'Europe/Berlin' };
const LA = { ianaId: 'America/Los_Angeles' };

function at(iso: string, zone = BERLIN): EventTime {
  return { kind: 'date-time', utc: Date.parse(iso), zone };
}

function event(start: EventTime, end: EventTime, summary: string): EventData {
  return { source: { id: summary }, start, end, summary, attendees: [], isMeeting: false, sensitivity: 'normal', showAs: 'busy', importance: 'normal', cancelled: false, categories: [] };
}

function series(uid: string, start: EventTime, end: EventTime, recurrence: Recurrence, more: Partial<CalendarObject> = {}): string {
  return renderCalendarObject({ uid, master: event(start, end, uid), recurrence, deletedOccurrences: [], overrides: [], ...more });
}

const overlaps = (i: Instance, s: number, e: number): boolean => i.start < e && (i.end > s || (i.start === i.end && i.start >= s));

const CASES: Record<string, string> = {
  // Daily since 2024, 08:00 Berlin; deletions and overrides around the 2026 DST weeks.
  'daily since 2024, Berlin': series('daily', at('2024-01-02T07:00:00Z'), at('2024-01-02T07:30:00Z'), { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2024-01-02' } }, {
    deletedOccurrences: [at('2026-03-27T07:00:00Z'), at('2026-03-30T06:00:00Z'), at('2026-10-26T07:00:00Z')],
    overrides: [
      // From well before the windows into the spring DST week.
      { ...event(at('2026-03-28T10:00:00Z'), at('2026-03-28T11:00:00Z'), 'moved in'), recurrenceId: at('2026-01-05T07:00:00Z') },
      // From the spring DST week far into the future.
      { ...event(at('2027-06-01T10:00:00Z'), at('2027-06-01T11:00:00Z'), 'moved out'), recurrenceId: at('2026-03-31T06:00:00Z') },
      // From later back into the autumn DST week.
      { ...event(at('2026-10-24T12:00:00Z'), at('2026-10-24T13:00:00Z'), 'moved back'), recurrenceId: at('2026-12-01T07:00:00Z') },
    ],
  }),
  'weekly Mon+Wed every 2 weeks, WKST SU, Los Angeles': series('weekly2', at('2024-01-03T17:00:00Z', LA), at('2024-01-03T18:30:00Z', LA), {
    pattern: { type: 'weekly', interval: 2, days: ['MO', 'WE'], firstDayOfWeek: 'SU' },
    range: { type: 'noEnd', startDate: '2024-01-03' },
  }, { deletedOccurrences: [at('2026-03-09T16:00:00Z', LA)] }),
  'weekly with an end date': series('until', at('2024-05-06T07:00:00Z'), at('2024-05-06T08:00:00Z'), {
    pattern: { type: 'weekly', interval: 1, days: ['MO', 'TU', 'FR'], firstDayOfWeek: 'MO' },
    range: { type: 'endDate', startDate: '2024-05-06', endDate: '2026-10-30' },
  }),
  'daily every 3 days with a count (never skipped)': series('count', at('2025-01-01T08:00:00Z'), at('2025-01-01T09:00:00Z'), {
    pattern: { type: 'daily', interval: 3 },
    range: { type: 'numbered', startDate: '2025-01-01', count: 300 },
  }),
  'all-day daily every 2 days': renderCalendarObject({
    uid: 'allday',
    master: event({ kind: 'date', date: '2024-02-28' }, { kind: 'date', date: '2024-02-29' }, 'allday'),
    recurrence: { pattern: { type: 'daily', interval: 2 }, range: { type: 'noEnd', startDate: '2024-02-28' } },
    deletedOccurrences: [{ kind: 'date', date: '2026-03-29' }],
    overrides: [],
  }),
};

for (const [name, ics] of Object.entries(CASES)) {
  t.test(name, async (t) => {
    const all = expandInstances(ics, -8.64e15, Date.parse('2028-01-01T00:00:00Z'), 1_000_000);
    t.ok(all.length > 100, `${all.length} instances in the full walk`);
    let windows = 0;
    // One-week windows every 3 days through 2026 (both DST changes, every edge case above).
    for (let s = Date.parse('2026-01-01T00:00:00Z'); s < Date.parse('2027-01-01T00:00:00Z'); s += 3 * DAY + 3_600_000) {
      const e = s + 7 * DAY;
      const expected = all.filter((i) => overlaps(i, s, e));
      const got = expandInstances(ics, s, e);
      if (JSON.stringify(got) !== JSON.stringify(expected)) t.same(got, expected, `window ${new Date(s).toISOString()}`);
      windows++;
    }
    t.pass(`${windows} windows equal the full walk`);
  });
}

t.test('a one-week query walks about a week of candidates', async (t) => {
  const proto = ICAL.RecurIterator.prototype as unknown as { next: (...a: unknown[]) => unknown };
  const original = proto.next;
  let calls = 0;
  proto.next = function (this: unknown, ...a: unknown[]) {
    calls++;
    return original.apply(this, a);
  };
  t.teardown(() => void (proto.next = original));
  const s = Date.parse('2026-06-01T00:00:00Z');
  const got = expandInstances(CASES['daily since 2024, Berlin']!, s, s + 7 * DAY);
  t.equal(got.length, 7);
  t.ok(calls < 40, `${calls} candidates (walking from 2024 took ~1,400)`);
});

t.test('local times by RFC 5545 §3.3.5: nonexistent and repeated hours', async (t) => {
  // Daily 02:30 Berlin: on 29 March 02:30 does not exist (read with the offset before the gap,
  // 03:30 CEST); on 25 October it occurs twice (the first, 02:30 CEST).
  const ics = series('gap', at('2026-03-27T01:30:00Z'), at('2026-03-27T02:00:00Z'), { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-03-27' } });
  const spring = expandInstances(ics, Date.parse('2026-03-29T00:00:00Z'), Date.parse('2026-03-29T12:00:00Z'));
  t.same(spring.map((i) => [new Date(i.start).toISOString(), i.localStart]), [['2026-03-29T01:30:00.000Z', '2026-03-29T03:30:00']]);
  const autumn = expandInstances(ics, Date.parse('2026-10-25T00:00:00Z'), Date.parse('2026-10-25T12:00:00Z'));
  t.same(autumn.map((i) => [new Date(i.start).toISOString(), i.localStart]), [['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00']]);
  // An EXDATE written at the repeated hour removes that instance (same reading on both sides).
  const ex = series('gap-ex', at('2026-10-20T00:30:00Z'), at('2026-10-20T01:00:00Z'), { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-10-20' } }, {
    deletedOccurrences: [at('2026-10-25T00:30:00Z')],
  });
  t.same(expandInstances(ex, Date.parse('2026-10-25T00:00:00Z'), Date.parse('2026-10-25T12:00:00Z')), []);
});
