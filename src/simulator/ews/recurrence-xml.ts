// RecurrenceType output (EWS-NOTES §8): one pattern + one range; StartDate / EndDate are
// xs:date carrying the zone offset of that day, e.g. `2026-05-04+02:00`.

import { DAY_MS, formatDate, formatOffset, parseDate } from '../recurrence/dates.js';
import type { Recurrence } from '../recurrence/types.js';
import type { ZoneDefinition } from '../recurrence/zone-data.js';
import { localToUtc, offsetAt } from '../recurrence/zones.js';
import type { XmlWriter } from '../xml/writer.js';

function dateWithOffset(date: string, zone: ZoneDefinition): string {
  const day = parseDate(date);
  const off = offsetAt(zone, localToUtc(zone, day * DAY_MS));
  return formatDate(day) + formatOffset(off);
}

export function writeRecurrence(w: XmlWriter, r: Recurrence, zone: ZoneDefinition): void {
  const p = r.pattern;
  w.open('t:Recurrence');
  switch (p.kind) {
    case 'RelativeYearly':
      w.open('t:RelativeYearlyRecurrence').text('t:DaysOfWeek', p.daysOfWeek).text('t:DayOfWeekIndex', p.dayOfWeekIndex)
        .text('t:Month', p.month).close('t:RelativeYearlyRecurrence');
      break;
    case 'AbsoluteYearly':
      w.open('t:AbsoluteYearlyRecurrence').text('t:DayOfMonth', p.dayOfMonth).text('t:Month', p.month)
        .close('t:AbsoluteYearlyRecurrence');
      break;
    case 'RelativeMonthly':
      w.open('t:RelativeMonthlyRecurrence').text('t:Interval', p.interval).text('t:DaysOfWeek', p.daysOfWeek)
        .text('t:DayOfWeekIndex', p.dayOfWeekIndex).close('t:RelativeMonthlyRecurrence');
      break;
    case 'AbsoluteMonthly':
      w.open('t:AbsoluteMonthlyRecurrence').text('t:Interval', p.interval).text('t:DayOfMonth', p.dayOfMonth)
        .close('t:AbsoluteMonthlyRecurrence');
      break;
    case 'Weekly':
      w.open('t:WeeklyRecurrence').text('t:Interval', p.interval).text('t:DaysOfWeek', p.daysOfWeek.join(' '))
        .text('t:FirstDayOfWeek', p.firstDayOfWeek).close('t:WeeklyRecurrence');
      break;
    case 'Daily':
      w.open('t:DailyRecurrence').text('t:Interval', p.interval).close('t:DailyRecurrence');
      break;
  }
  const range = r.range;
  const start = dateWithOffset(range.startDate, zone);
  if (range.kind === 'NoEnd') {
    w.open('t:NoEndRecurrence').text('t:StartDate', start).close('t:NoEndRecurrence');
  } else if (range.kind === 'EndDate') {
    w.open('t:EndDateRecurrence').text('t:StartDate', start).text('t:EndDate', dateWithOffset(range.endDate, zone))
      .close('t:EndDateRecurrence');
  } else {
    w.open('t:NumberedRecurrence').text('t:StartDate', start).text('t:NumberOfOccurrences', range.numberOfOccurrences)
      .close('t:NumberedRecurrence');
  }
  w.close('t:Recurrence');
}
