// What CalDAV REPORTs need from one stored object beyond the instance set: the RFC 4791 §9.9
// time-range test, §9.6.5 `expand` output and §9.6.6 `limit-recurrence-set`. The instances come
// from ./expand.ts (the one recurrence engine of src/ical); this file only shapes text. Pure.

import ICAL from 'ical.js';
import { expandInstances, type Instance } from './expand.js';

// Open ends of a time range, as far as Date goes (±8.64e15 ms).
const MIN_TIME = -8.64e15;
const MAX_TIME = 8.64e15;

// ical.js expands a VTIMEZONE's rules from its first DTSTART (often 1970) the first time each
// parsed copy is used — ~10 ms per object. Objects of one mailbox share a handful of zones, so
// parsed Timezones are memoised by their exact text (a pure cache: same text, same rules).
const zoneCache = new Map<string, ICAL.Timezone>();
const ZONE_CACHE_SIZE = 256;

function shareZones(cal: ICAL.Component): void {
  // `_timezoneCache` is where ical.js 2 looks TZIDs up first (Component#getTimeZoneByID).
  const cache = (cal as unknown as { _timezoneCache: Map<string, ICAL.Timezone> | null })._timezoneCache;
  if (!cache) return;
  for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
    const key = vtz.toString();
    let zone = zoneCache.get(key);
    if (!zone) {
      zone = new ICAL.Timezone({ component: vtz, tzid });
      if (zoneCache.size >= ZONE_CACHE_SIZE) zoneCache.delete(zoneCache.keys().next().value as string);
      zoneCache.set(key, zone);
    }
    cache.set(tzid, zone);
  }
}

/** Parse one stored object (a VCALENDAR) for the functions below. Throws on unreadable text. */
export function parseCalendar(text: string): ICAL.Component {
  const parsed: unknown = ICAL.parse(text);
  // ICAL.parse returns a list when the text holds several top-level components; take the first.
  const jcal = Array.isArray(parsed) && Array.isArray(parsed[0]) ? (parsed[0] as unknown[]) : parsed;
  const cal = new ICAL.Component(jcal as unknown[]);
  shareZones(cal);
  return cal;
}

const ms = (t: ICAL.Time): number => (t.isDate ? Date.UTC(t.year, t.month - 1, t.day) : t.toUnixTime() * 1000);

/** Whether any instance of the object overlaps [start, end) (UTC ms; undefined = open). */
export function overlapsRange(text: string, start: number | undefined, end: number | undefined): boolean {
  return expandInstances(text, start ?? MIN_TIME, end ?? MAX_TIME, 1).length > 0;
}

function utcTime(epochMs: number, isDate: boolean): ICAL.Time {
  const d = new Date(epochMs);
  if (isDate) return ICAL.Time.fromDateString(d.toISOString().slice(0, 10));
  return ICAL.Time.fromJSDate(d, true);
}

/** One instance as its own component: UTC times, a RECURRENCE-ID when recurring, no rules. */
function instanceComponent(source: ICAL.Component, inst: Instance): ICAL.Component {
  const comp = new ICAL.Component(JSON.parse(JSON.stringify(source.toJSON())) as unknown[]);
  const start = source.getFirstPropertyValue('dtstart') as ICAL.Time | null;
  const isDate = start?.isDate ?? false;
  const hadEnd = comp.hasProperty('dtend') || comp.hasProperty('duration');
  for (const p of ['rrule', 'rdate', 'exdate', 'exrule', 'dtstart', 'dtend', 'duration', 'recurrence-id']) comp.removeAllProperties(p);
  comp.addPropertyWithValue('dtstart', utcTime(inst.start, isDate));
  if (hadEnd) comp.addPropertyWithValue('dtend', utcTime(inst.end, isDate));
  if (inst.recurrenceId !== undefined) comp.addPropertyWithValue('recurrence-id', utcTime(inst.recurrenceId, isDate));
  return comp;
}

/**
 * RFC 4791 §9.6.5 `expand`: the instances overlapping [start, end) as separate VEVENTs, all
 * DATE-TIMEs in UTC, no VTIMEZONE; an override supplies its own instance's properties.
 */
export function expandToRange(text: string, start: number, end: number): string {
  const cal = parseCalendar(text);
  const events = cal.getAllSubcomponents('vevent');
  const master = events.find((e) => !e.hasProperty('recurrence-id'));
  const overrides = new Map<number, ICAL.Component>();
  for (const e of events) {
    const rid = e.getFirstPropertyValue('recurrence-id') as ICAL.Time | null;
    if (rid) overrides.set(ms(rid), e);
  }
  const out = new ICAL.Component('vcalendar');
  for (const p of cal.getAllProperties()) out.addProperty(ICAL.Property.fromString(p.toICALString()));
  for (const inst of expandInstances(text, start, end)) {
    const source = (inst.recurrenceId !== undefined ? overrides.get(inst.recurrenceId) : undefined) ?? master;
    if (source) out.addSubcomponent(instanceComponent(source, inst));
  }
  return out.toString() + '\r\n';
}

function instanceOverlaps(s: number, e: number, lo: number, hi: number): boolean {
  return e > s ? s < hi && e > lo : s >= lo && s < hi;
}

/**
 * RFC 4791 §9.6.6 `limit-recurrence-set`: the masters (with their rules) plus only those overrides
 * whose original or moved instance overlaps [start, end). Time zones and other components stay.
 */
export function limitRecurrenceSet(text: string, start: number, end: number): string {
  const cal = parseCalendar(text);
  for (const c of cal.getAllSubcomponents('vevent')) {
    if (!c.hasProperty('recurrence-id')) continue;
    const e = new ICAL.Event(c);
    const rid = e.recurrenceId ? ms(e.recurrenceId) : undefined;
    const keep = instanceOverlaps(ms(e.startDate), ms(e.endDate), start, end) || (rid !== undefined && rid >= start && rid < end);
    if (!keep) cal.removeSubcomponent(c);
  }
  return cal.toString() + '\r\n';
}
