// Time-zone arithmetic on the model's TimeZoneRef: Windows → IANA (CLDR windowsZones, territory
// 001), offsets from tzdata through Intl, and offsets from an upstream's own rules for zones
// Windows does not name ("tzone://Microsoft/Custom", EWS-NOTES §7.2). Pure; the CLDR table is data.

import { createRequire } from 'node:module';
import type { DayNumber, LocalDate, LocalDateTime, TimeZoneRef, YearlyTransition, ZoneEra, ZoneRules } from './zone.js';

interface WindowsZonesJson {
  supplemental: { windowsZones: { mapTimezones: { mapZone: { _other: string; _type: string; _territory: string } }[] } };
}

const require = createRequire(import.meta.url);
const windowsToIana: ReadonlyMap<string, string> = (() => {
  const data = require('cldr-core/supplemental/windowsZones.json') as WindowsZonesJson;
  const map = new Map<string, string>();
  for (const { mapZone } of data.supplemental.windowsZones.mapTimezones) {
    // Territory 001 is CLDR's "golden" zone for a Windows id; its _type may list one zone only.
    if (mapZone._territory === '001') map.set(mapZone._other, mapZone._type.split(' ')[0]!);
  }
  return map;
})();

/** CLDR keeps some pre-2020 spellings; calendar apps know the canonical IANA names better. */
const CANONICAL: Readonly<Record<string, string>> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'America/Godthab': 'America/Nuuk',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Etc/UTC': 'UTC',
  'Etc/GMT': 'UTC',
};

export function ianaForWindows(windowsId: string): string | undefined {
  const iana = windowsToIana.get(windowsId);
  return iana === undefined ? undefined : (CANONICAL[iana] ?? iana);
}

export function isValidIana(id: string): boolean {
  try {
    formatterFor(id);
    return true;
  } catch {
    return false;
  }
}

/** A zone ready for arithmetic: either an IANA zone or an upstream's own rules. */
export interface ResolvedZone {
  /** The TZID to emit: an IANA name, 'UTC', or a name for custom rules. */
  readonly tzid: string;
  readonly ianaId?: string;
  readonly rules?: ZoneRules;
  /** Offset east of UTC in minutes at an instant. */
  offsetAt(utcMs: number): number;
  toLocal(utcMs: number): LocalDateTime;
  /** The instant of a local time; a time in a spring-forward gap moves forward, an ambiguous one takes the first. */
  fromLocal(local: LocalDateTime): number;
}

const resolved = new Map<string, ResolvedZone>();

/**
 * Resolve a reference. A known Windows or IANA name wins; otherwise the rules; otherwise UTC
 * (the instant stays right even when the wall-clock zone is lost).
 */
export function resolveZone(ref: TimeZoneRef): ResolvedZone {
  const iana = resolvedIanaId(ref);
  if (iana) return ianaZone(iana);
  if (ref.rules && ref.rules.eras.length > 0) return rulesZone(ref.rules, customTzid(ref));
  return ianaZone('UTC');
}

/** The IANA zone a reference resolves to, if it names one (resolveZone's first choice). */
export function resolvedIanaId(ref: TimeZoneRef): string | undefined {
  return ref.ianaId && isValidIana(ref.ianaId) ? (CANONICAL[ref.ianaId] ?? ref.ianaId) : ref.windowsId ? ianaForWindows(ref.windowsId) : undefined;
}

export function ianaZone(id: string): ResolvedZone {
  let zone = resolved.get(id);
  if (!zone) {
    const tzid = id;
    const offsetAt = id === 'UTC' ? () => 0 : cachedOffsets(id);
    zone = {
      tzid,
      ianaId: id,
      offsetAt,
      toLocal: (utcMs) => formatLocal(utcMs + offsetAt(utcMs) * 60_000),
      fromLocal: (local) => fromLocalWith(local, offsetAt),
    };
    resolved.set(id, zone);
  }
  return zone;
}

