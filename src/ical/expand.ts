// Instances of iCalendar text (CalDAV time-range filters, RFC 4791 §9.9) and the UTC bounds of a
// calendar object (the store's time-range prefilter). Expansion uses ical.js with the object's own
// VTIMEZONEs (ical.js 2 resolves TZID through the component tree, no global registry), parsed
// once per distinct VTIMEZONE text, and reads local times by RFC 5545 (./expand-time.ts).

import ICAL from 'ical.js';
import type { CalendarObject } from '../model/event.js';
import { instantOf, parseCalendarShared, wallClockOf } from './expand-time.js';
import { skipStart } from './expand-skip.js';
import { renderCalendarObject } from './render.js';

type Time = InstanceType<typeof ICAL.Time>;
type Recur = InstanceType<typeof ICAL.Recur>;
type Component = InstanceType<typeof ICAL.Component>;

export interface Instance {
  /** UTC epoch ms; all-day dates count from UTC midnight (floating, RFC 5545 §3.3.4). */
  start: number;
  end: number;
  /** The original start (UTC ms) of an occurrence of a recurring event. */
  recurrenceId?: number;
  /** Wall-clock start in the event's own zone: 'YYYY-MM-DDTHH:MM:SS' or 'YYYY-MM-DD'. */
  localStart: string;
}

/** Candidates examined per series at most, so a rule that never reaches the range cannot spin. */
const MAX_CANDIDATES = 500_000;

const ms = instantOf;

function timeValues(c: Component, name: string): Time[] {
  const out: Time[] = [];
  for (const p of c.getAllProperties(name)) {
    for (const v of p.getValues() as unknown[]) if (v instanceof ICAL.Time) out.push(v);
  }
  return out;
}

function overlaps(start: number, end: number, rangeStart: number, rangeEnd: number): boolean {
  // RFC 4791 §9.9: zero-length events match at their start.
  return start < rangeEnd && (end > rangeStart || (start === end && start >= rangeStart));
}

/** Instances overlapping [rangeStart, rangeEnd), sorted by start, at most `max`. */
export function expandInstances(ical: string, rangeStart: number, rangeEnd: number, max = 10_000): Instance[] {
  const root = parseCalendarShared(ical);
  const vevents = root.name === 'vevent' ? [root] : root.getAllSubcomponents('vevent');
  const out: Instance[] = [];
  const masters = vevents.filter((v) => !v.hasProperty('recurrence-id'));
  for (const master of masters) {
    const uid = master.getFirstPropertyValue('uid');
    const exceptions = vevents.filter((v) => v !== master && v.hasProperty('recurrence-id') && v.getFirstPropertyValue('uid') === uid);
    expandOne(master, exceptions, rangeStart, rangeEnd, max, out);
  }
  out.sort((a, b) => a.start - b.start || a.end - b.end);
  return out.slice(0, max);
}

function spanOf(c: Component, start: Time): (s: Time) => { end: number } {
  const dtend = c.getFirstPropertyValue('dtend');
  const duration = c.getFirstPropertyValue('duration');
  if (start.isDate) {
    // All-day: a nominal number of days (RFC 5545 §3.6.1: no DTEND means one day).
    const days = dtend instanceof ICAL.Time ? Math.round((ms(dtend) - ms(start)) / 86_400_000) : duration instanceof ICAL.Duration ? Math.round(duration.toSeconds() / 86_400) : 1;
    return (s) => ({ end: ms(s) + Math.max(0, days) * 86_400_000 });
  }
  // §3.8.5.3: the exact duration of DTSTART→DTEND applies to every instance.
  const length = dtend instanceof ICAL.Time ? ms(dtend) - ms(start) : duration instanceof ICAL.Duration ? duration.toSeconds() * 1000 : 0;
  return (s) => ({ end: ms(s) + Math.max(0, length) });
}

function singleInstance(c: Component, recurrenceId?: number): Instance | undefined {
  const start = c.getFirstPropertyValue('dtstart');
  if (!(start instanceof ICAL.Time)) return undefined;
  const { end } = spanOf(c, start)(start);
  return { start: ms(start), end, localStart: wallClockOf(start, ms(start)), ...(recurrenceId !== undefined ? { recurrenceId } : {}) };
}

