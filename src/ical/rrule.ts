// Outlook's recurrence (src/model/recurrence.ts) → an RRULE whose instances are Outlook's
// (EWS-NOTES §8; MS-OXCICAL 2.1.3.2.2.3): day 31 → BYMONTHDAY=-1, day 29/30 → the last of
// 28..d via BYSETPOS, pseudo-days via BYSETPOS, Feb 29 → the last day of February.

import { daysInMonth, formatWall, parseLocal, type ResolvedZone } from '../model/tz.js';
import type { Recurrence, RecurrencePattern, Weekday, WeekIndex } from '../model/recurrence.js';
import type { LocalDate, LocalDateTime } from '../model/zone.js';

const ORDER: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const INDEX: Readonly<Record<WeekIndex, number>> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const DAY_MS = 86_400_000;

/** Where the series starts: a local date (all-day) or a local date-time in the series zone. */
export type SeriesStart = { kind: 'date'; date: LocalDate } | { kind: 'date-time'; local: LocalDateTime; zone: ResolvedZone };

export interface RuleResult {
  /** The RRULE value (without the "RRULE:" name). */
  rrule: string;
  /**
   * True when DTSTART is not itself an instance of the pattern. RFC 5545 §3.8.5.3 makes DTSTART
   * the first instance anyway, but ical.js (and dateutil) drop it; an RDATE equal to DTSTART
   * makes every reader produce Outlook's set (the master start is the first occurrence, §8).
   */
  startNotInPattern: boolean;
}

export function buildRrule(rec: Recurrence, start: SeriesStart): RuleResult {
  const startDate = start.kind === 'date' ? start.date : start.local.slice(0, 10);
  const startTime = start.kind === 'date' ? '' : start.local.slice(10);
  const p = rec.pattern;
  const parts = patternParts(p, startDate);
  const synced = matchesPattern(p, startDate);
  const range = rec.range;
  if (range.type === 'numbered') {
    const count = Math.max(1, Math.floor(range.count));
    if (synced) parts.push(`COUNT=${count}`);
    else {
      // RFC 5545 counts an unsynchronised DTSTART as the first of COUNT, ical.js does not:
      // name the last instance instead so both readings give the same set.
      const last = nthAfter(p, startDate, count - 1);
      parts.push(`UNTIL=${untilValue(start, last, startTime || 'T00:00:00')}`);
    }
  } else if (range.type === 'endDate') {
    // §8.2: the end date's last second in the series zone; all-day series use the date itself.
    parts.push(`UNTIL=${untilValue(start, range.endDate, 'T23:59:59')}`);
  }
  return { rrule: parts.join(';'), startNotInPattern: !synced };
}

