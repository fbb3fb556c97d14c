// Renders 10,000 mixed CalendarObjects (singles, meetings with attendees, series with overrides and
// deleted occurrences, all-day, several zones incl. a custom one) and prints items/s and peak RSS,
// next to a baseline measured in the same run (JSON.stringify of the same objects), so the figure
// reads relative to this machine. Then the whole bridge path for as many objects: GetItem response
// XML (100 objects per response, ./ical-ews-input.ts) → streaming parse → assemble → iCalendar.
// Usage: node --import tsx bench/ical.ts [count]   (target: ≥ 20,000 EWS items/s on one core)

import { renderCalendarObject } from '../src/ical/render.js';
import { buildGetItemResponses, convertBatch, type EwsBatch } from './ical-ews-input.js';
import { resolveZone } from '../src/model/tz.js';
import type { Attendee, CalendarObject, EventData, EventTime } from '../src/model/event.js';
import type { Recurrence } from '../src/model/recurrence.js';
import type { TimeZoneRef } from '../src/model/zone.js';

const COUNT = Number(process.argv[2] ?? 10_000);

const usRules = {
  eras: [
    { standardOffsetMinutes: -300, daylight: { offsetMinutes: -240, start: { month: 3, weekday: 0, week: 2, timeMinutes: 120 }, end: { month: 11, weekday: 0, week: 1, timeMinutes: 120 } } },
  ],
} as const;
const ZONES: TimeZoneRef[] = [
  { windowsId: 'W. Europe Standard Time', rules: { eras: [{ standardOffsetMinutes: 60, daylight: { offsetMinutes: 120, start: { month: 3, weekday: 0, week: -1, timeMinutes: 120 }, end: { month: 10, weekday: 0, week: -1, timeMinutes: 180 } } }] } },
  { windowsId: 'Eastern Standard Time' },
  { windowsId: 'Pacific Standard Time' },
  { windowsId: 'India Standard Time' },
  { windowsId: 'AUS Eastern Standard Time' },
  { windowsId: 'UTC' },
  { windowsId: 'tzone://Microsoft/Custom', name: 'Customized Time Zone', rules: structuredClone(usRules) as never },
];

