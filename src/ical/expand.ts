// Instances of iCalendar text (CalDAV time-range filters, RFC 4791 §9.9) and the UTC bounds of a
// calendar object (the store's time-range prefilter). Expansion uses ical.js with the object's own
// VTIMEZONEs (ical.js 2 resolves TZID through the component tree, no global registry).

import ICAL from 'ical.js';
import type { CalendarObject } from '../model/event.js';
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

function ms(t: Time): number {
  return t.isDate ? Date.UTC(t.year, t.month - 1, t.day) : t.toUnixTime() * 1000;
}

function local(t: Time): string {
  return t.toString().replace(/Z$/, '');
}

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
  const root = new ICAL.Component(ICAL.parse(ical));
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
  return { start: ms(start), end, localStart: local(start), ...(recurrenceId !== undefined ? { recurrenceId } : {}) };
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
  const seen = new Set<number>();
  let stoppedAt = Infinity;
  let found = 0;
  for (const t of recurrenceSet(dtstart, rules, rdates)) {
    const rid = ms(t);
    if (seen.has(rid)) continue;
    seen.add(rid);
    if (exdates.has(rid)) continue;
    // Overrides may move an instance by any amount; keep going a while past the range end so
    // one moved earlier from a later slot is not lost, then stop.
    if (rid >= rangeEnd + 366 * 86_400_000 || found >= max) {
      stoppedAt = rid;
      break;
    }
    const exception = byRecurrenceId.get(rid);
    const inst = exception ? singleInstance(exception, rid) : { start: rid, end: span(t).end, recurrenceId: rid, localStart: local(t) };
    if (inst && overlaps(inst.start, inst.end, rangeStart, rangeEnd)) {
      out.push(inst);
      found++;
    }
  }
  for (const [rid, exception] of byRecurrenceId) {
    if (rid < stoppedAt) continue;
    const inst = singleInstance(exception, rid);
    if (inst && overlaps(inst.start, inst.end, rangeStart, rangeEnd)) out.push(inst);
  }
}

/** DTSTART (always an instance, RFC 5545 §3.8.5.3), the RRULE instances and RDATEs, in order. */
function* recurrenceSet(dtstart: Time, rules: Recur[], rdates: Time[]): Generator<Time> {
  const sources: Iterator<Time>[] = [[dtstart][Symbol.iterator](), [...rdates].sort((a, b) => ms(a) - ms(b))[Symbol.iterator]()];
  for (const rule of rules) sources.push(ruleInstances(rule, dtstart));
  const heads = sources.map((s) => s.next());
  for (let n = 0; n < MAX_CANDIDATES; n++) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (best < 0 || ms(h.value) < ms(heads[best]!.value as Time))) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.value as Time;
    heads[best] = sources[best]!.next();
  }
}

function* ruleInstances(rule: Recur, dtstart: Time): Generator<Time> {
  const parts = rule.parts as Record<string, unknown[] | undefined>;
  if (parts.BYSETPOS && parts.BYMONTHDAY && !parts.BYDAY && (rule.freq === 'MONTHLY' || rule.freq === 'YEARLY')) {
    yield* setPosByMonthDay(rule, dtstart);
    return;
  }
  const it = rule.iterator(dtstart);
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
