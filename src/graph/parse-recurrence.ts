// Graph patternedRecurrence → the model's Recurrence (Outlook's terms, as the EWS path reads it in
// src/exchange/parse-recurrence.ts). EWS pseudo-days have no Graph name: Graph lists their days
// (Day = all seven, Weekday = monday…friday, WeekendDay = saturday, sunday), which are exactly
// the model's day sets, kept in Sunday-first order as the EWS path keeps them.

import { WEEKDAYS, type DaySet, type Recurrence, type RecurrencePattern, type RecurrenceRange, type WeekIndex, type Weekday } from '../model/index.js';
import type { GraphPatternedRecurrence, GraphRecurrencePattern, GraphRecurrenceRange } from './types.js';

export class GraphRecurrenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphRecurrenceError';
  }
}

const DAYS: Readonly<Record<string, Weekday>> = { sunday: 'SU', monday: 'MO', tuesday: 'TU', wednesday: 'WE', thursday: 'TH', friday: 'FR', saturday: 'SA' };
const INDEXES: ReadonlySet<string> = new Set(['first', 'second', 'third', 'fourth', 'last']);

function days(list: readonly string[] | null | undefined): DaySet {
  const set = new Set<Weekday>();
  for (const name of list ?? []) {
    const d = DAYS[name.toLowerCase()];
    if (!d) throw new GraphRecurrenceError(`unknown day "${name}"`);
    set.add(d);
  }
  if (set.size === 0) throw new GraphRecurrenceError('a pattern without days');
  return WEEKDAYS.filter((d) => set.has(d));
}

function int(value: number | null | undefined, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new GraphRecurrenceError(`${what} out of range`);
  return value;
}

function index(p: GraphRecurrencePattern): WeekIndex {
  // Graph omits `index` when it is the default, `first`.
  const i = p.index ?? 'first';
  if (!INDEXES.has(i)) throw new GraphRecurrenceError(`unknown index "${i}"`);
  return i;
}

function pattern(p: GraphRecurrencePattern): RecurrencePattern {
  const interval = () => int(p.interval ?? 1, 'interval', 1, 999);
  switch (p.type) {
    case 'daily':
      return { type: 'daily', interval: interval() };
    case 'weekly': {
      // FirstDayOfWeek defaults to Sunday, as Outlook's week and the EWS path do.
      const first = DAYS[(p.firstDayOfWeek ?? 'sunday').toLowerCase()] ?? 'SU';
      return { type: 'weekly', interval: interval(), days: days(p.daysOfWeek), firstDayOfWeek: first };
    }
    case 'absoluteMonthly':
      return { type: 'absoluteMonthly', interval: interval(), dayOfMonth: int(p.dayOfMonth, 'dayOfMonth', 1, 31) };
    case 'relativeMonthly':
      return { type: 'relativeMonthly', interval: interval(), days: days(p.daysOfWeek), index: index(p) };
    case 'absoluteYearly':
      return { type: 'absoluteYearly', interval: interval(), month: int(p.month, 'month', 1, 12), dayOfMonth: int(p.dayOfMonth, 'dayOfMonth', 1, 31) };
    case 'relativeYearly':
      return { type: 'relativeYearly', interval: interval(), month: int(p.month, 'month', 1, 12), days: days(p.daysOfWeek), index: index(p) };
    default:
      throw new GraphRecurrenceError(`unknown pattern type "${String(p.type)}"`);
  }
}

function date(value: string | null | undefined, what: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(value ?? '');
  if (!m) throw new GraphRecurrenceError(`range without ${what}`);
  return m[1]!;
}

function range(r: GraphRecurrenceRange): RecurrenceRange {
  const startDate = date(r.startDate, 'startDate');
  switch (r.type) {
    case 'noEnd':
      return { type: 'noEnd', startDate };
    case 'endDate':
      return { type: 'endDate', startDate, endDate: date(r.endDate, 'endDate') };
    case 'numbered':
      return { type: 'numbered', startDate, count: int(r.numberOfOccurrences, 'numberOfOccurrences', 1, 999_999) };
    default:
      throw new GraphRecurrenceError(`unknown range type "${String(r.type)}"`);
  }
}

/** Throws GraphRecurrenceError for shapes the model cannot hold; the caller reports the item as unsupported. */
export function parseRecurrence(rec: GraphPatternedRecurrence): Recurrence {
  if (!rec.pattern) throw new GraphRecurrenceError('recurrence without a pattern');
  if (!rec.range) throw new GraphRecurrenceError('recurrence without a range');
  return { pattern: pattern(rec.pattern), range: range(rec.range) };
}