/** Deterministic pseudo-random numbers (no Math.random: runs are comparable). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeObjects(n: number): CalendarObject[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const base = Date.UTC(2026, 0, 5, 8);
  const out: CalendarObject[] = [];
  for (let i = 0; i < n; i++) {
    const zone = pick(ZONES);
    const kind = i % 10; // 0–4 singles, 5–7 series, 8–9 all-day
    const startMs = base + Math.floor(r() * 365) * 86_400_000 + Math.floor(r() * 20) * 1_800_000;
    const allDay = kind >= 8;
    const date = new Date(startMs).toISOString().slice(0, 10);
    const start: EventTime = allDay ? { kind: 'date', date } : { kind: 'date-time', utc: startMs, zone };
    const end: EventTime = allDay
      ? { kind: 'date', date: new Date(startMs + 86_400_000).toISOString().slice(0, 10) }
      : { kind: 'date-time', utc: startMs + (1 + Math.floor(r() * 4)) * 1_800_000, zone };
    const attendees: Attendee[] = kind % 2 === 0
      ? Array.from({ length: 1 + Math.floor(r() * 8) }, (_, k) => ({
          name: `Person ${k}, Team ${i % 7}`, email: `p${k}.${i}@contoso.com`, role: pick(['required', 'optional', 'resource'] as const),
          kind: pick(['person', 'person', 'room'] as const), response: pick(['accepted', 'tentative', 'declined', 'notResponded'] as const),
        }))
      : [];
    const ev = (summary: string, s: EventTime, e: EventTime, extra: Partial<EventData> = {}): EventData => ({
      source: { id: `AAMkAG${i}`, changeKey: `DwAAAB${i}` }, summary, start: s, end: e, attendees,
      organizer: attendees.length ? { name: 'Mara Organizer', email: 'mara@contoso.com' } : undefined,
      isMeeting: attendees.length > 0, sensitivity: pick(['normal', 'normal', 'private'] as const), showAs: pick(['busy', 'free', 'tentative', 'oof'] as const),
      importance: 'normal', cancelled: r() < 0.05, categories: r() < 0.3 ? ['Blue, dark', 'Work'] : [], reminderMinutes: r() < 0.7 ? 15 : undefined,
      body: r() < 0.5 ? { html: `<html><body><p>Agenda for item ${i}:</p><ul><li>One &amp; two</li><li>Three</li></ul><p>Join <a href="https://teams.microsoft.com/l/${i}">here</a></p></body></html>` } : { text: `Notes ${i}\nline two` },
      location: r() < 0.5 ? `Room ${i % 40}` : undefined, created: startMs - 86_400_000 * 30, lastModified: startMs - 86_400_000, sequence: i % 3, ...extra,
    });
    const master = ev(`Event ${i} — Überprüfung 🎉`, start, end);
    let recurrence: Recurrence | undefined;
    const overrides: EventData[] = [];
    const deletedOccurrences: EventTime[] = [];
    if ((kind >= 5 && kind <= 7) || kind === 9) {
      // Exchange stores series whose master start is the first occurrence, so patterns match it.
      const d = new Date(`${allDay ? date : resolveZone(zone).toLocal(startMs).slice(0, 10)}T00:00:00Z`);
      const weekday = (['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const)[d.getUTCDay()]!;
      const nth = (['first', 'second', 'third', 'fourth'] as const)[Math.floor((d.getUTCDate() - 1) / 7)] ?? 'last';
      const patterns: Recurrence['pattern'][] = [
        { type: 'weekly', interval: 1 + (i % 2), days: [weekday, weekday === 'FR' ? 'MO' : 'FR'], firstDayOfWeek: 'MO' },
        { type: 'daily', interval: 1 },
        { type: 'absoluteMonthly', interval: 1, dayOfMonth: d.getUTCDate() },
        { type: 'relativeMonthly', interval: 1, days: [weekday], index: nth },
      ];
      recurrence = { pattern: pick(patterns), range: pick([{ type: 'noEnd', startDate: date }, { type: 'numbered', startDate: date, count: 10 }, { type: 'endDate', startDate: date, endDate: '2027-12-31' }] as const) };
      if (start.kind === 'date-time') {
        const week = 7 * 86_400_000;
        deletedOccurrences.push({ ...start, utc: start.utc + 2 * week });
        overrides.push(ev(`Moved ${i}`, { ...start, utc: start.utc + 3 * week + 3_600_000 }, { ...start, utc: start.utc + 3 * week + 7_200_000 }, { recurrenceId: { ...start, utc: start.utc + 3 * week } }));
      }
    }
    out.push({ uid: `040000008200E00074C5B7101A82E008${String(i).padStart(8, '0')}`, master, recurrence, overrides, deletedOccurrences });
  }
  return out;
}

function run(objects: CalendarObject[], fn: (o: CalendarObject) => string): { seconds: number; chars: number } {
  let chars = 0;
  const t0 = process.hrtime.bigint();
  for (const o of objects) chars += fn(o).length;
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, chars };
}

function report(label: string, n: number, seconds: number[], chars: number): number {
  const sorted = [...seconds].sort((a, b) => a - b);
  const best = n / sorted[0]!;
  const median = n / sorted[Math.floor(sorted.length / 2)]!;
  console.log(`${label.padEnd(24)} best ${best.toFixed(0).padStart(7)} items/s   median ${median.toFixed(0).padStart(7)} items/s   ${(chars / n).toFixed(0)} chars/item`);
  return best;
}

const objects = makeObjects(COUNT);
// The first renders pay for JIT and the per-zone caches (VTIMEZONE text, tzdata validity
// checks); a server renders many objects per zone, so steady state is what matters.
const cold = run(objects.slice(0, 200), (o) => renderCalendarObject(o));
console.log(`cold: first 200 objects in ${(cold.seconds * 1000).toFixed(0)} ms`);
for (const o of objects.slice(0, 2000)) renderCalendarObject(o);
// Rounds alternate baseline and render so both see the same machine load (best and median of 5).
const base: number[] = [];
const rend: number[] = [];
let baseChars = 0;
let rendChars = 0;
for (let round = 0; round < 5; round++) {
  const b = run(objects, (o) => JSON.stringify(o));
  const r = run(objects, (o) => renderCalendarObject(o));
  base.push(b.seconds);
  rend.push(r.seconds);
  baseChars = b.chars;
  rendChars = r.chars;
}
const baseline = report('baseline JSON.stringify', COUNT, base, baseChars);
const rate = report('renderCalendarObject', COUNT, rend, rendChars);
console.log(`render / JSON.stringify (best): ${(rate / baseline).toFixed(3)}x`);
const modelRss = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS ${modelRss.toFixed(0)} MB   (${COUNT} objects, node ${process.version})`);

// EWS XML → iCalendar. The baseline again alternates with it, so the ratio holds under load.
const batches: EwsBatch[] = buildGetItemResponses(COUNT);
const xmlBytes = batches.reduce((n, b) => n + Buffer.byteLength(b.xml), 0);
const messages = batches.reduce((n, b) => n + b.messages, 0);
console.log(`\nEWS input: ${batches.length} GetItem responses, ${messages} CalendarItems for ${COUNT} objects, ${(xmlBytes / 1048576).toFixed(1)} MiB`);
for (const b of batches.slice(0, 5)) convertBatch(b);
const ewsBase: number[] = [];
const ews: number[] = [];
let ewsChars = 0;
for (let round = 0; round < 5; round++) {
  ewsBase.push(run(objects, (o) => JSON.stringify(o)).seconds);
  const t0 = process.hrtime.bigint();
  ewsChars = 0;
  for (const b of batches) ewsChars += convertBatch(b);
  ews.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
const ewsBaseline = report('baseline JSON.stringify', COUNT, ewsBase, baseChars);
const ewsRate = report('EWS XML → iCalendar', COUNT, ews, ewsChars);
console.log(`EWS → iCalendar / JSON.stringify (best): ${(ewsRate / ewsBaseline).toFixed(3)}x   ${(xmlBytes / 1048576 / ([...ews].sort((a, b) => a - b)[0] ?? 1)).toFixed(1)} MiB/s of XML`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB after the EWS path (${modelRss.toFixed(0)} MB before it; the XML of all responses is held in memory)`);