export function rulesZone(rules: ZoneRules, tzid: string): ResolvedZone {
  return {
    tzid,
    rules,
    offsetAt: (utcMs) => rulesOffsetAt(rules, utcMs),
    toLocal: (utcMs) => formatLocal(utcMs + rulesOffsetAt(rules, utcMs) * 60_000),
    fromLocal: (local) => fromLocalWith(local, (ms) => rulesOffsetAt(rules, ms)),
  };
}

/** The TZID resolveZone gives a reference that names no known zone but has rules. */
export function customTzid(ref: TimeZoneRef): string {
  if (ref.windowsId && !ref.windowsId.startsWith('tzone://')) return ref.windowsId;
  return ref.name?.trim() || 'Customized Time Zone';
}

// --- tzdata through Intl -------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(id: string): Intl.DateTimeFormat {
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(id, f);
  }
  return f;
}

// en-US with these options formats as '1/31/2026 AD, 13:05:09': format() and one regex cost a
// third of formatToParts (measured ~3 µs against ~9 µs). Any other shape (a future ICU) takes the
// formatToParts path, which reads the very same fields.
const FORMATTED = /^(\d+)\/(\d+)\/(\d+) (AD|BC), (\d+):(\d+):(\d+)$/;

export function ianaOffsetAt(id: string, utcMs: number): number {
  if (id === 'UTC') return 0;
  const date = new Date(utcMs);
  const f = formatterFor(id);
  const m = FORMATTED.exec(f.format(date));
  if (m) {
    const y = Number(m[3]);
    return offsetFromWall(Date.UTC(m[4] === 'BC' ? 1 - y : y, Number(m[1]) - 1, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7])), utcMs);
  }
  const parts = f.formatToParts(date);
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      case 'era': bc = p.value === 'BC'; break;
    }
  }
  return offsetFromWall(Date.UTC(bc ? 1 - y : y, mo - 1, d, h, mi, s), utcMs);
}

function offsetFromWall(wall: number, utcMs: number): number {
  const truncated = Math.floor(utcMs / 1000) * 1000;
  return Math.round((wall - truncated) / 60_000);
}

// --- tzdata offsets, cached per zone and UTC year ------------------------------------------------
// ianaOffsetAt costs ~9 µs (Intl formatToParts); a parse and render of one item asks it several
// times. A zone-year's offset changes are found once (a sample per UTC day, bisection to the
// second, since ianaOffsetAt reads whole seconds) and an offset is then a short scan (~0.1 µs).
// Exact as long as no offset lasts less than a day between two samples (tzdata has none; the
// property test in test/ical/tz-cache.test.ts compares with Intl for random instants 1970–2100).

const DAY_MS = 86_400_000;
const CACHED_YEARS = { from: 1900, to: 2200 } as const;
/** Zone-years kept before the cache starts afresh: each is a few numbers (bound against hostile input). */
export const OFFSET_CACHE_LIMIT = 4096;
let cachedYearCount = 0;
const yearCaches = new Set<Map<number, YearTable>>();

interface YearTable {
  readonly start: number;
  readonly end: number;
  /** Instants (whole seconds) from which `offsets[i]` applies; `starts[0]` is the year's start. */
  readonly starts: readonly number[];
  readonly offsets: readonly number[];
}

export function offsetCacheSize(): number {
  return cachedYearCount;
}

function yearTable(id: string, year: number): YearTable {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const starts = [start];
  const offsets = [ianaOffsetAt(id, start)];
  let t = start;
  let offset = offsets[0]!;
  while (t < end) {
    const next = Math.min(t + DAY_MS, end);
    const nextOffset = ianaOffsetAt(id, next);
    if (nextOffset === offset) {
      t = next;
      continue;
    }
    let lo = t;
    let hi = next;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (ianaOffsetAt(id, mid) === offset) lo = mid;
      else hi = mid;
    }
    if (hi >= end) break; // the change at the next year's first second is that year's
    // A second change before the next sample is found from here on.
    offset = ianaOffsetAt(id, hi);
    starts.push(hi);
    offsets.push(offset);
    t = hi;
  }
  return { start, end, starts, offsets };
}