function expandOne(master: Component, exceptions: Component[], rangeStart: number, rangeEnd: number, max: number, out: Instance[]): void {
  const dtstart = master.getFirstPropertyValue('dtstart');
  if (!(dtstart instanceof ICAL.Time)) return;
  const rules = master.getAllProperties('rrule').map((p) => p.getFirstValue()).filter((r): r is Recur => r instanceof ICAL.Recur);
  const rdates = timeValues(master, 'rdate');
  if (rules.length === 0 && rdates.length === 0) {
    const one = singleInstance(master);
    if (one && overlaps(one.start, one.end, rangeStart, rangeEnd)) out.push(one);
    return;
  }
  const span = spanOf(master, dtstart);
  const exdates = new Set(timeValues(master, 'exdate').map(ms));
  const byRecurrenceId = new Map<number, Component>();
  for (const e of exceptions) {
    const rid = e.getFirstPropertyValue('recurrence-id');
    if (rid instanceof ICAL.Time) byRecurrenceId.set(ms(rid), e);
  }
  // Rule instances starting this early cannot reach the range (span plus a day of zone slack).
  const length = span(dtstart).end - ms(dtstart);
  const skipTo = rangeStart - Math.max(0, length) - 2 * 86_400_000;
  const starts = rules.map((r) => skipStart(r, dtstart, skipTo));
  const skippedBefore = starts.every((s) => s !== undefined) ? Math.min(...starts.map((s) => ms(s!))) : -Infinity;
  const seen = new Set<number>();
  let stoppedAt = Infinity;
  let found = 0;
  for (const { t, at: rid } of recurrenceSet(dtstart, rules, rdates, starts)) {
    if (seen.has(rid)) continue;
    seen.add(rid);
    if (exdates.has(rid)) continue;
    // Later instances start after the range; overrides of them (moved by any amount) follow below.
    if (rid >= rangeEnd || found >= max) {
      stoppedAt = rid;
      break;
    }
    const exception = byRecurrenceId.get(rid);
    const inst = exception ? singleInstance(exception, rid) : { start: rid, end: span(t).end, recurrenceId: rid, localStart: wallClockOf(t, rid) };
    if (inst && overlaps(inst.start, inst.end, rangeStart, rangeEnd)) {
      out.push(inst);
      found++;
    }
  }
  for (const [rid, exception] of byRecurrenceId) {
    if (rid >= skippedBefore && rid < stoppedAt) continue;
    // An override of an instance not walked (skipped, or after the range) may have moved into the
    // range: keep it if its instance exists and is not excluded.
    if (exdates.has(rid) || !isInstance(rid, dtstart, rules, rdates)) continue;
    const inst = singleInstance(exception, rid);
    if (inst && overlaps(inst.start, inst.end, rangeStart, rangeEnd)) out.push(inst);
  }
}

/** Whether `rid` is in the recurrence set, walking each rule from just before it. */
function isInstance(rid: number, dtstart: Time, rules: Recur[], rdates: Time[]): boolean {
  if (ms(dtstart) === rid || rdates.some((r) => ms(r) === rid)) return true;
  return rules.some((rule) => {
    for (const t of ruleInstances(rule, dtstart, skipStart(rule, dtstart, rid - 2 * 86_400_000))) {
      const at = ms(t);
      if (at >= rid) return at === rid;
    }
    return false;
  });
}

/**
 * DTSTART (always an instance, RFC 5545 §3.8.5.3), the RRULE instances and RDATEs, in order, each
 * with its instant. `starts[i]`, when set, is where rule i may begin instead of DTSTART (skipStart).
 */
function* recurrenceSet(dtstart: Time, rules: Recur[], rdates: Time[], starts: (Time | undefined)[] = []): Generator<{ t: Time; at: number }> {
  const sources: Iterator<Time>[] = [[dtstart][Symbol.iterator](), [...rdates].sort((a, b) => ms(a) - ms(b))[Symbol.iterator]()];
  rules.forEach((rule, i) => sources.push(ruleInstances(rule, dtstart, starts[i])));
  const heads = sources.map((s) => next(s));
  for (let n = 0; n < MAX_CANDIDATES; n++) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || h.at < heads[best]!.at)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = next(sources[best]!);
  }
}

