// EWS time-zone definitions → the model's TimeZoneRef (EWS-NOTES §7). A TimeZoneDefinition
// (StartTimeZone/EndTimeZone, Exchange2010+) has Periods (Bias = UTC − local), TransitionsGroups
// (yearly RecurringDayTransitions) and Transitions that switch groups at absolute dates (eras).
// The Windows Id is kept for CLDR mapping; "tzone://Microsoft/Custom" keeps only its rules.
// MeetingTimeZone (Exchange 2007, WSR/meetingtimezone) is the legacy fallback.

import { ianaForWindows } from '../model/tz.js';
import type { DayNumber, TimeZoneRef, YearlyTransition, ZoneEra } from '../model/index.js';
import { NS_TYPES } from './namespaces.js';
import { localDateTimeOf, parseDurationMinutes, parseIntValue, parseTimeOfDay, words } from './parse-values.js';
import { child, childText, children, type XmlElement } from './xml-reader.js';

export const DAY_NUMBERS = words<DayNumber>({
  Sunday: 0,
  Monday: 1,
  Tuesday: 2,
  Wednesday: 3,
  Thursday: 4,
  Friday: 5,
  Saturday: 6,
});

export const MONTH_NUMBERS = words<number>({
  January: 1,
  February: 2,
  March: 3,
  April: 4,
  May: 5,
  June: 6,
  July: 7,
  August: 8,
  September: 9,
  October: 10,
  November: 11,
  December: 12,
});

const WEEK_INDEX = words<1 | 2 | 3 | 4 | -1>({ First: 1, Second: 2, Third: 3, Fourth: 4, Last: -1 });

interface Period {
  offset: number; // minutes east of UTC
  daylight: boolean | undefined; // from the Name attribute when it says
}

/** Offset east of UTC from an EWS Bias (UTC − local): the opposite sign. */
function offsetFromBias(bias: string): number {
  return -parseDurationMinutes(bias);
}

function occurrence(value: string | undefined): 1 | 2 | 3 | 4 | -1 {
  const n = parseIntValue(value);
  // Occurrence is -1 (last) or 1..4; a 5 (SerializableTimeZone DayOrder spelling) also means last.
  return n === 1 || n === 2 || n === 3 || n === 4 ? n : -1;
}

function recurringTransition(el: XmlElement): YearlyTransition {
  const weekday = DAY_NUMBERS.get((childText(el, NS_TYPES, 'DayOfWeek') ?? '').trim());
  const month = parseIntValue(childText(el, NS_TYPES, 'Month'));
  if (weekday === undefined || month === undefined || month < 1 || month > 12) throw new RangeError('RecurringDayTransition without DayOfWeek or Month');
  return {
    month,
    weekday,
    week: occurrence(childText(el, NS_TYPES, 'Occurrence')),
    timeMinutes: parseDurationMinutes(childText(el, NS_TYPES, 'TimeOffset') ?? 'PT0M'),
  };
}

function targetOf(el: XmlElement): { kind: string; id: string } {
  const to = child(el, NS_TYPES, 'To');
  return { kind: to?.attrs.Kind ?? 'Period', id: (to?.text ?? '').trim() };
}

/** A TransitionsGroup as one era's rules (without `from`). */
function groupRules(group: XmlElement, periods: ReadonlyMap<string, Period>): Omit<ZoneEra, 'from'> | undefined {
  const recurring: { to: Period; rule: YearlyTransition }[] = [];
  let fixed: Period | undefined;
  for (const t of group.children) {
    if (t.ns !== NS_TYPES) continue;
    const target = periods.get(targetOf(t).id);
    if (!target) continue;
    if (t.name === 'RecurringDayTransition') recurring.push({ to: target, rule: recurringTransition(t) });
    else if (t.name === 'Transition' || t.name === 'AbsoluteDateTransition') fixed ??= target;
  }
  if (recurring.length === 2) {
    const [a, b] = recurring as [(typeof recurring)[0], (typeof recurring)[0]];
    // Which switch enters daylight time: the period's Name says; otherwise the larger offset.
    const aIsDaylight = a.to.daylight ?? (b.to.daylight !== undefined ? !b.to.daylight : a.to.offset > b.to.offset);
    const [dl, std] = aIsDaylight ? [a, b] : [b, a];
    if (dl.to.offset === std.to.offset) return { standardOffsetMinutes: std.to.offset };
    return { standardOffsetMinutes: std.to.offset, daylight: { offsetMinutes: dl.to.offset, start: dl.rule, end: std.rule } };
  }
  const only = fixed ?? recurring[0]?.to;
  return only ? { standardOffsetMinutes: only.offset } : undefined;
}

function parsePeriods(def: XmlElement): Map<string, Period> {
  const periods = new Map<string, Period>();
  for (const p of children(child(def, NS_TYPES, 'Periods'), NS_TYPES, 'Period')) {
    const id = p.attrs.Id;
    if (!id || p.attrs.Bias === undefined) continue;
    const name = (p.attrs.Name ?? '').toLowerCase();
    const daylight = name === 'daylight' ? true : name === 'standard' ? false : /-daylight$/i.test(id) ? true : /-standard$/i.test(id) ? false : undefined;
    periods.set(id, { offset: offsetFromBias(p.attrs.Bias), daylight });
  }
  return periods;
}

