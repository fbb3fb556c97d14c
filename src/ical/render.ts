// CalendarObject → one VCALENDAR (RFC 5545 §3.4, §3.6): the VTIMEZONEs it uses, the master
// VEVENT with its recurrence set, one VEVENT per modified occurrence (RECURRENCE-ID). Output is
// a pure function of the input — the store hashes it for ETags — so nothing reads the clock.

import { parseLocal, type ResolvedZone } from '../model/tz.js';
import type { CalendarObject, EventData, EventTime } from '../model/event.js';
import type { TimeZoneRef } from '../model/zone.js';
import { LineWriter } from './content-line.js';
import { buildRrule, type SeriesStart } from './rrule.js';
import { eventStamp, icalDate, normalizedEnd, utcStamp, writeEventProperties, writeTime, zonedProperty, type EventContext } from './vevent.js';
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

function timeMs(t: EventTime): number {
  return t.kind === 'date' ? parseLocal(t.date) : t.utc;
}

export function renderCalendarObject(obj: CalendarObject, opts: RenderOptions = {}): string {
  const zones = new ZoneRegistry();
  const master = obj.master;
  const events: EventData[] = [master, ...(obj.recurrence ? obj.overrides : [])];

  // Decide every zone with all the instants the object writes in it (tz disagreement check).
  const instants = new Map<TimeZoneRef, number[]>();
  for (const ev of events) {
    for (const t of [ev.start, ev.end]) {
      if (t.kind === 'date-time') instants.set(t.zone, [...(instants.get(t.zone) ?? []), t.utc]);
    }
  }
  const zoneOf = (ref: TimeZoneRef): ResolvedZone => zones.zoneFor(ref, instants.get(ref) ?? []);
  for (const ref of instants.keys()) zoneOf(ref);

  const ctx: EventContext = {
    zones,
    ownerEmail: opts.ownerEmail?.trim().toLowerCase() || undefined,
    includeAltDesc: opts.includeAltDesc ?? true,
    fallbackStamp: eventStamp(master) ?? timeMs(master.start),
  };
  const seriesZone = master.start.kind === 'date-time' ? zoneOf(master.start.zone) : undefined;
  /** An instance identity written as RECURRENCE-ID / EXDATE / RDATE in the series' zone and type. */
  const writeInstance = (w: LineWriter, name: string, key: InstanceKey): void => {
    if (key.kind === 'date') w.line(`${name};VALUE=DATE`, icalDate(key.date));
    else w.line(...zonedProperty(name, key.utc, seriesZone!, zones));
  };
  const keyOf = (t: EventTime): InstanceKey => toSeriesKey(t, master.start, seriesZone, zones);

  const body = new LineWriter();
  // Master.
  body.begin('VEVENT');
  writeHeader(body, obj.uid, master, ctx);
  if (obj.recurrence) {
    const start: SeriesStart =
      master.start.kind === 'date'
        ? { kind: 'date', date: master.start.date }
        : { kind: 'date-time', local: seriesZone!.toLocal(master.start.utc), zone: seriesZone! };
    const rule = buildRrule(obj.recurrence, start);
    body.raw('RRULE', rule.rrule);
    if (rule.startNotInPattern) writeInstance(body, 'RDATE', keyOf(master.start));
    // Deleted occurrences, except any that an override replaces (EWS-NOTES §8.3: never EXDATE a modified instance).
    const overridden = new Set(obj.overrides.map((o) => keyString(keyOf(o.recurrenceId ?? o.start))));
    const exdates = new Map<string, InstanceKey>();
    for (const t of obj.deletedOccurrences) {
      const key = keyOf(t);
      const s = keyString(key);
      if (!overridden.has(s)) exdates.set(s, key);
    }
    for (const s of [...exdates.keys()].sort()) writeInstance(body, 'EXDATE', exdates.get(s)!);
  }
  writeEventProperties(body, master, ctx);
  body.end('VEVENT');

  // Overrides, in the order of the instances they replace.
  if (obj.recurrence) {
    const overrides = obj.overrides
      .map((o) => ({ o, key: keyOf(o.recurrenceId ?? o.start) }))
      .sort((a, b) => keyString(a.key).localeCompare(keyString(b.key)));
    const seen = new Set<string>();
    for (const { o, key } of overrides) {
      const s = keyString(key);
      if (seen.has(s)) continue; // two overrides for one instance: the first wins
      seen.add(s);
      body.begin('VEVENT');
      writeHeader(body, obj.uid, o, ctx);
      writeInstance(body, 'RECURRENCE-ID', key);
      writeEventProperties(body, o, ctx);
      body.end('VEVENT');
    }
  }

  const out = new LineWriter();
  out.begin('VCALENDAR');
  out.raw('VERSION', '2.0');
  out.text('PRODID', opts.prodId ?? DEFAULT_PRODID);
  out.raw('CALSCALE', 'GREGORIAN');
  out.block(zones.blocks());
  out.block(body.toString());
  out.end('VCALENDAR');
  return out.toString();
}

function writeHeader(w: LineWriter, uid: string, ev: EventData, ctx: EventContext): void {
  w.text('UID', uid);
  w.raw('DTSTAMP', utcStamp(eventStamp(ev) ?? ctx.fallbackStamp));
  writeTime(w, 'DTSTART', ev.start, ctx.zones);
  writeTime(w, 'DTEND', normalizedEnd(ev.start, ev.end, ctx.zones), ctx.zones);
}

/**
 * An occurrence's identity in the series' value type: all-day series use local dates (a
 * date-time is read in its own zone), timed series use the instant (a date is read as the
 * series' local start time on that day).
 */
function toSeriesKey(t: EventTime, seriesStart: EventTime, seriesZone: ResolvedZone | undefined, zones: ZoneRegistry): InstanceKey {
  if (seriesStart.kind === 'date') {
    return { kind: 'date', date: t.kind === 'date' ? t.date : zones.zoneFor(t.zone, [t.utc]).toLocal(t.utc).slice(0, 10) };
  }
  if (t.kind === 'date-time') return { kind: 'date-time', utc: Math.floor(t.utc / 1000) * 1000 };
  const time = seriesZone!.toLocal(seriesStart.utc).slice(10);
  return { kind: 'date-time', utc: seriesZone!.fromLocal(`${t.date}${time}`) };
}

function keyString(key: InstanceKey): string {
  return key.kind === 'date' ? key.date : String(key.utc + 1e15).padStart(17, '0'); // sortable for |utc| < 1e15
}