function cachedOffsets(id: string): (utcMs: number) => number {
  const years = new Map<number, YearTable>();
  yearCaches.add(years);
  let last: YearTable | undefined;
  return (utcMs) => {
    let table = last;
    if (!table || utcMs < table.start || utcMs >= table.end) {
      const year = new Date(utcMs).getUTCFullYear();
      if (!(year >= CACHED_YEARS.from && year <= CACHED_YEARS.to)) return ianaOffsetAt(id, utcMs);
      table = years.get(year);
      if (!table) {
        if (cachedYearCount >= OFFSET_CACHE_LIMIT) {
          for (const m of yearCaches) m.clear();
          cachedYearCount = 0;
        }
        table = yearTable(id, year);
        years.set(year, table);
        cachedYearCount++;
      }
      last = table;
    }
    const { starts, offsets } = table;
    let i = starts.length - 1;
    while (i > 0 && utcMs < starts[i]!) i--;
    return offsets[i]!;
  };
}

// --- an upstream's own rules ---------------------------------------------------------------------

export function rulesOffsetAt(rules: ZoneRules, utcMs: number): number {
  const era = eraAt(rules, utcMs);
  if (!era.daylight) return era.standardOffsetMinutes;
  const year = new Date(utcMs + era.standardOffsetMinutes * 60_000).getUTCFullYear();
  // Both switches are local times in the offset in force before them (EWS TimeOffset, §7.1).
  const dstStart = transitionUtc(year, era.daylight.start, era.standardOffsetMinutes);
  const dstEnd = transitionUtc(year, era.daylight.end, era.daylight.offsetMinutes);
  const inDst = dstStart < dstEnd ? utcMs >= dstStart && utcMs < dstEnd : utcMs >= dstStart || utcMs < dstEnd;
  return inDst ? era.daylight.offsetMinutes : era.standardOffsetMinutes;
}

function eraAt(rules: ZoneRules, utcMs: number): ZoneEra {
  const eras = rules.eras;
  let current = eras[0]!;
  for (let i = 1; i < eras.length; i++) {
    const era = eras[i]!;
    if (!era.from) continue;
    // An era's start is a local time; reading it with the previous era's standard offset is
    // exact for Windows' absolute transitions, which sit on Jan 1 outside DST.
    const startUtc = parseLocal(era.from) - current.standardOffsetMinutes * 60_000;
    if (utcMs >= startUtc) current = era;
  }
  return current;
}

/** The UTC instant of a yearly transition in a given year. */
export function transitionUtc(year: number, t: YearlyTransition, offsetBeforeMinutes: number): number {
  const day = nthWeekdayOfMonth(year, t.month, t.weekday, t.week);
  return Date.UTC(year, t.month - 1, day) + t.timeMinutes * 60_000 - offsetBeforeMinutes * 60_000;
}

