// Expansion equivalence through Graph (the Graph issue's "the fidelity issue's expansion-equivalence
// test passes through Graph too"): every recurring case of test/fidelity (cases.ts + extra-series.ts)
// lives in one simulator mailbox; each is synced through GraphCalendarSource over HTTP (calendarView
// delta, $batch of /events and /instances), rendered with renderCalendarObject and expanded by
// src/ical/expand.ts (ical.js). The reference is the simulator's Graph calendarView of the calendar
// (app-only token, /users/{upn}/calendars/{id}/calendarView, paged by nextLink, asked in spans of
// at most 1,825 days, as Graph refuses longer ones) with `Prefer: outlook.timezone="UTC"`:
// nothing of EWS and nothing of src/graph is on that side. Both instance sets must agree as UTC
// start/end instants and as wall-clock times in the series zone (all-day instances: their dates,
// which Graph gives as floating midnights, at the series zone's midnight), with the comparison of
// the EWS test (test/fidelity/expansion-compare.ts; endsDifferOn the same).
//
// What is compared, given Graph's rolling window (the source knows only the instances in it):
// 1. a window of 900 days back and 2,700 ahead of the capture date, which holds every series'
//    whole span (its first five years at most, as in the EWS test; asserted per series): every
//    occurrence overlapping the span (a delta window longer than calendarView's 1,825 days, which
//    the simulator serves; whether Graph's delta has calendarView's limit is unverified);
// 2. the source's default window (365 back, 1,095 ahead): the occurrences of the span lying wholly
//    inside that window, where the window's edges cut a series (EXDATEs and overrides are judged
//    per window, src/graph/assemble.ts).

import t from 'tap';
import { decodeState, type WindowDays } from '../../src/graph/sync-state.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import type { CalendarObject, UpstreamRef } from '../../src/model/index.js';
import { graphGetAll } from '../../src/simulator/graph/test-client.js';
import { localToUtc, type ZoneDefinition } from '../../src/simulator/recurrence/zones.js';
import { CAPTURE_NOW, MAILBOX, MAILBOX_ZONE, type FidelityCase } from '../fidelity/cases.js';
import { DAY, SERIES, compareOccurrences, expandedIn, firstStartOf, isoDate, localText, spanOf, zoneOf, type Occurrence, type Span } from '../fidelity/expansion-compare.js';
import { graphSourceFor, startGraphRig } from '../support/graph-e2e.js';

const now = Date.parse(CAPTURE_NOW);
const rig = await startGraphRig({
  secret: 'graph-expansion',
  now: CAPTURE_NOW,
  mailboxes: { mailboxes: [{ smtp: MAILBOX, password: 'expansion', timeZone: MAILBOX_ZONE, items: SERIES.map((c) => ({ ...c.item, key: c.name })) }] },
});
t.teardown(() => rig.close());

/** Holds every series' compared span (2024-01 … 2033-03). */
const WIDE: WindowDays = { daysBack: 900, daysAhead: 2700 };
/** calendarView refuses a range of more than 1,825 days ("Maximum number of days: 1825"). */
const VIEW_CHUNK = 1825 * DAY;

