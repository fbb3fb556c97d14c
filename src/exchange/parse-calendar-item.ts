// One t:CalendarItem (GetItem, FindItem, SyncFolderItems) → the model's EventData plus what the
// source needs to assemble a CalendarObject: item type, recurrence, modified and deleted
// occurrences (EWS-NOTES §6.3, §7, §8). Properties missing from the response shape stay undefined.

import { eventTime, type ParsedItem } from '../upstream/item-values.js';
import { UTC_ZONE, type EventBody, type EventData, type EventTime, type Importance, type Recurrence, type Sensitivity, type ShowAs, type TimeZoneRef } from '../model/index.js';
import { NS_TYPES } from './namespaces.js';
import { parseAttendees, parseOrganizer, parseResponse } from './parse-people.js';
import { parseRecurrence, RecurrenceError } from './parse-recurrence.js';
import { parseMeetingTimeZone, parseTimeZoneDefinition } from './parse-timezone.js';
import { normaliseText, parseBool, parseDateTime, parseIntValue, trim, words } from './parse-values.js';
import { child, childText, type XmlElement } from './xml-reader.js';

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

const SENSITIVITY = words<Sensitivity>({ Normal: 'normal', Personal: 'personal', Private: 'private', Confidential: 'confidential' });
const SHOW_AS = words<ShowAs>({
  Free: 'free',
  Tentative: 'tentative',
  Busy: 'busy',
  OOF: 'oof',
  WorkingElsewhere: 'workingElsewhere',
  NoData: 'unknown',
});
const IMPORTANCE = words<Importance>({ Low: 'low', Normal: 'normal', High: 'high' });
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

// The properties read from an item, by local name. One walk over the item's children fills a slot
// per name (the first child of each name counts), instead of a map per item or a scan per property.
const enum F {
  ItemId, Start, End, StartTimeZone, EndTimeZone, StartTimeZoneId, EndTimeZoneId, MeetingTimeZone, IsAllDayEvent,
  Recurrence, CalendarItemType, Location, EnhancedLocation, ReminderIsSet, ReminderMinutesBeforeStart, IsMeeting,
  Sensitivity, LegacyFreeBusyStatus, Importance, IsCancelled, Categories, Subject, Body, MyResponseType,
  IsResponseRequested, JoinOnlineMeetingUrl, DateTimeCreated, LastModifiedTime, DateTimeStamp, AppointmentSequenceNumber,
  UID, RecurrenceId, OriginalStart, ModifiedOccurrences, DeletedOccurrences, Organizer, RequiredAttendees,
  OptionalAttendees, Resources, Count,
}
const FIELD_NAMES = [
  'ItemId', 'Start', 'End', 'StartTimeZone', 'EndTimeZone', 'StartTimeZoneId', 'EndTimeZoneId', 'MeetingTimeZone', 'IsAllDayEvent',
  'Recurrence', 'CalendarItemType', 'Location', 'EnhancedLocation', 'ReminderIsSet', 'ReminderMinutesBeforeStart', 'IsMeeting',
  'Sensitivity', 'LegacyFreeBusyStatus', 'Importance', 'IsCancelled', 'Categories', 'Subject', 'Body', 'MyResponseType',
  'IsResponseRequested', 'JoinOnlineMeetingUrl', 'DateTimeCreated', 'LastModifiedTime', 'DateTimeStamp', 'AppointmentSequenceNumber',
  'UID', 'RecurrenceId', 'OriginalStart', 'ModifiedOccurrences', 'DeletedOccurrences', 'Organizer', 'RequiredAttendees',
  'OptionalAttendees', 'Resources',
] as const;
const FIELD: ReadonlyMap<string, F> = new Map(FIELD_NAMES.map((name, i) => [name, i as F]));
if (FIELD_NAMES.length !== F.Count) throw new Error('parse-calendar-item: FIELD_NAMES and F differ');

type Fields = (XmlElement | undefined)[];

function fieldsOf(item: XmlElement): Fields {
  const fields: Fields = new Array<XmlElement | undefined>(F.Count);
  // (Indexed loops: children arrays come in several element kinds, frozen ones too, and for-of
  // over them measured as slow generic iteration.)
  const children = item.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i]!;
    const k = FIELD.get(c.name);
    if (k !== undefined && fields[k] === undefined && c.ns === NS_TYPES) fields[k] = c;
  }
  return fields;
}

