// CalendarObject → one VCALENDAR (RFC 5545 §3.4, §3.6): the VTIMEZONEs it uses, the master
// VEVENT with its recurrence set, one VEVENT per modified occurrence (RECURRENCE-ID). Output is
// a pure function of the input — the store hashes it for ETags — so nothing reads the clock.

import { parseLocal, type ResolvedZone } from '../model/tz.js';
import type { CalendarObject, EventData, EventTime } from '../model/event.js';
import type { TimeZoneRef } from '../model/zone.js';
import { LineWriter } from './content-line.js';
import { buildRrule, type SeriesStart } from './rrule.js';
import { eventStamp, icalDate, writeEventHeader, writeEventProperties, zonedLine, type EventContext } from './vevent.js';
import { ZoneRegistry } from './zones.js';

export const DEFAULT_PRODID = '-//ewsdav//ewsdav//EN';

export interface RenderOptions {
  prodId?: string;
  /** CalDAV resources carry no METHOD (RFC 4791 §4.1); the option exists only to say so. */
  method?: never;
  /** Write the HTML body as X-ALT-DESC;FMTTYPE=text/html (default true). */
  includeAltDesc?: boolean;
  /** The mailbox owner's address: their ATTENDEE gets PARTSTAT from the event's myResponse. */
  ownerEmail?: string;
}

/** The recurrence identity of an instance in the series' value type (RFC 5545 §3.8.4.4). */
type InstanceKey = { kind: 'date'; date: string } | { kind: 'date-time'; utc: number };

const NO_EVENTS: readonly EventData[] = [];
const NO_INSTANTS: readonly number[] = [];

function timeMs(t: EventTime): number {
  return t.kind === 'date' ? parseLocal(t.date) : t.utc;
}

/** The lines before the VTIMEZONEs: constant unless the caller names another PRODID. */
function calendarHead(prodId: string): string {
  const w = new LineWriter();
  w.begin('VCALENDAR');
  w.raw('VERSION', '2.0');
  w.text('PRODID', prodId);
  w.raw('CALSCALE', 'GREGORIAN');
  return w.toString();
}

const DEFAULT_HEAD = calendarHead(DEFAULT_PRODID);

export function renderCalendarObject(obj: CalendarObject, opts: RenderOptions = {}): string {
  const zones = new ZoneRegistry();
  const master = obj.master;
  const overrides = obj.recurrence ? obj.overrides : NO_EVENTS;

  // Decide every zone with all the instants the object writes in it (tz disagreement check).
  const instants = new Map<TimeZoneRef, number[]>();
  addInstants(instants, master);
  for (const o of overrides) addInstants(instants, o);
  for (const [ref, list] of instants) zones.zoneFor(ref, list);

  const ctx: EventContext = {
    zones,
    ownerEmail: opts.ownerEmail?.trim().toLowerCase() || undefined,
    includeAltDesc: opts.includeAltDesc ?? true,
    fallbackStamp: eventStamp(master) ?? timeMs(master.start),
  };
  const seriesZone =
    master.start.kind === 'date-time' ? zones.zoneFor(master.start.zone, instants.get(master.start.zone) ?? NO_INSTANTS) : undefined;
  // Every VEVENT of the object repeats the UID.
  const uidLine = textLine('UID', obj.uid);

  const body = new LineWriter();
  let overrideKeys: InstanceKey[] | undefined;
  // Master.
  body.begin('VEVENT');
  writeEventHeader(body, uidLine, master, ctx);
  if (obj.recurrence) {
    const start: SeriesStart =
      master.start.kind === 'date'
        ? { kind: 'date', date: master.start.date }
        : { kind: 'date-time', local: seriesZone!.toLocal(master.start.utc), zone: seriesZone! };
    const rule = buildRrule(obj.recurrence, start);
    body.raw('RRULE', rule.rrule);
    if (rule.startNotInPattern) writeInstance(body, 'RDATE', toSeriesKey(master.start, master.start, seriesZone, zones), seriesZone, zones);
    if (obj.deletedOccurrences.length > 0) {
      // Deleted occurrences, except any that an override replaces (EWS-NOTES §8.3: never EXDATE a modified instance).
      overrideKeys = obj.overrides.map((o) => toSeriesKey(o.recurrenceId ?? o.start, master.start, seriesZone, zones));
      const deletedKeys = obj.deletedOccurrences.map((t) => toSeriesKey(t, master.start, seriesZone, zones));
      const ids = instanceIds([...overrideKeys, ...deletedKeys]);
      const overridden = new Set(ids.list.slice(0, overrideKeys.length));
      const exdates = new Map<InstanceId, InstanceKey>();
      for (let i = 0; i < deletedKeys.length; i++) {
        const id = ids.list[overrideKeys.length + i]!;
        if (!overridden.has(id)) exdates.set(id, deletedKeys[i]!);
      }
      const sorted = [...exdates.keys()];
      if (ids.numeric) sorted.sort((a, b) => (a as number) - (b as number));
      else sorted.sort();
      for (const id of sorted) writeInstance(body, 'EXDATE', exdates.get(id)!, seriesZone, zones);
    }
  }
  writeEventProperties(body, master, ctx);
  body.end('VEVENT');

  // Overrides, in the order of the instances they replace.
  if (overrides.length > 0) {
    const keys = overrideKeys ?? overrides.map((o) => toSeriesKey(o.recurrenceId ?? o.start, master.start, seriesZone, zones));
    const ids = instanceIds(keys);
    const sorted = overrides.map((o, i) => ({ o, key: keys[i]!, id: ids.list[i]! }));
    if (sorted.length > 1) {
      if (ids.numeric) sorted.sort((a, b) => (a.id as number) - (b.id as number));
      else sorted.sort((a, b) => (a.id as string).localeCompare(b.id as string));
    }
    const seen = new Set<InstanceId>();
    for (const { o, key, id } of sorted) {
      if (seen.has(id)) continue; // two overrides for one instance: the first wins
      seen.add(id);
      body.begin('VEVENT');
      writeEventHeader(body, uidLine, o, ctx);
      writeInstance(body, 'RECURRENCE-ID', key, seriesZone, zones);
      writeEventProperties(body, o, ctx);
      body.end('VEVENT');
    }
  }

  const prodId = opts.prodId ?? DEFAULT_PRODID;
  const head = prodId === DEFAULT_PRODID ? DEFAULT_HEAD : calendarHead(prodId);
  return `${head}${zones.blocks()}${body.toString()}END:VCALENDAR\r\n`;
}

