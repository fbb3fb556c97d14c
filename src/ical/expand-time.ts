// Time zones for expansion (./expand.ts): parsed VTIMEZONEs shared between objects, and local
// times read as RFC 5545 §3.3.5 says. Knows ical.js, nothing of the model or of EWS.

import ICAL from 'ical.js';

type Time = InstanceType<typeof ICAL.Time>;
type Timezone = InstanceType<typeof ICAL.Timezone>;
type Component = InstanceType<typeof ICAL.Component>;

// ical.js expands a VTIMEZONE's rules from its first DTSTART (often 1970) the first time each
// parsed copy is used — ~10 ms per object. Objects of one mailbox share a handful of zones, so
// parsed Timezones are memoised by their exact text (a pure cache: same text, same rules).
const zoneCache = new Map<string, Timezone>();
const ZONE_CACHE_SIZE = 256;

/** Parse a VCALENDAR whose VTIMEZONEs resolve to shared, already expanded Timezones. */
export function parseCalendarShared(text: string): Component {
  const root = new ICAL.Component(ICAL.parse(text));
  // `_timezoneCache` is where ical.js 2 looks TZIDs up first (Component#getTimeZoneByID); it
  // exists on a root VCALENDAR only.
  const cache = (root as unknown as { _timezoneCache: Map<string, Timezone> | null })._timezoneCache;
  if (!cache) return root;
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
    const key = vtz.toString();
    let zone = zoneCache.get(key);
    if (zone) {
      zoneCache.delete(key); // keep recently used zones at the end (LRU order)
    } else {
      zone = new ICAL.Timezone({ component: vtz, tzid });
      if (zoneCache.size >= ZONE_CACHE_SIZE) zoneCache.delete(zoneCache.keys().next().value as string);
    }
    zoneCache.set(key, zone);
    cache.set(tzid, zone);
  }
  return root;
}

interface Change {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  utcOffset: number;
  prevUtcOffset: number;
}

const DAY_MS = 86_400_000;
/** Per zone: the transitions as UTC ms (ical.js keeps them as UTC field sets), and the last year covered. */
const transitions = new WeakMap<Timezone, { year: number; at: number[]; offset: number[]; first: number }>();

function table(zone: Timezone, year: number): { at: number[]; offset: number[]; first: number } {
  let t = transitions.get(zone);
  if (t && t.year >= year) return t;
  // utcOffset() extends ical.js's `changes` (kept in UTC) through the given year.
  zone.utcOffset(ICAL.Time.fromData({ year, month: 12, day: 31, hour: 12 }));
  const changes = zone.changes as Change[];
  const at = changes.map((c) => Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second));
  t = { year, at, offset: changes.map((c) => c.utcOffset * 1000), first: (changes[0]?.prevUtcOffset ?? 0) * 1000 };
  transitions.set(zone, t);
  return t;
}

/** The zone's UTC offset (ms) at a UTC instant. */
function offsetAt(zone: Timezone, utc: number): number {
  const t = table(zone, new Date(utc).getUTCFullYear() + 1);
  let lo = 0;
  let hi = t.at.length - 1;
  if (hi < 0 || utc < t.at[0]!) return t.first;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t.at[mid]! <= utc) lo = mid;
    else hi = mid - 1;
  }
  return t.offset[lo]!;
}

/**
 * The instant (UTC ms) of a time value. DATEs count from UTC midnight (floating). Local times
 * follow RFC 5545 §3.3.5, where ical.js 2.2 does not: a time that occurs twice (autumn) is the
 * first occurrence, and a time inside a spring gap is read with the offset from before the gap
 * (02:30 on a 02:00→03:00 night is 03:30 summer time). Outlook places occurrences the same way.
 */
export function instantOf(t: Time): number {
  if (t.isDate) return Date.UTC(t.year, t.month - 1, t.day);
  const zone = t.zone;
  if (!zone || zone === ICAL.Timezone.utcTimezone || zone === ICAL.Timezone.localTimezone) return t.toUnixTime() * 1000;
  const local = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  const before = offsetAt(zone, local - DAY_MS);
  const after = offsetAt(zone, local + DAY_MS);
  if (before === after) return local - before; // no transition within a day (zones change at most twice a year)
  let best: number | undefined;
  for (const offset of [before, after]) {
    const utc = local - offset;
    if (offsetAt(zone, utc) === offset && (best === undefined || utc < best)) best = utc;
  }
  return best ?? local - before;
}

/**
 * The wall-clock time of an instance in its own zone: the value as written, except inside a
 * spring gap, where the instant (see instantOf) shows a later clock time (02:30 → 03:30).
 */
export function wallClockOf(t: Time, at: number): string {
  const text = t.toString().replace(/Z$/, '');
  const zone = t.zone;
  if (t.isDate || !zone || zone === ICAL.Timezone.utcTimezone || zone === ICAL.Timezone.localTimezone) return text;
  const wall = at + offsetAt(zone, at);
  if (wall === Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second)) return text;
  return new Date(wall).toISOString().slice(0, 19);
}
