// EWS recurrence as types.xsd defines it (RecurrenceType = one pattern + one range;
// EWS-NOTES §8, WSR/recurrence-recurrencetype). Dates are local `YYYY-MM-DD` strings.

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export type WeekdayName = (typeof WEEKDAYS)[number];
/** DayOfWeekType adds the pseudo-days for relative patterns (WSR/daysofweek-dayofweektype). */
export type DayOfWeekName = WeekdayName | 'Day' | 'Weekday' | 'WeekendDay';
export const DAY_OF_WEEK_NAMES: readonly DayOfWeekName[] = [...WEEKDAYS, 'Day', 'Weekday', 'WeekendDay'];
export const WEEK_INDEXES = ['First', 'Second', 'Third', 'Fourth', 'Last'] as const;
export type DayOfWeekIndex = (typeof WEEK_INDEXES)[number];
export const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
export type MonthName = (typeof MONTHS)[number];

export type RecurrencePattern =
  | { kind: 'Daily'; interval: number }
  | { kind: 'Weekly'; interval: number; daysOfWeek: WeekdayName[]; firstDayOfWeek: WeekdayName }
  | { kind: 'AbsoluteMonthly'; interval: number; dayOfMonth: number }
  | { kind: 'RelativeMonthly'; interval: number; daysOfWeek: DayOfWeekName; dayOfWeekIndex: DayOfWeekIndex }
  | { kind: 'AbsoluteYearly'; month: MonthName; dayOfMonth: number }
  | { kind: 'RelativeYearly'; month: MonthName; daysOfWeek: DayOfWeekName; dayOfWeekIndex: DayOfWeekIndex };

export type RecurrenceRange =
  | { kind: 'NoEnd'; startDate: string }
  | { kind: 'EndDate'; startDate: string; endDate: string }
  | { kind: 'Numbered'; startDate: string; numberOfOccurrences: number };

export interface Recurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

/** Checks a recurrence against the XSD facets and Exchange's own limits; returns an error text or undefined. */
export function validateRecurrence(r: Recurrence): string | undefined {
  const p = r.pattern;
  if ('interval' in p && (!Number.isInteger(p.interval) || p.interval < 1 || p.interval > 999)) {
    return 'Interval must be an integer between 1 and 999';
  }
  if ('dayOfMonth' in p && (!Number.isInteger(p.dayOfMonth) || p.dayOfMonth < 1 || p.dayOfMonth > 31)) {
    return 'DayOfMonth must be between 1 and 31';
  }
  if (p.kind === 'Weekly' && p.daysOfWeek.length === 0) return 'DaysOfWeek must not be empty';
  if (r.range.kind === 'Numbered' && (!Number.isInteger(r.range.numberOfOccurrences) || r.range.numberOfOccurrences < 1 || r.range.numberOfOccurrences > 999)) {
    return 'NumberOfOccurrences must be between 1 and 999';
  }
  if (r.range.kind === 'EndDate' && r.range.endDate < r.range.startDate) return 'EndDate is before StartDate';
  return undefined;
}