// Every item of a mailbox repeats the same few definitions (twice per item); parsing each once
// and sharing the frozen result saves time and, for 10,000 items, tens of megabytes.
const cache = new Map<string, TimeZoneRef>();
const CACHE_LIMIT = 256;

/** The definition's full content as a string: names, attributes and texts of every descendant. */
function fingerprint(el: XmlElement, out: string[]): void {
  out.push('<', el.name);
  for (const k in el.attrs) out.push(' ', k, '=', el.attrs[k]!);
  out.push('>', el.children.length === 0 ? el.text : '');
  for (const c of el.children) fingerprint(c, out);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A full or Id-only TimeZoneDefinition (StartTimeZone, EndTimeZone; WSR/timezonedefinition). Frozen and shared. */
export function parseTimeZoneDefinition(def: XmlElement): TimeZoneRef {
  // The reader hands out the same frozen element for a repeated definition text (xml-reader.ts
  // memo): by identity the lookup skips the fingerprint (~1% of the EWS → iCalendar time).
  const known = byElement.get(def);
  if (known) return known;
  const ref = byContent(def);
  if (Object.isFrozen(def)) byElement.set(def, ref);
  return ref;
}

/** Frozen (shared) elements → their zone; weak, so it holds no more than the reader's memo does. */
const byElement = new WeakMap<XmlElement, TimeZoneRef>();

function byContent(def: XmlElement): TimeZoneRef {
  const parts: string[] = [];
  fingerprint(def, parts);
  const key = parts.join('');
  let ref = cache.get(key);
  if (!ref) {
    ref = deepFreeze(parseDefinition(def));
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, ref);
  }
  return ref;
}

function parseDefinition(def: XmlElement): TimeZoneRef {
  const id = def.attrs.Id?.trim();
  const name = def.attrs.Name?.trim();
  const custom = !id || id.startsWith('tzone://');
  const ref: TimeZoneRef = {};
  if (!custom) ref.windowsId = id;
  if (name) ref.name = name;
  const periods = parsePeriods(def);
  if (periods.size > 0) {
    const groups = new Map<string, Omit<ZoneEra, 'from'>>();
    for (const g of children(child(def, NS_TYPES, 'TransitionsGroups'), NS_TYPES, 'TransitionsGroup')) {
      const rules = groupRules(g, periods);
      if (rules && g.attrs.Id !== undefined) groups.set(g.attrs.Id, rules);
    }
    const eras: ZoneEra[] = [];
    for (const t of child(def, NS_TYPES, 'Transitions')?.children ?? []) {
      if (t.ns !== NS_TYPES) continue;
      const target = targetOf(t);
      const rules = target.kind === 'Group' ? groups.get(target.id) : periods.has(target.id) ? { standardOffsetMinutes: periods.get(target.id)!.offset } : undefined;
      if (!rules) continue;
      const at = t.name === 'AbsoluteDateTransition' ? childText(t, NS_TYPES, 'DateTime') : undefined;
      // The first era applies from the beginning of time; later ones from their local DateTime.
      eras.push(at && eras.length > 0 ? { from: localDateTimeOf(at), ...rules } : { ...rules });
    }
    if (eras.length === 0 && groups.size > 0) eras.push({ ...groups.values().next().value! });
    if (eras.length > 0) ref.rules = { eras };
  }
  if (!ref.windowsId && !ref.rules && !ref.name) return { name: 'Customized Time Zone' };
  return ref;
}

/** Exchange 2007's MeetingTimeZone (TimeZoneType): BaseOffset plus Standard/Daylight changes. */
export function parseMeetingTimeZone(el: XmlElement): TimeZoneRef {
  const name = el.attrs.TimeZoneName?.trim();
  const ref: TimeZoneRef = {};
  if (name) {
    ref.name = name;
    if (ianaForWindows(name)) ref.windowsId = name;
  }
  const base = childText(el, NS_TYPES, 'BaseOffset');
  if (base === undefined) return ref;
  const baseBias = parseDurationMinutes(base);
  const std = child(el, NS_TYPES, 'Standard');
  const dl = child(el, NS_TYPES, 'Daylight');
  const change = (c: XmlElement | undefined) => {
    const ryr = child(c, NS_TYPES, 'RelativeYearlyRecurrence');
    const offset = -(baseBias + parseDurationMinutes(childText(c, NS_TYPES, 'Offset') ?? 'PT0M'));
    if (!c || !ryr) return { offset, rule: undefined };
    const weekday = DAY_NUMBERS.get((childText(ryr, NS_TYPES, 'DaysOfWeek') ?? '').trim());
    const month = MONTH_NUMBERS.get((childText(ryr, NS_TYPES, 'Month') ?? '').trim());
    const week = WEEK_INDEX.get((childText(ryr, NS_TYPES, 'DayOfWeekIndex') ?? '').trim());
    const time = childText(c, NS_TYPES, 'Time');
    if (weekday === undefined || month === undefined || week === undefined) return { offset, rule: undefined };
    const rule: YearlyTransition = { month, weekday, week, timeMinutes: time ? parseTimeOfDay(time) : 0 };
    return { offset, rule };
  };
  const s = change(std);
  const d = change(dl);
  const era: ZoneEra = { standardOffsetMinutes: std ? s.offset : -baseBias };
  if (s.rule && d.rule && d.offset !== s.offset) era.daylight = { offsetMinutes: d.offset, start: d.rule, end: s.rule };
  ref.rules = { eras: [era] };
  return ref;
}