function dateTimeOf(el: XmlElement | undefined): number | undefined {
  const v = el?.text;
  return v === undefined || trim(v) === '' ? undefined : parseDateTime(v);
}

function zoneOf(f: Fields, def: XmlElement | undefined, idEl: XmlElement | undefined, start: boolean): TimeZoneRef | undefined {
  if (def) return parseTimeZoneDefinition(def);
  const id = idEl && trim(idEl.text);
  if (id) return id.startsWith('tzone://') ? undefined : { windowsId: id };
  if (start) {
    const legacy = f[F.MeetingTimeZone];
    if (legacy) return parseMeetingTimeZone(legacy);
  }
  return undefined;
}

function body(b: XmlElement | undefined): EventBody | undefined {
  if (!b || b.text === '') return undefined;
  const value = normaliseText(b.text);
  return (b.attrs.BodyType ?? 'Text').toUpperCase() === 'HTML' ? { html: value } : { text: value };
}

/** A ModifiedOccurrences entry: its first ItemId, Start, End and OriginalStart. */
function occurrenceInfo(occurrence: XmlElement): OccurrenceInfo | undefined {
  let id: XmlElement | undefined;
  let start: XmlElement | undefined;
  let end: XmlElement | undefined;
  let original: XmlElement | undefined;
  const children = occurrence.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i]!;
    if (c.ns !== NS_TYPES) continue;
    switch (c.name) {
      case 'ItemId':
        id ??= c;
        break;
      case 'Start':
        start ??= c;
        break;
      case 'End':
        end ??= c;
        break;
      case 'OriginalStart':
        original ??= c;
        break;
    }
  }
  if (!id?.attrs.Id) return undefined;
  const info: OccurrenceInfo = { itemId: id.attrs.Id };
  if (id.attrs.ChangeKey) info.changeKey = id.attrs.ChangeKey;
  const s = dateTimeOf(start);
  const e = dateTimeOf(end);
  const o = dateTimeOf(original);
  if (s !== undefined) info.start = s;
  if (e !== undefined) info.end = e;
  if (o !== undefined) info.originalStart = o;
  return info;
}

export function parseCalendarItem(item: XmlElement, ctx: ParseContext = {}): ParsedCalendarItem {
  const f = fieldsOf(item);
  const idEl = f[F.ItemId];
  const itemId = idEl?.attrs.Id;
  if (!itemId) throw new CalendarItemError('calendar item without ItemId', undefined);
  const changeKey = idEl.attrs.ChangeKey;
  try {
    return parseWithId(f, itemId, changeKey, ctx);
  } catch (err) {
    if (err instanceof CalendarItemError) throw err;
    throw new CalendarItemError(`calendar item ${itemId.slice(0, 24)}…: ${(err as Error).message}`, itemId);
  }
}

const text = (el: XmlElement | undefined): string | undefined => el?.text;
const trimmed = (el: XmlElement | undefined): string => (el ? trim(el.text) : '');

