// One t:CalendarItem (GetItem, FindItem, SyncFolderItems) → the model's EventData plus what the
// source needs to assemble a CalendarObject: item type, recurrence, modified and deleted
// occurrences (EWS-NOTES §6.3, §7, §8). Properties missing from the response shape stay undefined.

import { eventTime, type ParsedItem } from '../upstream/item-values.js';
import { UTC_ZONE, type EventBody, type EventData, type EventTime, type Importance, type Recurrence, type Sensitivity, type ShowAs, type TimeZoneRef } from '../model/index.js';
import { NS_TYPES } from './namespaces.js';
import { parseAttendees, parseOrganizer, parseResponse } from './parse-people.js';
import { parseRecurrence, RecurrenceError } from './parse-recurrence.js';
import { parseMeetingTimeZone, parseTimeZoneDefinition } from './parse-timezone.js';
import { normaliseText, parseBool, parseDateTime, parseIntValue } from './parse-values.js';
import { child, childText, children, type XmlElement } from './xml-reader.js';

// Shared with the Graph upstream, which must compute the same values for the same item.
export { eventTime, uidFromItemId } from '../upstream/item-values.js';

export type CalendarItemType = 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';

/** An entry of ModifiedOccurrences / FirstOccurrence (WSR/occurrence). */
export interface OccurrenceInfo {
  itemId: string;
  changeKey?: string;
  start?: number;
  end?: number;
  originalStart?: number;
}

export interface ParsedCalendarItem extends ParsedItem {
  itemId: string;
  itemType: CalendarItemType;
  modifiedOccurrences: OccurrenceInfo[];
  /** Original starts (epoch ms) of deleted occurrences. */
  deletedOccurrences: number[];
}

export interface ParseContext {
  /** Zone for items without any zone property (the mailbox's zone from configuration); default UTC. */
  defaultZone?: TimeZoneRef;
}

const SENSITIVITY: Readonly<Record<string, Sensitivity>> = { Normal: 'normal', Personal: 'personal', Private: 'private', Confidential: 'confidential' };
const SHOW_AS: Readonly<Record<string, ShowAs>> = {
  Free: 'free',
  Tentative: 'tentative',
  Busy: 'busy',
  OOF: 'oof',
  WorkingElsewhere: 'workingElsewhere',
  NoData: 'unknown',
};
const IMPORTANCE: Readonly<Record<string, Importance>> = { Low: 'low', Normal: 'normal', High: 'high' };
const ITEM_TYPES: ReadonlySet<string> = new Set(['Single', 'Occurrence', 'Exception', 'RecurringMaster']);

export class CalendarItemError extends Error {
  constructor(
    message: string,
    readonly itemId: string | undefined,
  ) {
    super(message);
    this.name = 'CalendarItemError';
  }
}

/** First types-namespace child by local name: one pass instead of a scan per property. */
type Index = ReadonlyMap<string, XmlElement>;

function indexOf(item: XmlElement): Index {
  const map = new Map<string, XmlElement>();
  for (const c of item.children) if (c.ns === NS_TYPES && !map.has(c.name)) map.set(c.name, c);
  return map;
}

function text(item: Index, name: string): string | undefined {
  return item.get(name)?.text;
}

function dateTime(item: Index, name: string): number | undefined {
  const v = text(item, name);
  return v === undefined || v.trim() === '' ? undefined : parseDateTime(v);
}

function zoneOf(item: Index, which: 'Start' | 'End'): TimeZoneRef | undefined {
  const def = item.get(`${which}TimeZone`);
  if (def) return parseTimeZoneDefinition(def);
  const id = text(item, `${which}TimeZoneId`)?.trim();
  if (id) return id.startsWith('tzone://') ? undefined : { windowsId: id };
  if (which === 'Start') {
    const legacy = item.get('MeetingTimeZone');
    if (legacy) return parseMeetingTimeZone(legacy);
  }
  return undefined;
}

function body(item: Index): EventBody | undefined {
  const b = item.get('Body');
  if (!b || b.text === '') return undefined;
  const value = normaliseText(b.text);
  return (b.attrs.BodyType ?? 'Text').toUpperCase() === 'HTML' ? { html: value } : { text: value };
}

function occurrenceInfo(occurrence: XmlElement): OccurrenceInfo | undefined {
  const el = indexOf(occurrence);
  const id = el.get('ItemId');
  if (!id?.attrs.Id) return undefined;
  const info: OccurrenceInfo = { itemId: id.attrs.Id };
  if (id.attrs.ChangeKey) info.changeKey = id.attrs.ChangeKey;
  const start = dateTime(el, 'Start');
  const end = dateTime(el, 'End');
  const originalStart = dateTime(el, 'OriginalStart');
  if (start !== undefined) info.start = start;
  if (end !== undefined) info.end = end;
  if (originalStart !== undefined) info.originalStart = originalStart;
  return info;
}

export function parseCalendarItem(item: XmlElement, ctx: ParseContext = {}): ParsedCalendarItem {
  const idEl = child(item, NS_TYPES, 'ItemId');
  const itemId = idEl?.attrs.Id;
  if (!itemId) throw new CalendarItemError('calendar item without ItemId', undefined);
  const changeKey = idEl.attrs.ChangeKey;
  try {
    return parseWithId(item, itemId, changeKey, ctx);
  } catch (err) {
    if (err instanceof CalendarItemError) throw err;
    throw new CalendarItemError(`calendar item ${itemId.slice(0, 24)}…: ${(err as Error).message}`, itemId);
  }
}