function untilValue(start: SeriesStart, date: LocalDate, time: string): string {
  if (start.kind === 'date') return date.replace(/-/g, '');
  const utc = start.zone.fromLocal(`${date}${time}`);
  const fast = formatWall(utc, true);
  return fast !== undefined ? `${fast}Z` : new Date(utc).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function interval(n: number): string[] {
  const i = Math.max(1, Math.floor(n));
  return i > 1 ? [`INTERVAL=${i}`] : [];
}

function weekdayOf(date: LocalDate): Weekday {
  return ORDER[new Date(parseLocal(date)).getUTCDay()]!;
}

/** Days in a stable order (ISO week order, or from WKST for weekly rules). */
function dayList(days: readonly Weekday[], first: Weekday = 'MO'): string {
  const from = ORDER.indexOf(first);
  const set = new Set(days);
  const out: Weekday[] = [];
  for (let i = 0; i < 7; i++) {
    const d = ORDER[(from + i) % 7]!;
    if (set.has(d)) out.push(d);
  }
  return out.join(',');
}

/** A relative selection (EWS DaysOfWeek + DayOfWeekIndex) as RRULE parts. */
function relativeParts(days: readonly Weekday[], index: WeekIndex, startDate: LocalDate): string[] {
  const k = INDEX[index];
  const set = days.length > 0 ? new Set(days) : new Set([weekdayOf(startDate)]);
  if (set.size === 7) return [`BYMONTHDAY=${k}`]; // pseudo-day "Day": the k-th day of the month
  if (set.size === 1) return [`BYDAY=${k}${[...set][0]!}`];
  return [`BYDAY=${dayList([...set])}`, `BYSETPOS=${k}`];
}

function patternParts(p: RecurrencePattern, startDate: LocalDate): string[] {
  switch (p.type) {
    case 'daily':
      return ['FREQ=DAILY', ...interval(p.interval)];
    case 'weekly': {
      const days = p.days.length > 0 ? p.days : [weekdayOf(startDate)];
      return ['FREQ=WEEKLY', ...interval(p.interval), `BYDAY=${dayList(days, p.firstDayOfWeek)}`, `WKST=${p.firstDayOfWeek}`];
    }
    case 'absoluteMonthly': {
      const d = p.dayOfMonth;
      const byDay =
        d <= 28 ? [`BYMONTHDAY=${d}`] : d >= 31 ? ['BYMONTHDAY=-1'] : [`BYMONTHDAY=${range(28, d).join(',')}`, 'BYSETPOS=-1'];
      return ['FREQ=MONTHLY', ...interval(p.interval), ...byDay];
    }
    case 'relativeMonthly':
      return ['FREQ=MONTHLY', ...interval(p.interval), ...relativeParts(p.days, p.index, startDate)];
    case 'absoluteYearly': {
      // Feb 29 → "last day of February", which is Outlook's fallback to Feb 28 in common years (BYMONTHDAY=28,29;BYSETPOS=-1 names the
      // same set, but ical.js ignores BYSETPOS next to BYMONTHDAY).
      // A day past the month's shortest length (Feb 29, Apr 31) is its last day.
      const d = p.dayOfMonth <= daysInMonth(2001, p.month) ? String(p.dayOfMonth) : '-1';
      return ['FREQ=YEARLY', ...interval(p.interval), `BYMONTH=${p.month}`, `BYMONTHDAY=${d}`];
    }
    case 'relativeYearly':
      return ['FREQ=YEARLY', ...interval(p.interval), `BYMONTH=${p.month}`, ...relativeParts(p.days, p.index, startDate)];
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

// --- Outlook's day rules, for checking DTSTART and counting -------------------------------------

function relativeDay(days: readonly Weekday[], index: WeekIndex, y: number, m: number): number {
  const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
  const last = daysInMonth(y, m);
  const k = INDEX[index];
  let seen = 0;
  let found = 0;
  for (let d = 1; d <= last; d++) {
    if (!days.includes(ORDER[(first + d - 1) % 7]!)) continue;
    found = d;
    if (++seen === k) return d;
  }
  return k === -1 ? found : 0;
}

/** Whether a date is a day of the pattern, ignoring the interval. */
function dayMatches(p: RecurrencePattern, y: number, m: number, d: number, startDate: LocalDate): boolean {
  switch (p.type) {
    case 'daily':
      return true;
    case 'weekly': {
      const days = p.days.length > 0 ? p.days : [weekdayOf(startDate)];
      return days.includes(ORDER[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!);
    }
    case 'absoluteMonthly':
      return d === Math.min(p.dayOfMonth, daysInMonth(y, m));
    case 'relativeMonthly':
      return d === relativeDay(p.days.length > 0 ? p.days : [weekdayOf(startDate)], p.index, y, m);
    case 'absoluteYearly':
      return m === p.month && d === Math.min(p.dayOfMonth, daysInMonth(y, m));
    case 'relativeYearly':
      return m === p.month && d === relativeDay(p.days.length > 0 ? p.days : [weekdayOf(startDate)], p.index, y, m);
  }
}

export function matchesPattern(p: RecurrencePattern, date: LocalDate): boolean {
  return dayMatches(p, Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)), date);
}

/** Whether a date lies in a period the interval selects, counted from the start's period (RFC 5545 §3.3.10). */
function inInterval(p: RecurrencePattern, startDate: LocalDate, date: LocalDate): boolean {
  const n = Math.max(1, Math.floor(p.interval));
  if (n === 1) return true;
  const a = new Date(parseLocal(startDate));
  const b = new Date(parseLocal(date));
  switch (p.type) {
    case 'daily':
      return Math.round((b.getTime() - a.getTime()) / DAY_MS) % n === 0;
    case 'weekly': {
      const wkst = ORDER.indexOf(p.firstDayOfWeek);
      const weekStart = (x: Date): number => x.getTime() - (((x.getUTCDay() - wkst + 7) % 7) * DAY_MS);
      return Math.round((weekStart(b) - weekStart(a)) / (7 * DAY_MS)) % n === 0;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
      return ((b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth()) % n === 0;
    case 'absoluteYearly':
    case 'relativeYearly':
      return (b.getUTCFullYear() - a.getUTCFullYear()) % n === 0;
  }
}

/** The date of the n-th pattern instance after the start date (n = 0: the start date itself). */
function nthAfter(p: RecurrencePattern, startDate: LocalDate, n: number): LocalDate {
  let ms = parseLocal(startDate);
  let found = 0;
  const limit = ms + 200 * 366 * DAY_MS;
  while (found < n && ms < limit) {
    ms += DAY_MS;
    const date = new Date(ms).toISOString().slice(0, 10);
    const dt = new Date(ms);
    if (dayMatches(p, dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate(), startDate) && inInterval(p, startDate, date)) found++;
  }
  return new Date(ms).toISOString().slice(0, 10);
}