function parseWithId(f: Fields, itemId: string, changeKey: string | undefined, ctx: ParseContext): ParsedCalendarItem {
  const start = dateTimeOf(f[F.Start]);
  const end = dateTimeOf(f[F.End]);
  if (start === undefined || end === undefined) throw new CalendarItemError('Start or End missing', itemId);
  const startZone = zoneOf(f, f[F.StartTimeZone], f[F.StartTimeZoneId], true) ?? ctx.defaultZone ?? UTC_ZONE;
  const endZone = zoneOf(f, f[F.EndTimeZone], f[F.EndTimeZoneId], false) ?? startZone;
  const isAllDay = parseBool(text(f[F.IsAllDayEvent])) ?? false;

  const recurrenceEl = f[F.Recurrence];
  const typeText = trimmed(f[F.CalendarItemType]);
  // Never IsRecurring: Exchange reports false on RecurringMaster items (§6.3).
  const itemType = (typeText && ITEM_TYPES.has(typeText) ? typeText : recurrenceEl ? 'RecurringMaster' : 'Single') as CalendarItemType;

  let location = text(f[F.Location]);
  if (!location || !trim(location)) location = childText(f[F.EnhancedLocation], NS_TYPES, 'DisplayName');
  location = location && trim(location) ? normaliseText(location) : undefined;

  const attendees = parseAttendees(f[F.RequiredAttendees], f[F.OptionalAttendees], f[F.Resources], location);
  const reminderSet = parseBool(text(f[F.ReminderIsSet])) ?? false;
  const reminderMinutes = parseIntValue(text(f[F.ReminderMinutesBeforeStart]));
  const data: EventData = {
    source: changeKey ? { id: itemId, changeKey } : { id: itemId },
    start: eventTime(start, startZone, isAllDay),
    // All-day end dates come from the start zone too (§7.3), so a span never shifts by a day.
    end: eventTime(end, endZone, isAllDay, startZone),
    attendees,
    isMeeting: parseBool(text(f[F.IsMeeting])) ?? attendees.length > 0,
    sensitivity: SENSITIVITY.get(trimmed(f[F.Sensitivity])) ?? 'normal',
    showAs: SHOW_AS.get(trimmed(f[F.LegacyFreeBusyStatus])) ?? 'busy',
    importance: IMPORTANCE.get(trimmed(f[F.Importance])) ?? 'normal',
    cancelled: parseBool(text(f[F.IsCancelled])) ?? false,
    categories: categories(f[F.Categories]),
  };
  const subject = text(f[F.Subject]);
  if (subject !== undefined) data.summary = normaliseText(subject);
  const b = body(f[F.Body]);
  if (b) data.body = b;
  if (location !== undefined) data.location = location;
  const organizer = parseOrganizer(f[F.Organizer]);
  if (organizer) data.organizer = organizer;
  const myResponse = parseResponse(text(f[F.MyResponseType]));
  if (myResponse) data.myResponse = myResponse;
  const responseRequested = parseBool(text(f[F.IsResponseRequested]));
  if (responseRequested !== undefined) data.responseRequested = responseRequested;
  // Minutes are present even when no reminder is set (§6.3): only ReminderIsSet decides.
  if (reminderSet && reminderMinutes !== undefined && reminderMinutes >= 0) data.reminderMinutes = reminderMinutes;
  const url = trimmed(f[F.JoinOnlineMeetingUrl]);
  if (url) data.onlineMeetingUrl = url;
  const created = dateTimeOf(f[F.DateTimeCreated]);
  if (created !== undefined) data.created = created;
  const modified = dateTimeOf(f[F.LastModifiedTime]);
  if (modified !== undefined) data.lastModified = modified;
  const stamp = dateTimeOf(f[F.DateTimeStamp]);
  if (stamp !== undefined) data.stamp = stamp;
  const sequence = parseIntValue(text(f[F.AppointmentSequenceNumber]));
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
  const uid = trimmed(f[F.UID]);
  if (uid) parsed.uid = uid;

  if (itemType === 'Occurrence' || itemType === 'Exception') {
    const original = dateTimeOf(f[F.RecurrenceId]) ?? dateTimeOf(f[F.OriginalStart]);
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
  const modifiedEl = f[F.ModifiedOccurrences];
  if (modifiedEl) {
    const list = modifiedEl.children;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (o.name !== 'Occurrence' || o.ns !== NS_TYPES) continue;
      const info = occurrenceInfo(o);
      if (info) parsed.modifiedOccurrences.push(info);
    }
  }
  const deletedEl = f[F.DeletedOccurrences];
  if (deletedEl) {
    const list = deletedEl.children;
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (d.name !== 'DeletedOccurrence' || d.ns !== NS_TYPES) continue;
      const s = dateTimeOf(child(d, NS_TYPES, 'Start'));
      if (s !== undefined) parsed.deletedOccurrences.push(s);
    }
  }
  return parsed;
}

function categories(el: XmlElement | undefined): string[] {
  const out: string[] = [];
  if (!el) return out;
  const list = el.children;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    if (s.name === 'String' && s.ns === NS_TYPES) out.push(s.text);
  }
  return out;
}