function parseWithId(element: XmlElement, itemId: string, changeKey: string | undefined, ctx: ParseContext): ParsedCalendarItem {
  const item = indexOf(element);
  const start = dateTime(item, 'Start');
  const end = dateTime(item, 'End');
  if (start === undefined || end === undefined) throw new CalendarItemError('Start or End missing', itemId);
  const startZone = zoneOf(item, 'Start') ?? ctx.defaultZone ?? UTC_ZONE;
  const endZone = zoneOf(item, 'End') ?? startZone;
  const isAllDay = parseBool(text(item, 'IsAllDayEvent')) ?? false;

  const recurrenceEl = item.get('Recurrence');
  const typeText = text(item, 'CalendarItemType')?.trim();
  // Never IsRecurring: Exchange reports false on RecurringMaster items (§6.3).
  const itemType = (typeText && ITEM_TYPES.has(typeText) ? typeText : recurrenceEl ? 'RecurringMaster' : 'Single') as CalendarItemType;

  let location = text(item, 'Location');
  if (!location?.trim()) location = childText(item.get('EnhancedLocation'), NS_TYPES, 'DisplayName');
  location = location?.trim() ? normaliseText(location) : undefined;

  const attendees = parseAttendees(element, location);
  const reminderSet = parseBool(text(item, 'ReminderIsSet')) ?? false;
  const reminderMinutes = parseIntValue(text(item, 'ReminderMinutesBeforeStart'));
  const data: EventData = {
    source: changeKey ? { id: itemId, changeKey } : { id: itemId },
    start: eventTime(start, startZone, isAllDay),
    // All-day end dates come from the start zone too (§7.3), so a span never shifts by a day.
    end: eventTime(end, endZone, isAllDay, startZone),
    attendees,
    isMeeting: parseBool(text(item, 'IsMeeting')) ?? attendees.length > 0,
    sensitivity: SENSITIVITY[text(item, 'Sensitivity')?.trim() ?? ''] ?? 'normal',
    showAs: SHOW_AS[text(item, 'LegacyFreeBusyStatus')?.trim() ?? ''] ?? 'busy',
    importance: IMPORTANCE[text(item, 'Importance')?.trim() ?? ''] ?? 'normal',
    cancelled: parseBool(text(item, 'IsCancelled')) ?? false,
    categories: children(item.get('Categories'), NS_TYPES, 'String').map((s) => s.text),
  };
  const subject = text(item, 'Subject');
  if (subject !== undefined) data.summary = normaliseText(subject);
  const b = body(item);
  if (b) data.body = b;
  if (location !== undefined) data.location = location;
  const organizer = parseOrganizer(element);
  if (organizer) data.organizer = organizer;
  const myResponse = parseResponse(text(item, 'MyResponseType'));
  if (myResponse) data.myResponse = myResponse;
  const responseRequested = parseBool(text(item, 'IsResponseRequested'));
  if (responseRequested !== undefined) data.responseRequested = responseRequested;
  // Minutes are present even when no reminder is set (§6.3): only ReminderIsSet decides.
  if (reminderSet && reminderMinutes !== undefined && reminderMinutes >= 0) data.reminderMinutes = reminderMinutes;
  const url = text(item, 'JoinOnlineMeetingUrl')?.trim();
  if (url) data.onlineMeetingUrl = url;
  const created = dateTime(item, 'DateTimeCreated');
  if (created !== undefined) data.created = created;
  const modified = dateTime(item, 'LastModifiedTime');
  if (modified !== undefined) data.lastModified = modified;
  const stamp = dateTime(item, 'DateTimeStamp');
  if (stamp !== undefined) data.stamp = stamp;
  const sequence = parseIntValue(text(item, 'AppointmentSequenceNumber'));
  if (sequence !== undefined) data.sequence = sequence;

  const parsed: ParsedCalendarItem = {
    itemId,
    itemType,
    isAllDay,
    startUtc: start,
    endUtc: end,
    startZone,
    data,
    modifiedOccurrences: [],
    deletedOccurrences: [],
  };
  if (changeKey) parsed.changeKey = changeKey;
  const uid = text(item, 'UID')?.trim();
  if (uid) parsed.uid = uid;

  if (itemType === 'Occurrence' || itemType === 'Exception') {
    const original = dateTime(item, 'RecurrenceId') ?? dateTime(item, 'OriginalStart');
    if (original !== undefined) {
      parsed.originalStart = original;
      data.recurrenceId = eventTime(original, startZone, isAllDay);
    }
  }
  if (recurrenceEl && itemType === 'RecurringMaster') {
    try {
      parsed.recurrence = parseRecurrence(recurrenceEl);
    } catch (err) {
      if (!(err instanceof RecurrenceError)) throw err;
      parsed.recurrenceProblem = err.message;
    }
  }
  for (const o of children(item.get('ModifiedOccurrences'), NS_TYPES, 'Occurrence')) {
    const info = occurrenceInfo(o);
    if (info) parsed.modifiedOccurrences.push(info);
  }
  for (const d of children(item.get('DeletedOccurrences'), NS_TYPES, 'DeletedOccurrence')) {
    const s = dateTime(indexOf(d), 'Start');
    if (s !== undefined) parsed.deletedOccurrences.push(s);
  }
  return parsed;
}
