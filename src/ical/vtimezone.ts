// VTIMEZONE components (RFC 5545 §3.6.5): IANA zones from timezones-ical-library, extended with
// tzdata history when an object reaches back before the library's rules applied; custom zones
// (tzone://Microsoft/Custom, unknown Windows names) built from the upstream's own rules, one
// STANDARD/DAYLIGHT pair per era (EWS-NOTES §7.1–§7.2). Blocks are cached: they are pure
// functions of their inputs, and rendering the same zone again must cost nothing.

import { escapeText, fold } from './content-line.js';
import { formatOffset, intlTransitions, libraryZone, parseObservances, type Transition } from './zone-data.js';
import { formatLocal, ianaOffsetAt, ianaZone, parseLocal, rulesOffsetAt, transitionUtc, type ResolvedZone } from '../model/tz.js';
import { RulesZone } from './rules-zone.js';
import type { YearlyTransition, ZoneEra, ZoneRules } from '../model/zone.js';

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const MIN_YEAR = 1900;
const blockCache = new Map<string, string>();
const libraryBlocks = new Map<string, string>();

function cached(key: string, build: () => string): string {
  let block = blockCache.get(key);
  if (block === undefined) {
    block = build();
    if (blockCache.size > 10_000) blockCache.clear(); // bounded: keys include years and custom rules
    blockCache.set(key, block);
  }
  return block;
}

/** iCalendar local date-time (YYYYMMDDTHHMMSS) of wall-clock milliseconds. */
function icalLocal(wallMs: number): string {
  return formatLocal(wallMs).replace(/[-:]/g, '');
}

function yearStartLocal(year: number): string {
  return `${String(year).padStart(4, '0')}0101T000000`;
}

/**
 * The VTIMEZONE for an IANA zone, valid for instants from `fromYear` on. The library's block
 * carries today's rules only; for earlier years the offsets tzdata knows are prepended as RDATE
 * observances so the local times we write still denote the right instants.
 */
export function ianaVtimezone(tzid: string, fromYear: number): string {
  const lib = libraryZone(tzid);
  const validYear = lib ? Math.max(lib.validFromYear, 1970) : 2038;
  if (lib && fromYear >= validYear) {
    // The common case, keyed by the TZID itself (a long-lived string whose hash V8 keeps).
    let block = libraryBlocks.get(tzid);
    if (block === undefined) {
      block = libraryBlock(tzid, lib.block);
      if (libraryBlocks.size > 10_000) libraryBlocks.clear(); // bounded: a hostile upstream can name many zones
      libraryBlocks.set(tzid, block);
    }
    return block;
  }
  const startYear = Math.max(MIN_YEAR, Math.min(fromYear, validYear));
  return cached(`iana|${tzid}|${startYear}`, () => historicBlock(tzid, startYear, validYear, lib?.block));
}

/** The library block with our TZID (it answers links with their target, e.g. Asia/Calcutta → Asia/Kolkata). */
function libraryBlock(tzid: string, block: string): string {
  const lines = block.split('\r\n').filter((l) => !l.startsWith('X-LIC-LOCATION:'));
  return lines.map((l) => (l.startsWith('TZID:') ? fold(`TZID:${escapeText(tzid)}`) : `${l}\r\n`)).join('');
}

function historicBlock(tzid: string, startYear: number, validYear: number, libBlock: string | undefined): string {
  const startUtc = Date.UTC(startYear, 0, 1);
  const endUtc = Date.UTC(validYear, 0, 1);
  const initial = ianaOffsetAt(tzid, startUtc);
  const parts = [`BEGIN:VTIMEZONE\r\n`, fold(`TZID:${escapeText(tzid)}`)];
  parts.push(observance('STANDARD', initial, initial, yearStartLocal(startYear)));
  const groups = new Map<string, { kind: 'STANDARD' | 'DAYLIGHT'; t: Transition; onsets: string[] }>();
  for (const t of intlTransitions(tzid, startUtc, endUtc)) {
    const year = new Date(t.utc).getUTCFullYear();
    const standardGuess = Math.min(ianaOffsetAt(tzid, Date.UTC(year, 0, 1)), ianaOffsetAt(tzid, Date.UTC(year, 6, 1)));
    const kind = t.to > standardGuess ? 'DAYLIGHT' : 'STANDARD';
    const key = `${kind}|${t.from}|${t.to}`;
    const group = groups.get(key) ?? { kind, t, onsets: [] };
    // Onsets are local times in the offset before the change (RFC 5545 §3.6.5 DTSTART/RDATE).
    group.onsets.push(icalLocal(t.utc + t.from * 60_000));
    groups.set(key, group);
  }
  for (const { kind, t, onsets } of groups.values()) {
    parts.push(observance(kind, t.from, t.to, onsets[0]!, onsets.slice(1)));
  }
  if (libBlock) {
    for (const o of parseObservances(libBlock)) {
      const start = o.rrule ? firstOnset(o.rrule, o.dtstart, validYear, o.from) : undefined;
      const before = ianaOffsetAt(tzid, endUtc - 1);
      parts.push(
        o.rrule && start
          ? observance(o.kind, o.from, o.to, start, [], o.rrule, o.tzname)
          : observance(o.kind, before, o.to, yearStartLocal(validYear), [], undefined, o.tzname),
      );
    }
  }
  parts.push('END:VTIMEZONE\r\n');
  return parts.join('');
}