function addInstants(instants: Map<TimeZoneRef, number[]>, ev: EventData): void {
  addInstant(instants, ev.start);
  addInstant(instants, ev.end);
}

function addInstant(instants: Map<TimeZoneRef, number[]>, t: EventTime): void {
  if (t.kind !== 'date-time') return;
  const list = instants.get(t.zone);
  if (list) list.push(t.utc);
  else instants.set(t.zone, [t.utc]);
}

/** A TEXT property as folded lines ('' when LineWriter.text omits it). */
function textLine(name: string, value: string): string {
  const w = new LineWriter();
  w.text(name, value);
  return w.toString();
}

/** An instance identity written as RECURRENCE-ID / EXDATE / RDATE in the series' zone and type. */
function writeInstance(w: LineWriter, name: string, key: InstanceKey, seriesZone: ResolvedZone | undefined, zones: ZoneRegistry): void {
  if (key.kind === 'date') w.line(`${name};VALUE=DATE`, icalDate(key.date));
  else w.block(zonedLine(name, key.utc, seriesZone!, zones));
}

/**
 * An occurrence's identity in the series' value type: all-day series use local dates (a
 * date-time is read in its own zone), timed series use the instant (a date is read as the
 * series' local start time on that day).
 */
function toSeriesKey(t: EventTime, seriesStart: EventTime, seriesZone: ResolvedZone | undefined, zones: ZoneRegistry): InstanceKey {
  if (seriesStart.kind === 'date') {
    return { kind: 'date', date: t.kind === 'date' ? t.date : zones.zoneForInstant(t.zone, t.utc).toLocal(t.utc).slice(0, 10) };
  }
  if (t.kind === 'date-time') return { kind: 'date-time', utc: Math.floor(t.utc / 1000) * 1000 };
  const time = seriesZone!.toLocal(seriesStart.utc).slice(10);
  return { kind: 'date-time', utc: seriesZone!.fromLocal(`${t.date}${time}`) };
}

function keyString(key: InstanceKey): string {
  return key.kind === 'date' ? key.date : String(key.utc + 1e15).padStart(17, '0'); // sortable for |utc| < 1e15
}

/** An instance's identity for sets, maps and sorting: keyString(), or a number that orders and compares as it. */
type InstanceId = string | number;

/**
 * The identities of `keys`. keyString() of whole instants in Date's range from 29,700 BC on are 17-digit
 * strings, which localeCompare() and sort() order as the numbers they spell, so such keys are
 * compared as those numbers instead of being formatted.
 */
function instanceIds(keys: readonly InstanceKey[]): { numeric: boolean; list: InstanceId[] } {
  const numbers: number[] = [];
  for (const key of keys) {
    const v = key.kind === 'date-time' ? key.utc + 1e15 : NaN;
    if (!(Number.isSafeInteger(v) && v >= 0)) return { numeric: false, list: keys.map(keyString) };
    numbers.push(v);
  }
  return { numeric: true, list: numbers };
}
