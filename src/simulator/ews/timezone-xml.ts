// TimeZoneDefinitionType as Exchange writes it in StartTimeZone / EndTimeZone
// (EWS-NOTES §7.1, WSR/timezonedefinition, WSR/getservertimezones-operation): periods per
// rule group, one TransitionsGroup per group, and AbsoluteDateTransitions between groups.
// Also the legacy Exchange 2007 MeetingTimeZone (TimeZoneType).

import { formatDurationMinutes, pad2 } from '../recurrence/dates.js';
import { MONTHS, WEEKDAYS, WEEK_INDEXES } from '../recurrence/types.js';
import { CUSTOM_ZONE_ID, type RuleGroup, type TransitionRule, type ZoneDefinition } from '../recurrence/zone-data.js';
import { XmlWriter } from '../xml/writer.js';

function groupLabel(zone: ZoneDefinition, i: number): string {
  if (zone.groups.length === 1) return '1';
  const g = zone.groups[i] as RuleGroup;
  return i === 0 ? String((zone.groups[1]?.fromYear ?? 1) - 1) : String(g.fromYear);
}

function periodId(zone: ZoneDefinition, i: number, which: 'Standard' | 'Daylight'): string {
  // Custom zones have no registry key; Exchange names their periods plainly.
  if (zone.id === CUSTOM_ZONE_ID) return which === 'Standard' ? 'Std' : 'Dlt';
  return `trule:Microsoft/Registry/${zone.id}/${groupLabel(zone, i)}-${which}`;
}

function recurringDay(w: XmlWriter, to: string, rule: TransitionRule): void {
  w.open('t:RecurringDayTransition');
  w.text('t:To', to, { Kind: 'Period' });
  w.text('t:TimeOffset', formatDurationMinutes(rule.timeMinutes));
  w.text('t:Month', rule.month);
  w.text('t:DayOfWeek', WEEKDAYS[rule.dayOfWeek] ?? 'Sunday');
  w.text('t:Occurrence', rule.occurrence);
  w.close('t:RecurringDayTransition');
}

const definitionCache = new WeakMap<ZoneDefinition, Map<string, string>>();

/** Zone definitions never change, so each (zone, element) is rendered once. */
export function writeTimeZoneDefinition(w: XmlWriter, element: string, zone: ZoneDefinition): void {
  let perZone = definitionCache.get(zone);
  if (!perZone) definitionCache.set(zone, (perZone = new Map()));
  let xml = perZone.get(element);
  if (xml === undefined) {
    const tmp = new XmlWriter();
    renderDefinition(tmp, element, zone);
    xml = tmp.toString();
    perZone.set(element, xml);
  }
  w.raw(xml);
}

function renderDefinition(w: XmlWriter, element: string, zone: ZoneDefinition): void {
  w.open(element, { Id: zone.id, Name: zone.name });
  w.open('t:Periods');
  zone.groups.forEach((g, i) => {
    w.empty('t:Period', { Bias: formatDurationMinutes(g.standardBias), Name: 'Standard', Id: periodId(zone, i, 'Standard') });
    if (g.daylight) w.empty('t:Period', { Bias: formatDurationMinutes(g.daylight.bias), Name: 'Daylight', Id: periodId(zone, i, 'Daylight') });
  });
  w.close('t:Periods');
  w.open('t:TransitionsGroups');
  zone.groups.forEach((g, i) => {
    w.open('t:TransitionsGroup', { Id: i });
    if (g.daylight) {
      recurringDay(w, periodId(zone, i, 'Daylight'), g.daylight.start);
      recurringDay(w, periodId(zone, i, 'Standard'), g.daylight.end);
    } else {
      // A zone without DST: one plain Transition to its only period (EWS-NOTES §7.1).
      w.open('t:Transition').text('t:To', periodId(zone, i, 'Standard'), { Kind: 'Period' }).close('t:Transition');
    }
    w.close('t:TransitionsGroup');
  });
  w.close('t:TransitionsGroups');
  w.open('t:Transitions');
  w.open('t:Transition').text('t:To', '0', { Kind: 'Group' }).close('t:Transition');
  zone.groups.forEach((g, i) => {
    if (i === 0) return;
    w.open('t:AbsoluteDateTransition').text('t:To', String(i), { Kind: 'Group' })
      .text('t:DateTime', `${g.fromYear}-01-01T00:00:00`).close('t:AbsoluteDateTransition');
  });
  w.close('t:Transitions');
  w.close(element);
}

function legacyRule(w: XmlWriter, el: string, offset: number, rule: TransitionRule): void {
  w.open(el).text('t:Offset', formatDurationMinutes(offset)).open('t:RelativeYearlyRecurrence')
    .text('t:DaysOfWeek', WEEKDAYS[rule.dayOfWeek] ?? 'Sunday')
    .text('t:DayOfWeekIndex', rule.occurrence === -1 ? 'Last' : (WEEK_INDEXES[rule.occurrence - 1] ?? 'First'))
    .text('t:Month', MONTHS[rule.month - 1] ?? 'January').close('t:RelativeYearlyRecurrence')
    .text('t:Time', `${pad2(Math.floor(rule.timeMinutes / 60))}:${pad2(rule.timeMinutes % 60)}:00`).close(el);
}

/** Exchange 2007's MeetingTimeZone, built from the zone's current rules. */
export function writeMeetingTimeZone(w: XmlWriter, zone: ZoneDefinition): void {
  const g = zone.groups[zone.groups.length - 1] as RuleGroup;
  w.open('t:MeetingTimeZone', { TimeZoneName: zone.id });
  w.text('t:BaseOffset', formatDurationMinutes(g.standardBias));
  if (g.daylight) {
    legacyRule(w, 't:Standard', 0, g.daylight.end);
    legacyRule(w, 't:Daylight', g.daylight.bias - g.standardBias, g.daylight.start);
  }
  w.close('t:MeetingTimeZone');
}