function next(source: Iterator<Time>): { t: Time; at: number } | undefined {
  const r = source.next();
  return r.done ? undefined : { t: r.value, at: ms(r.value) };
}

function* ruleInstances(rule: Recur, dtstart: Time, from?: Time): Generator<Time> {
  const parts = rule.parts as Record<string, unknown[] | undefined>;
  if (parts.BYSETPOS && parts.BYMONTHDAY && !parts.BYDAY && (rule.freq === 'MONTHLY' || rule.freq === 'YEARLY')) {
    yield* setPosByMonthDay(rule, dtstart);
    return;
  }
  const it = rule.iterator(from ?? dtstart);
  for (let n = 0; n < MAX_CANDIDATES; n++) {
    const t = it.next();
    if (!t) return;
    yield t.clone();
  }
}

/**
 * ical.js 2.2 ignores BYSETPOS next to BYMONTHDAY without BYDAY (it only applies BYSETPOS in its
 * BYDAY paths), so `BYMONTHDAY=28,29,30;BYSETPOS=-1` would yield all three days. Expand the
 * candidates without BYSETPOS/COUNT/UNTIL, select by position per period, then bound.
 */
function* setPosByMonthDay(rule: Recur, dtstart: Time): Generator<Time> {
  const positions = (rule.parts as Record<string, number[] | undefined>).BYSETPOS ?? [];
  const bare = rule.clone();
  const bareParts = bare.parts as Record<string, unknown>;
  delete bareParts.BYSETPOS;
  bare.count = null;
  bare.until = null;
  const periodOf = (t: Time): number => (rule.freq === 'MONTHLY' ? t.year * 12 + t.month : t.year);
  const until = rule.until ? ms(rule.until) : Infinity;
  let remaining = rule.count ?? Infinity;
  const it = bare.iterator(dtstart);
  let period: Time[] = [];
  const flush = function* (): Generator<Time | null> {
    const chosen = period.filter((_, i) => positions.includes(i + 1) || positions.includes(i - period.length));
    for (const t of chosen) {
      if (ms(t) < ms(dtstart)) continue;
      if (ms(t) > until || remaining <= 0) {
        yield null;
        return;
      }
      remaining--;
      yield t;
    }
  };
  for (let n = 0; n < MAX_CANDIDATES; n++) {
    const t = it.next();
    if (!t || (period.length > 0 && periodOf(t) !== periodOf(period[0]!))) {
      for (const c of flush()) {
        if (c === null) return;
        yield c;
      }
      period = [];
      if (!t) return;
    }
    period.push(t.clone());
  }
}

export interface ObjectBounds {
  /** Earliest start of any instance (UTC ms). */
  firstStart: number;
  /** Latest end of any instance; undefined for a series without end. */
  lastEnd?: number;
}

/** UTC bounds of all instances of an object, for the store's time-range prefilter. */
export function objectBounds(obj: CalendarObject): ObjectBounds {
  if (!obj.recurrence) {
    const [inst] = expandInstances(renderCalendarObject(obj), -8.64e15, 8.64e15, 1);
    return { firstStart: inst?.start ?? 0, lastEnd: inst?.end };
  }
  const ical = renderCalendarObject(obj, { includeAltDesc: false });
  if (obj.recurrence.range.type === 'noEnd') {
    // Expansion stops after the first instance and then adds every later override (which may
    // have moved earlier), so the first of these is the earliest start.
    const first = expandInstances(ical, -8.64e15, 8.64e15, 1)[0];
    return { firstStart: first?.start ?? 0 };
  }
  const all = expandInstances(ical, -8.64e15, 8.64e15, 1_000_000);
  if (all.length === 0) return { firstStart: 0, lastEnd: 0 };
  return { firstStart: all[0]!.start, lastEnd: all.reduce((m, i) => Math.max(m, i.end), -Infinity) };
}
