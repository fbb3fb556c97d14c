// A series master (or single item) plus its fetched exceptions → one CalendarObject (EWS-NOTES §8.3):
// modified occurrences become overrides whose recurrenceId is their OriginalStart in the series
// zone; deleted occurrences are original starts (dates for all-day series). Modified occurrences
// are never added as deleted ones.

import type { CalendarObject, EventData } from '../model/index.js';
import { eventTime, uidFromItemId, type ParsedCalendarItem } from './parse-calendar-item.js';

export function assembleCalendarObject(master: ParsedCalendarItem, exceptions: readonly ParsedCalendarItem[] = []): CalendarObject {
  const uid = master.uid ?? uidFromItemId(master.itemId);
  const zone = master.startZone;
  const allDay = master.isAllDay;
  const overrides: { at: number; data: EventData }[] = [];
  // (Most objects have no exceptions: no map for them.)
  const originalById = exceptions.length === 0 ? undefined : new Map(master.modifiedOccurrences.map((o) => [o.itemId, o.originalStart]));
  for (const ex of exceptions) {
    const original = originalById!.get(ex.itemId) ?? ex.originalStart;
    if (original === undefined) continue; // an exception that cannot say which instance it replaces
    overrides.push({ at: original, data: { ...ex.data, recurrenceId: eventTime(original, zone, allDay) } });
  }
  overrides.sort((a, b) => a.at - b.at);

  const object: CalendarObject = {
    uid,
    master: master.data,
    deletedOccurrences: [...master.deletedOccurrences].sort((a, b) => a - b).map((utc) => eventTime(utc, zone, allDay)),
    overrides: overrides.map((o) => o.data),
  };
  if (master.itemType === 'RecurringMaster' && master.recurrence) object.recurrence = master.recurrence;
  return object;
}
