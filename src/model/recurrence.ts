// Outlook's recurrence model (EWS RecurrenceType, Graph patternedRecurrence): one pattern and one
// range. Kept in Outlook's terms so both upstreams map 1:1; src/ical turns it into an RRULE that
// reproduces Outlook's instances (day 31 in short months, pseudo-days, Feb 29).

import type { LocalDate } from './zone.js';

export type Weekday = 'SU' | 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA';
export const WEEKDAYS: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** Which of the matching days in a month: EWS DayOfWeekIndex, Graph `index`. */
export type WeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

/**
 * Days a relative pattern picks from. EWS pseudo-days map to sets: `Day` = all seven,
 * `Weekday` = MO–FR, `WeekendDay` = SA SU; with an index they select the n-th such day.
 */
export type DaySet = readonly Weekday[];

export type RecurrencePattern =
  | { type: 'daily'; interval: number }
  | { type: 'weekly'; interval: number; days: DaySet; firstDayOfWeek: Weekday }
  | { type: 'absoluteMonthly'; interval: number; dayOfMonth: number }
  | { type: 'relativeMonthly'; interval: number; days: DaySet; index: WeekIndex }
  | { type: 'absoluteYearly'; interval: number; month: number; dayOfMonth: number }
  | { type: 'relativeYearly'; interval: number; month: number; days: DaySet; index: WeekIndex };

/** Dates are local dates in the series' start zone (EWS StartDate/EndDate without their offset suffix). */
export type RecurrenceRange =
  | { type: 'noEnd'; startDate: LocalDate }
  | { type: 'endDate'; startDate: LocalDate; endDate: LocalDate }
  | { type: 'numbered'; startDate: LocalDate; count: number };

export interface Recurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}