const uidOf = new Map(rig.sim.control.items(MAILBOX).map((i) => [i.key, i.uid]));
/** The Graph id of a case's series master, as the simulator hands it out. */
const masterIdOf = (c: FidelityCase): string => rig.sim.store.ids.item(MAILBOX, c.name).replace(/\+/g, '_').replace(/\//g, '-');

interface Synced {
  objects: Map<string, CalendarObject>;
  /** The sync window the source used, from its sync state. */
  window: Span;
}

/** A full pass as the store's engine runs it: delta pages, then the objects (events + instances). */
async function sync(window?: WindowDays): Promise<Synced> {
  const source = graphSourceFor(rig, MAILBOX, { now: () => now, ...(window ? { window } : {}) });
  const [calendar] = await source.listCalendars();
  if (!calendar) throw new Error('no calendar');
  const refs = new Map<string, UpstreamRef>();
  let state: string | undefined;
  for await (const page of source.changes(calendar, undefined, { pageSize: 50 })) {
    for (const r of page.upserted) refs.set(r.id, r);
    for (const id of page.deleted) refs.delete(id);
    state = page.state;
  }
  const used = decodeState(state)?.window;
  if (!used) throw new Error('no sync window in the state');
  const objects = new Map<string, CalendarObject>();
  for (const r of await source.fetchObjects(calendar, [...refs.values()])) {
    if (!r.ok) throw new Error(`${r.ref.id}: ${r.reason} ${r.message ?? ''}`);
    objects.set(r.object.uid, r.object);
  }
  return { objects, window: [Date.parse(used.start), Date.parse(used.end)] };
}

interface Series {
  c: FidelityCase;
  ics: string;
  span: Span;
}

function seriesOf(objects: Map<string, CalendarObject>): Series[] {
  const out: Series[] = [];
  for (const c of SERIES) {
    const obj = objects.get(uidOf.get(c.name) ?? '');
    if (!obj) continue;
    const ics = renderCalendarObject(obj);
    out.push({ c, ics, span: spanOf(ics, firstStartOf(obj, c)) });
  }
  return out;
}

// --- the reference: Graph calendarView ------------------------------------------------------------

interface ViewedEvent {
  id: string;
  type: string;
  seriesMasterId: string | null;
  isAllDay: boolean;
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const G = `${rig.sim.graphUrl ?? ''}/v1.0/users/${encodeURIComponent(MAILBOX)}`;

async function defaultCalendarId(): Promise<string> {
  const r = await graphGetAll(`${G}/calendars?$select=id,isDefaultCalendar`, rig.appToken);
  const id = r.values.find((c) => c.isDefaultCalendar === true)?.id;
  if (r.last.status !== 200 || typeof id !== 'string') throw new Error(`calendars: ${r.last.status} ${JSON.stringify(r.last.json)}`);
  return id;
}

/** calendarView over [from, to) in spans Graph accepts, every page; an instance on a seam once. */
async function calendarView(calendarId: string, from: number, to: number): Promise<ViewedEvent[]> {
  const byId = new Map<string, ViewedEvent>();
  for (let start = from; start < to; start += VIEW_CHUNK) {
    const end = Math.min(to, start + VIEW_CHUNK);
    const url = `${G}/calendars/${encodeURIComponent(calendarId)}/calendarView?startDateTime=${isoSeconds(start)}&endDateTime=${isoSeconds(end)}` +
      '&$select=type,seriesMasterId,isAllDay,start,end';
    const r = await graphGetAll(url, rig.appToken, { prefer: 'outlook.timezone="UTC", odata.maxpagesize=250' });
    if (r.last.status !== 200) throw new Error(`calendarView: ${r.last.status} ${JSON.stringify(r.last.json)}`);
    for (const v of r.values as unknown as ViewedEvent[]) byId.set(v.id, v);
  }
  return [...byId.values()];
}

/** A calendarView instance as an occurrence; timed ones are in UTC (the Prefer header). */
function fromGraph(e: ViewedEvent, zone: ZoneDefinition, allDay: boolean): Occurrence {
  if (e.isAllDay !== allDay) throw new Error(`${e.id}: isAllDay ${e.isAllDay}`);
  if (allDay) {
    // Floating dates: midnights in whatever zone was asked for.
    if (!e.start.dateTime.endsWith('T00:00:00.0000000') || !e.end.dateTime.endsWith('T00:00:00.0000000')) throw new Error(`${e.id}: all-day ${e.start.dateTime}`);
    const date = e.start.dateTime.slice(0, 10);
    return { start: localToUtc(zone, Date.parse(date)), end: localToUtc(zone, Date.parse(e.end.dateTime.slice(0, 10))), local: date };
  }
  if (e.start.timeZone !== 'UTC' || e.end.timeZone !== 'UTC') throw new Error(`${e.id}: not in UTC: ${e.start.timeZone}`);
  const start = Date.parse(`${e.start.dateTime.slice(0, 19)}Z`);
  return { start, end: Date.parse(`${e.end.dateTime.slice(0, 19)}Z`), local: localText(zone, start, false) };
}

/** The occurrences of a case's series that Graph's calendarView lists overlapping `span`. */
function viewedIn(view: ViewedEvent[], c: FidelityCase, [from, to]: Span): Occurrence[] {
  const master = masterIdOf(c);
  const allDay = c.item.isAllDay === true;
  return view
    .filter((e) => e.type !== 'singleInstance' && e.seriesMasterId === master)
    .map((e) => fromGraph(e, zoneOf(c), allDay))
    .filter((o) => o.start < to && o.end > from);
}

// --- the passes -----------------------------------------------------------------------------------

const wide = await sync(WIDE);
const windowed = await sync();
const wideSeries = seriesOf(wide.objects);
const calendarId = await defaultCalendarId();
const view = await calendarView(calendarId, Math.min(...wideSeries.map((s) => s.span[0])), Math.max(...wideSeries.map((s) => s.span[1])));

// Tests are registered only now: tap ends the root test (and runs teardown) once no test is pending.
t.test('every series was synced, through both windows', async (t) => {
  t.equal(wide.objects.size, SERIES.length, `${SERIES.length} series in the wide window`);
  t.equal(windowed.objects.size, SERIES.length, `${SERIES.length} series in the default window`);
  t.ok(SERIES.length >= 40, 'the case list covers the patterns');
  t.ok(view.filter((e) => e.type === 'exception').length > 0, 'the view holds exceptions');
});

t.test(`wide window ${isoDate(wide.window[0])} … ${isoDate(wide.window[1])}: whole spans`, async (t) => {
  for (const { c, ics, span } of wideSeries) {
    t.test(c.name, async (t) => {
      t.ok(span[0] >= wide.window[0] && span[1] <= wide.window[1], 'the span lies inside the sync window');
      compareOccurrences(t, c, expandedIn(ics, c, span), viewedIn(view, c, span), { reference: 'Graph calendarView', span });
    });
  }
});

t.test(`default window ${isoDate(windowed.window[0])} … ${isoDate(windowed.window[1])}: what lies inside it`, async (t) => {
  const [w0, w1] = windowed.window;
  const inside = (o: Occurrence): boolean => o.start >= w0 && o.end <= w1;
  for (const { c, ics, span } of seriesOf(windowed.objects)) {
    const compared: Span = [Math.max(span[0], w0), Math.min(span[1], w1)];
    t.test(c.name, async (t) => {
      const expanded = expandedIn(ics, c, span).filter(inside);
      const viewed = viewedIn(view, c, span).filter(inside);
      compareOccurrences(t, c, expanded, viewed, { reference: 'Graph calendarView', span: compared, minOccurrences: 1 });
    });
  }
});
