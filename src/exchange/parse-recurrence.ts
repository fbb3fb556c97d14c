// EWS Recurrence (types.xsd RecurrenceType: one pattern + one range, EWS-NOTES §8) → the model's
// Recurrence, kept in Outlook's terms (src/ical makes the RRULE). Pseudo-days become day sets:
// Day = all seven, Weekday = MO–FR, WeekendDay = SA SU. Yearly patterns have no Interval in EWS.
// Task regeneration patterns never occur on calendar items and are reported as unsupported.

import { WEEKDAYS, type DaySet, type Recurrence, type RecurrencePattern, type RecurrenceRange, type WeekIndex, type Weekday } from '../model/index.js';
import { NS_TYPES } from './namespaces.js';
import { MONTH_NUMBERS } from './parse-timezone.js';
import { parseDate, parseIntValue, trim, words } from './parse-values.js';
import { childText, type XmlElement } from './xml-reader.js';

const DAY_SETS = words<DaySet>({
  Sunday: ['SU'],
  Monday: ['MO'],
  Tuesday: ['TU'],
  Wednesday: ['WE'],
  Thursday: ['TH'],
  Friday: ['FR'],
  Saturday: ['SA'],
  Day: WEEKDAYS,
  Weekday: ['MO', 'TU', 'WE', 'TH', 'FR'],
  WeekendDay: ['SA', 'SU'],
});

const INDEXES = words<WeekIndex>({ First: 'first', Second: 'second', Third: 'third', Fourth: 'fourth', Last: 'last' });

export class RecurrenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecurrenceError';
  }
}

/** `Monday Wednesday` (space-separated DaysOfWeekType) → a day set in Sunday-first order. */
export function parseDays(value: string | undefined): DaySet {
  const days = new Set<Weekday>();
  for (const word of (value ?? '').trim().split(/\s+/)) {
    if (!word) continue;
    const set = DAY_SETS.get(word);
    if (!set) throw new RecurrenceError(`unknown day "${word}"`);
    for (const d of set) days.add(d);
  }
  if (days.size === 0) throw new RecurrenceError('a pattern without days');
  return WEEKDAYS.filter((d) => days.has(d));
}

function required(el: XmlElement, name: string): string {
  const v = childText(el, NS_TYPES, name);
  const t = v === undefined ? '' : trim(v);
  if (t === '') throw new RecurrenceError(`${el.name} without ${name}`);
  return t;
}

function int(el: XmlElement, name: string, min: number, max: number): number {
  const n = parseIntValue(required(el, name));
  if (n === undefined || n < min || n > max) throw new RecurrenceError(`${el.name}/${name} out of range`);
  return n;
}

function month(el: XmlElement): number {
  const m = MONTH_NUMBERS.get(required(el, 'Month'));
  if (m === undefined) throw new RecurrenceError(`${el.name} with an unknown Month`);
  return m;
}

function index(el: XmlElement): WeekIndex {
  const i = INDEXES.get(required(el, 'DayOfWeekIndex'));
  if (!i) throw new RecurrenceError(`${el.name} with an unknown DayOfWeekIndex`);
  return i;
}

function firstDay(el: XmlElement): Weekday {
  const text = childText(el, NS_TYPES, 'FirstDayOfWeek');
  const v = text === undefined ? undefined : trim(text);
  // FirstDayOfWeek arrived with Exchange2010; Outlook's default week starts on Sunday.
  const set = v ? DAY_SETS.get(v) : undefined;
  return set && set.length === 1 ? set[0]! : 'SU';
}

function parsePattern(el: XmlElement): RecurrencePattern | undefined {
  switch (el.name) {
    case 'DailyRecurrence':
      return { type: 'daily', interval: int(el, 'Interval', 1, 999) };
    case 'WeeklyRecurrence':
      return { type: 'weekly', interval: int(el, 'Interval', 1, 99), days: parseDays(childText(el, NS_TYPES, 'DaysOfWeek')), firstDayOfWeek: firstDay(el) };
    case 'AbsoluteMonthlyRecurrence':
      return { type: 'absoluteMonthly', interval: int(el, 'Interval', 1, 99), dayOfMonth: int(el, 'DayOfMonth', 1, 31) };
    case 'RelativeMonthlyRecurrence':
      return { type: 'relativeMonthly', interval: int(el, 'Interval', 1, 99), days: parseDays(childText(el, NS_TYPES, 'DaysOfWeek')), index: index(el) };
    case 'AbsoluteYearlyRecurrence':
      return { type: 'absoluteYearly', interval: 1, month: month(el), dayOfMonth: int(el, 'DayOfMonth', 1, 31) };
    case 'RelativeYearlyRecurrence':
      return { type: 'relativeYearly', interval: 1, month: month(el), days: parseDays(childText(el, NS_TYPES, 'DaysOfWeek')), index: index(el) };
    case 'DailyRegeneration':
    case 'WeeklyRegeneration':
    case 'MonthlyRegeneration':
    case 'YearlyRegeneration':
      throw new RecurrenceError(`task regeneration pattern ${el.name} on a calendar item`);
    default:
      return undefined;
  }
}

function parseRange(el: XmlElement): RecurrenceRange | undefined {
  const date = (name: string) => {
    try {
      return parseDate(required(el, name));
    } catch (err) {
      throw err instanceof RecurrenceError ? err : new RecurrenceError(`${el.name}/${name}: ${(err as Error).message}`);
    }
  };
  switch (el.name) {
    case 'NoEndRecurrence':
      return { type: 'noEnd', startDate: date('StartDate') };
    case 'EndDateRecurrence':
      return { type: 'endDate', startDate: date('StartDate'), endDate: date('EndDate') };
    case 'NumberedRecurrence':
      return { type: 'numbered', startDate: date('StartDate'), count: int(el, 'NumberOfOccurrences', 1, 999_999) };
    default:
      return undefined;
  }
}

/** Throws RecurrenceError for shapes the model cannot hold; the caller reports the item as unsupported. */
export function parseRecurrence(el: XmlElement): Recurrence {
  let pattern: RecurrencePattern | undefined;
  let range: RecurrenceRange | undefined;
  for (const c of el.children) {
    if (c.ns !== NS_TYPES) continue;
    pattern ??= parsePattern(c);
    range ??= parseRange(c);
  }
  if (!pattern) throw new RecurrenceError('Recurrence without a known pattern');
  if (!range) throw new RecurrenceError('Recurrence without a known range');
  return { pattern, range };
}
