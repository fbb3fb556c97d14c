// Time-zone data for the renderer: the VTIMEZONE blocks of timezones-ical-library (IANA 2026c),
// read back into rules so offsets can be computed without Intl, how far back those blocks are
// right (they carry today's rules only, from 1970 on), and tzdata transitions through Intl for the
// years before that. EWS-NOTES §7; RFC 5545 §3.6.5.

import { tzlib_get_ical_block } from 'timezones-ical-library';
import { ianaOffsetAt, rulesOffsetAt, transitionUtc } from '../model/tz.js';
import type { DayNumber, YearlyTransition, ZoneRules } from '../model/zone.js';

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

export interface LibraryZone {
  /** The block as the library ships it, lines separated by CRLF, without a trailing CRLF. */
  readonly block: string;
  /** The same rules as the block, for arithmetic (undefined when the block has an unexpected shape). */
  readonly rules?: ZoneRules;
  /** First year from which the block agrees with tzdata (Intl) up to 2037. */
  readonly validFromYear: number;
}

const LAST_CHECKED_YEAR = 2037;
const libraryCache = new Map<string, LibraryZone | null>();

/** The library's data for an IANA zone, or null when the library does not know the name. */
export function libraryZone(ianaId: string): LibraryZone | null {
  let entry = libraryCache.get(ianaId);
  if (entry === undefined) {
    entry = loadLibraryZone(ianaId);
    libraryCache.set(ianaId, entry);
  }
  return entry;
}

function loadLibraryZone(ianaId: string): LibraryZone | null {
  let result: string[] | string;
  try {
    result = tzlib_get_ical_block(ianaId);
  } catch {
    return null;
  }
  const block = Array.isArray(result) ? result[0] : undefined;
  if (!block || !block.startsWith('BEGIN:VTIMEZONE')) return null;
  const rules = parseLibraryRules(block);
  return { block, rules, validFromYear: rules ? firstValidYear(ianaId, rules) : LAST_CHECKED_YEAR + 1 };
}

interface Observance {
  kind: 'STANDARD' | 'DAYLIGHT';
  from: number;
  to: number;
  dtstart: string;
  rrule?: string;
  tzname?: string;
}

/** Offsets like '+0530' / '-0800' → minutes east of UTC. */
export function parseOffset(text: string): number {
  const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(text.trim());
  if (!m) throw new RangeError(`bad UTC offset ${text}`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

export function parseObservances(block: string): Observance[] {
  const out: Observance[] = [];
  for (const m of block.matchAll(/BEGIN:(STANDARD|DAYLIGHT)\r\n([\s\S]*?)END:\1/g)) {
    const body = m[2]!;
    const get = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(body)?.[1]?.trim();
    out.push({
      kind: m[1] as Observance['kind'],
      from: parseOffset(get('TZOFFSETFROM') ?? '+0000'),
      to: parseOffset(get('TZOFFSETTO') ?? '+0000'),
      dtstart: get('DTSTART') ?? '19700101T000000',
      rrule: get('RRULE'),
      tzname: get('TZNAME'),
    });
  }
  return out;
}

/** The library's two shapes: one fixed observance, or a yearly STANDARD/DAYLIGHT pair. */
function parseLibraryRules(block: string): ZoneRules | undefined {
  const obs = parseObservances(block);
  if (obs.length === 1 && !obs[0]!.rrule) return { eras: [{ standardOffsetMinutes: obs[0]!.to }] };
  const std = obs.find((o) => o.kind === 'STANDARD');
  const dst = obs.find((o) => o.kind === 'DAYLIGHT');
  if (obs.length !== 2 || !std?.rrule || !dst?.rrule) return undefined;
  const start = yearlyTransition(dst);
  const end = yearlyTransition(std);
  if (!start || !end) return undefined;
  return { eras: [{ standardOffsetMinutes: std.to, daylight: { offsetMinutes: dst.to, start, end } }] };
}

function yearlyTransition(o: Observance): YearlyTransition | undefined {
  const month = /BYMONTH=(\d+)/.exec(o.rrule ?? '');
  const day = /BYDAY=(-?\d)([A-Z]{2})(?:;|$)/.exec(o.rrule ?? '');
  const time = /T(\d{2})(\d{2})/.exec(o.dtstart);
  if (!month || !day || !time || /BYMONTHDAY|BYSETPOS/.test(o.rrule ?? '')) return undefined;
  const week = Number(day[1]);
  const weekday = DAY_CODES.indexOf(day[2] as (typeof DAY_CODES)[number]);
  if (weekday < 0 || !(week === -1 || (week >= 1 && week <= 4))) return undefined;
  return {
    month: Number(month[1]),
    weekday: weekday as DayNumber,
    week: week as YearlyTransition['week'],
    timeMinutes: Number(time[1]) * 60 + Number(time[2]),
  };
}

// --- tzdata transitions through Intl -------------------------------------------------------------

export interface Transition {
  utc: number;
  from: number;
  to: number;
}

const WEEK = 7 * 86_400_000;

/** Offset changes of an IANA zone in [startUtc, endUtc), found by weekly sampling and bisection. */
export function intlTransitions(ianaId: string, startUtc: number, endUtc: number): Transition[] {
  const out: Transition[] = [];
  let t = startUtc;
  let offset = ianaOffsetAt(ianaId, t);
  while (t < endUtc) {
    const next = Math.min(t + WEEK, endUtc);
    const nextOffset = ianaOffsetAt(ianaId, next);
    if (nextOffset !== offset) {
      let lo = t;
      let hi = next;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (ianaOffsetAt(ianaId, mid) === offset) lo = mid;
        else hi = mid;
      }
      out.push({ utc: hi, from: offset, to: ianaOffsetAt(ianaId, hi) });
      // A second change within the same week is possible in principle; resume just after this one.
      t = hi;
      offset = ianaOffsetAt(ianaId, hi);
      continue;
    }
    t = next;
  }
  return out;
}

function rulesTransitions(rules: ZoneRules, year: number): Transition[] {
  const era = rules.eras[0]!;
  if (!era.daylight) return [];
  const std = era.standardOffsetMinutes;
  const dst = era.daylight.offsetMinutes;
  return [
    { utc: transitionUtc(year, era.daylight.start, std), from: std, to: dst },
    { utc: transitionUtc(year, era.daylight.end, dst), from: dst, to: std },
  ].sort((a, b) => a.utc - b.utc);
}

/**
 * Walk back from 2037 while the library's rules give tzdata's offsets year by year; the block is
 * right from the year after the first disagreement (e.g. America/New_York: 2007). Each year is
 * probed just before and after the rules' own transitions (a moved switch shows there) and twice
 * a month (a switch the rules lack, like Morocco's Ramadan hour, lasts weeks).
 */
function firstValidYear(ianaId: string, rules: ZoneRules): number {
  for (let year = LAST_CHECKED_YEAR; year >= 1900; year--) {
    const probes: number[] = [];
    for (let m = 0; m < 12; m++) probes.push(Date.UTC(year, m, 1), Date.UTC(year, m, 15));
    for (const t of rulesTransitions(rules, year)) probes.push(t.utc - 60_000, t.utc + 60_000);
    if (probes.some((ms) => ianaOffsetAt(ianaId, ms) !== rulesOffsetAt(rules, ms))) return year + 1;
  }
  return 1900;
}