export function nthWeekdayOfMonth(year: number, month: number, weekday: DayNumber, week: 1 | 2 | 3 | 4 | -1): number {
  if (week === -1) {
    const last = daysInMonth(year, month);
    const lastDow = new Date(Date.UTC(year, month - 1, last)).getUTCDay();
    return last - ((lastDow - weekday + 7) % 7);
  }
  const firstDow = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((weekday - firstDow + 7) % 7) + (week - 1) * 7;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// --- local date-time strings ---------------------------------------------------------------------

/** 'YYYY-MM-DDTHH:MM:SS' of a wall-clock value held as "UTC" milliseconds. */
export function formatLocal(wallMs: number): LocalDateTime {
  return formatWall(wallMs, false) ?? new Date(wallMs).toISOString().slice(0, 19);
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const FAST_FROM = Date.UTC(1000, 0, 1);
const FAST_TO = Date.UTC(10000, 0, 1);

/**
 * 'YYYY-MM-DDTHH:MM:SS' (or 'YYYYMMDDTHHMMSS' when `compact`) of wall-clock milliseconds by
 * integer arithmetic: a Date per value (and toISOString with replaces) was a large part of
 * rendering. Undefined outside four-digit years and for non-integers, where callers keep
 * Date's own formatting.
 */
export function formatWall(ms: number, compact: boolean): string | undefined {
  if (!(ms >= FAST_FROM && ms < FAST_TO) || !Number.isInteger(ms)) return undefined;
  // An object writes the same instants repeatedly (DTSTAMP and LAST-MODIFIED, every override's
  // CREATED): a small direct-mapped memo, bounded by construction.
  const slot = ((ms / 1000) & (WALL_MEMO - 1)) * 2 + (compact ? 1 : 0);
  if (wallMemoMs[slot] === ms) return wallMemo[slot];
  const text = formatWallUncached(ms, compact);
  wallMemoMs[slot] = ms;
  wallMemo[slot] = text;
  return text;
}

const WALL_MEMO = 256;
const wallMemoMs = new Float64Array(WALL_MEMO * 2).fill(NaN);
const wallMemo: string[] = new Array<string>(WALL_MEMO * 2).fill('');

function formatWallUncached(ms: number, compact: boolean): string {
  const days = Math.floor(ms / DAY_MS);
  const secs = Math.floor((ms - days * DAY_MS) / 1000);
  // Days → civil date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"), era of 400 years.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const hh = TWO_DIGITS[Math.floor(secs / 3600)]!;
  const mm = TWO_DIGITS[Math.floor(secs / 60) % 60]!;
  const ss = TWO_DIGITS[secs % 60]!;
  return compact
    ? `${y}${TWO_DIGITS[m]!}${TWO_DIGITS[d]!}T${hh}${mm}${ss}`
    : `${y}-${TWO_DIGITS[m]!}-${TWO_DIGITS[d]!}T${hh}:${mm}:${ss}`;
}

/** Wall-clock milliseconds of 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM[:SS]', as if it were UTC. */
export function parseLocal(local: LocalDateTime | LocalDate): number {
  // The regex below read by hand for the usual shapes (it is on every path that reads a local time).
  const dated = local.length >= 10 && digits(local, 0, 4) && local.charCodeAt(4) === 0x2d && digits(local, 5, 2);
  if (dated && local.charCodeAt(7) === 0x2d && digits(local, 8, 2)) {
    const timed = local.charCodeAt(10) === 0x54 && digits(local, 11, 2) && local.charCodeAt(13) === 0x3a && digits(local, 14, 2);
    const seconds = timed && local.charCodeAt(16) === 0x3a && digits(local, 17, 2);
    return Date.UTC(
      number(local, 0, 4),
      number(local, 5, 2) - 1,
      number(local, 8, 2),
      timed ? number(local, 11, 2) : 0,
      timed ? number(local, 14, 2) : 0,
      seconds ? number(local, 17, 2) : 0,
    );
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(local);
  if (!m) throw new RangeError(`not a local date-time: ${local}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
}

function digits(s: string, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39)) return false;
  }
  return true;
}

function number(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + s.charCodeAt(i) - 0x30;
  return n;
}

/** The instant of a local time given a zone's offsets (see ResolvedZone.fromLocal). */
export function fromLocalWith(local: LocalDateTime, offsetAt: (utcMs: number) => number): number {
  const wall = parseLocal(local);
  // Two rounds settle every real zone: guess with the offset at the wall time, correct once.
  const first = wall - offsetAt(wall) * 60_000;
  const second = wall - offsetAt(first) * 60_000;
  if (second === first) {
    // Ambiguous hour (fall back): prefer the earlier instant when it also maps to this wall time.
    const earlier = wall - offsetAt(first - 3_600_000) * 60_000;
    if (earlier < first && formatLocal(earlier + offsetAt(earlier) * 60_000) === formatLocal(wall)) return earlier;
    return first;
  }
  // In a spring-forward gap neither guess maps back; RFC 5545 §3.3.5 moves the time forward by the gap.
  if (formatLocal(second + offsetAt(second) * 60_000) === formatLocal(wall)) return second;
  return Math.max(first, second);
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDateOf(utcMs: number, zone: ResolvedZone): LocalDate {
  return zone.toLocal(utcMs).slice(0, 10);
}