/** The library's yearly onset moved to its first occurrence in `year` (DTSTART must be one, §3.8.5.3). */
function firstOnset(rrule: string, dtstart: string, year: number, fromOffset: number): string | undefined {
  const month = /BYMONTH=(\d+)/.exec(rrule);
  const day = /BYDAY=(-?\d)([A-Z]{2})/.exec(rrule);
  const time = /T(\d{2})(\d{2})(\d{2})/.exec(dtstart);
  if (!month || !day || !time) return undefined;
  const t: YearlyTransition = {
    month: Number(month[1]),
    weekday: DAY_CODES.indexOf(day[2] as (typeof DAY_CODES)[number]) as YearlyTransition['weekday'],
    week: Number(day[1]) as YearlyTransition['week'],
    timeMinutes: Number(time[1]) * 60 + Number(time[2]),
  };
  return icalLocal(transitionUtc(year, t, fromOffset) + fromOffset * 60_000);
}

function observance(kind: string, from: number, to: number, dtstart: string, rdates: string[] = [], rrule?: string, tzname?: string): string {
  let out = `BEGIN:${kind}\r\n${tzname ? fold(`TZNAME:${escapeText(tzname)}`) : ''}TZOFFSETFROM:${formatOffset(from)}\r\nTZOFFSETTO:${formatOffset(to)}\r\nDTSTART:${dtstart}\r\n`;
  if (rrule) out += fold(`RRULE:${rrule}`);
  for (let i = 0; i < rdates.length; i += 8) out += fold(`RDATE:${rdates.slice(i, i + 8).join(',')}`);
  return out + `END:${kind}\r\n`;
}

// --- custom zones from an upstream's rules -------------------------------------------------------

/** A VTIMEZONE from the upstream's rules: per era a fixed observance or a yearly STANDARD/DAYLIGHT pair with UNTIL. */
export function rulesVtimezone(tzid: string, rules: ZoneRules, fromYear: number, rulesJson = JSON.stringify(rules)): string {
  const baseYear = Math.max(MIN_YEAR, Math.min(1970, fromYear));
  // Keyed by the JSON first: the parsers share one frozen definition, so that string is the same
  // object each time and V8 has its hash already (a key built around it would be hashed anew).
  let byName = rulesBlocks.get(rulesJson);
  const name = `${tzid}|${baseYear}`;
  let block = byName?.get(name);
  if (block === undefined) {
    const parts = [`BEGIN:VTIMEZONE\r\n`, fold(`TZID:${escapeText(tzid)}`)];
    rules.eras.forEach((era, i) => parts.push(...eraObservances(rules, i, era, baseYear)));
    parts.push('END:VTIMEZONE\r\n');
    block = parts.join('');
    if (rulesBlockCount >= 10_000) {
      rulesBlocks.clear(); // bounded: keys include years and custom rules
      rulesBlockCount = 0;
      byName = undefined;
    }
    if (!byName) {
      byName = new Map();
      rulesBlocks.set(rulesJson, byName);
    }
    byName.set(name, block);
    rulesBlockCount++;
  }
  return block;
}

const rulesBlocks = new Map<string, Map<string, string>>();
let rulesBlockCount = 0;

/** UTC start of era i as tz.ts reads it (local time in the previous era's standard offset). */
function eraStartUtc(rules: ZoneRules, i: number): number {
  const era = rules.eras[i]!;
  if (i === 0 || !era.from) return -Infinity;
  return parseLocal(era.from) - rules.eras[i - 1]!.standardOffsetMinutes * 60_000;
}

