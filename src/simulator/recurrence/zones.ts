// Wall-clock ⇄ instant conversion for the series zone (EWS-NOTES §7, §8: expansion keeps the
// local time fixed across DST). Windows zones go through Intl with their IANA name; custom
// zones (`tzone://Microsoft/Custom`) are computed from their own rules.

import { DAY_MS, MINUTE_MS, civil, dayNumber, nthWeekdayOfMonth } from './dates.js';
import { type RuleGroup, type TransitionRule, type ZoneDefinition, windowsZone } from './zone-data.js';

export type { ZoneDefinition } from './zone-data.js';

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();
const BUCKET_MS = 15 * MINUTE_MS; // every supported zone switches on a quarter hour

function formatter(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(iana, f);
  }
  return f;
}

const dayCache = new Map<string, Map<number, number | null>>();

/** Offset via Intl. A day whose start and end share one offset is cached as a whole (one
 *  lookup serves every time of that day); days with a switch fall back to 15-minute buckets. */
function intlOffset(iana: string, utcMs: number): number {
  const day = Math.floor(utcMs / DAY_MS);
  let perZone = dayCache.get(iana);
  if (!perZone) dayCache.set(iana, (perZone = new Map()));
  let whole = perZone.get(day);
  if (whole === undefined) {
    const a = intlBucketOffset(iana, day * DAY_MS);
    const b = intlBucketOffset(iana, (day + 1) * DAY_MS - BUCKET_MS);
    whole = a === b ? a : null;
    if (perZone.size > 100_000) perZone.clear();
    perZone.set(day, whole);
  }
  return whole ?? intlBucketOffset(iana, utcMs);
}

function intlBucketOffset(iana: string, utcMs: number): number {
  const bucket = Math.floor(utcMs / BUCKET_MS);
  const key = `${iana}|${bucket}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const at = bucket * BUCKET_MS;
  const p: Record<string, number> = {};
  for (const part of formatter(iana).formatToParts(new Date(at))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const off = Math.round((asUtc - at) / MINUTE_MS);
  if (offsetCache.size > 500_000) offsetCache.clear();
  offsetCache.set(key, off);
  return off;
}

function groupFor(zone: ZoneDefinition, year: number): RuleGroup {
  let g = zone.groups[0];
  for (const candidate of zone.groups) if (candidate.fromYear <= year) g = candidate;
  if (!g) throw new Error(`zone ${zone.id} has no rules`);
  return g;
}

function ruleLocalMs(rule: TransitionRule, year: number): number {
  return nthWeekdayOfMonth(year, rule.month, rule.dayOfWeek, rule.occurrence) * DAY_MS + rule.timeMinutes * MINUTE_MS;
}

/** Offset (minutes east of UTC) from a zone's own rules, as Windows evaluates them. */
export function ruleOffset(zone: ZoneDefinition, utcMs: number): number {
  const first = zone.groups[0];
  const approxYear = civil(Math.floor((utcMs - (first?.standardBias ?? 0) * MINUTE_MS) / DAY_MS)).year;
  const g = groupFor(zone, approxYear);
  if (!g.daylight) return -g.standardBias;
  const dst = g.daylight;
  const start = ruleLocalMs(dst.start, approxYear) + g.standardBias * MINUTE_MS; // switch read in standard time
  const end = ruleLocalMs(dst.end, approxYear) + dst.bias * MINUTE_MS; // switch read in daylight time
  const inDst = start < end ? utcMs >= start && utcMs < end : utcMs >= start || utcMs < end;
  return inDst ? -dst.bias : -g.standardBias;
}

export function offsetAt(zone: ZoneDefinition, utcMs: number): number {
  return zone.iana ? intlOffset(zone.iana, utcMs) : ruleOffset(zone, utcMs);
}

export function utcToLocal(zone: ZoneDefinition, utcMs: number): number {
  return utcMs + offsetAt(zone, utcMs) * MINUTE_MS;
}

/**
 * Local wall time → instant. In the spring-forward gap the time moves forward by the gap
 * (what Outlook does with a 02:30 meeting on that day); in the autumn overlap the first
 * (daylight) instant wins.
 */
export function localToUtc(zone: ZoneDefinition, localMs: number): number {
  const before = offsetAt(zone, localMs - DAY_MS);
  const after = offsetAt(zone, localMs + DAY_MS);
  if (before === after) {
    const t = localMs - before * MINUTE_MS;
    if (offsetAt(zone, t) === before) return t;
  }
  const valid: number[] = [];
  for (const o of [before, after]) {
    const t = localMs - o * MINUTE_MS;
    if (offsetAt(zone, t) === o) valid.push(t);
  }
  if (valid.length > 0) return Math.min(...valid);
  return localMs - Math.min(before, after) * MINUTE_MS;
}

export function resolveZone(id: string): ZoneDefinition | undefined {
  return windowsZone(id);
}

export function localDayNumber(zone: ZoneDefinition, utcMs: number): number {
  return Math.floor(utcToLocal(zone, utcMs) / DAY_MS);
}

export function localMidnightUtc(zone: ZoneDefinition, year: number, month: number, day: number): number {
  return localToUtc(zone, dayNumber(year, month, day) * DAY_MS);
}