function eraObservances(rules: ZoneRules, i: number, era: ZoneEra, baseYear: number): string[] {
  const start = eraStartUtc(rules, i);
  let end = Infinity;
  for (let j = i + 1; j < rules.eras.length; j++) {
    if (rules.eras[j]!.from) {
      end = eraStartUtc(rules, j);
      break;
    }
  }
  if (end <= start) return [];
  const out: string[] = [];
  const firstYear = Number.isFinite(start) ? new Date(start).getUTCFullYear() : baseYear;
  if (Number.isFinite(start)) {
    // The switch into this era: only needed when the offset in force changes there.
    const before = rulesOffsetAt(rules, start - 1);
    const after = rulesOffsetAt(rules, start);
    if (before !== after) {
      const kind = era.daylight && after === era.daylight.offsetMinutes ? 'DAYLIGHT' : 'STANDARD';
      out.push(observance(kind, before, after, icalLocal(start + before * 60_000)));
    }
  } else if (!era.daylight) {
    out.push(observance('STANDARD', era.standardOffsetMinutes, era.standardOffsetMinutes, yearStartLocal(baseYear)));
  }
  if (!era.daylight) return out;
  const std = era.standardOffsetMinutes;
  const dst = era.daylight.offsetMinutes;
  out.push(yearlyObservance('DAYLIGHT', era.daylight.start, std, dst, firstYear, start, end));
  out.push(yearlyObservance('STANDARD', era.daylight.end, dst, std, firstYear, start, end));
  return out.filter((s) => s !== '');
}

function yearlyObservance(kind: string, t: YearlyTransition, from: number, to: number, firstYear: number, start: number, end: number): string {
  let year = firstYear;
  while (transitionUtc(year, t, from) < start) year++;
  const first = transitionUtc(year, t, from);
  if (first >= end) return '';
  let rrule = `FREQ=YEARLY;BYMONTH=${t.month};BYDAY=${t.week}${DAY_CODES[t.weekday]}`;
  if (Number.isFinite(end)) {
    let last = year;
    while (transitionUtc(last + 1, t, from) < end) last++;
    // COUNT, not UNTIL: the same onsets, but python-icalendar 4.0 (Debian 12; khal) rejects the
    // UTC UNTIL that RFC 5545 §3.3.10 requires beside a local DTSTART (collective/icalendar#708).
    rrule += `;COUNT=${last - year + 1}`;
  }
  return observance(kind, from, to, icalLocal(first + from * 60_000), [], rrule);
}

// --- fast offsets for IANA zones -----------------------------------------------------------------

const fastZones = new Map<string, ResolvedZone>();

/**
 * An IANA zone whose offsets come from the library's rules where those are verified against
 * tzdata (pure arithmetic, and by construction what our VTIMEZONE says), from Intl before that.
 */
export function fastIanaZone(ianaId: string): ResolvedZone {
  let zone = fastZones.get(ianaId);
  if (zone) return zone;
  const intl = ianaZone(ianaId);
  const lib = libraryZone(ianaId);
  if (!lib?.rules || ianaId === 'UTC') {
    zone = intl;
  } else {
    const slow = new RulesZone(lib.rules, ianaId);
    const fast = yearlyOffsets(lib.rules);
    // A day of margin: the check compared whole years from Jan 1 UTC.
    const from = Date.UTC(Math.max(lib.validFromYear, 1970), 0, 2);
    const offsetAt = (ms: number): number => (ms >= from ? fast(ms) : intl.offsetAt(ms));
    zone = {
      tzid: ianaId,
      ianaId,
      offsetAt,
      toLocal: (ms) => formatLocal(ms + offsetAt(ms) * 60_000),
      fromLocal: (local) => {
        const guess = slow.fromLocal(local);
        return guess >= from ? guess : intl.fromLocal(local);
      },
    };
  }
  fastZones.set(ianaId, zone);
  return zone;
}

/** rulesOffsetAt for the library's single-era rules, with each year's two switches computed once. */
function yearlyOffsets(rules: ZoneRules): (ms: number) => number {
  const era = rules.eras[0]!;
  const std = era.standardOffsetMinutes;
  const daylight = era.daylight;
  if (!daylight) return () => std;
  const years = new Map<number, readonly [number, number]>();
  // The year of the previous call (local standard time, as UTC milliseconds): most calls of a
  // render fall into it, and then no Date is needed.
  let from = NaN;
  let to = NaN;
  let switches: readonly [number, number] = [NaN, NaN];
  return (ms) => {
    const local = ms + std * 60_000;
    if (!(local >= from && local < to)) {
      const year = new Date(local).getUTCFullYear();
      let known = years.get(year);
      if (!known) {
        known = [transitionUtc(year, daylight.start, std), transitionUtc(year, daylight.end, daylight.offsetMinutes)];
        if (years.size >= 1024) years.clear(); // bounded: instants come from upstream data
        years.set(year, known);
      }
      switches = known;
      // Date.UTC reads years 0–99 as 1900–1999: those years are not remembered.
      from = year >= 100 ? Date.UTC(year, 0, 1) : NaN;
      to = year >= 100 ? Date.UTC(year + 1, 0, 1) : NaN;
    }
    const dstStart = switches[0];
    const dstEnd = switches[1];
    const inDst = dstStart < dstEnd ? ms >= dstStart && ms < dstEnd : ms >= dstStart || ms < dstEnd;
    return inDst ? daylight.offsetMinutes : std;
  };
}
