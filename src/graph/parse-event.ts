// One Graph event (v1.0 event resource) → the model's EventData, with the values the EWS path
// (src/exchange/parse-calendar-item.ts) gives the same item: the model must not change when a
// mailbox moves from EWS to Graph. Times arrive in UTC (`Prefer: outlook.timezone="UTC"`); the
// wall-clock zone is the Windows id of originalStart/EndTimeZone plus the rules of the item's
// TZDEFINITION extended properties, as EWS's StartTimeZone/EndTimeZone carry them.

import { resolveZone } from '../model/tz.js';
import { inRoleOrder, participantKind, usableEmail } from '../model/participants.js';
import { UTC_ZONE, type Attendee, type AttendeeRole, type EventBody, type EventData, type Importance, type Mailbox, type Recurrence, type ResponseStatus, type Sensitivity, type ShowAs, type TimeZoneRef } from '../model/index.js';
import { eventTime, normaliseText, parseDateTime, type ParsedItem } from '../upstream/item-values.js';
import { toEwsId } from './ids.js';
import { GraphRecurrenceError, parseRecurrence } from './parse-recurrence.js';
import { tzDefinitionFromBase64 } from './parse-zone.js';
import type { GraphDateTimeTimeZone, GraphEmailAddress, GraphEvent, GraphResponse } from './types.js';

/** The named properties the model needs (MS-OXPROPS, PSETID_Appointment), as `$expand` asks for them. */
const PSETID_APPOINTMENT = '{00062002-0000-0000-C000-000000000046}';
export const EXTENDED = {
  /** PidLidAppointmentSequence → SEQUENCE. */
  sequence: `Integer ${PSETID_APPOINTMENT} Id 0x8201`,
  /** PidLidAppointmentStateFlags: bit 1 = meeting (EWS IsMeeting); Graph has no property for it. */
  stateFlags: `Integer ${PSETID_APPOINTMENT} Id 0x8217`,
  /** PidLidAppointmentTimeZoneDefinitionStartDisplay / …EndDisplay: TZDEFINITION, base64. */
  startZone: `Binary ${PSETID_APPOINTMENT} Id 0x825E`,
  endZone: `Binary ${PSETID_APPOINTMENT} Id 0x825F`,
} as const;

/** `$expand=singleValueExtendedProperties($filter=…)` for every property above. */
export const EXTENDED_EXPAND = `singleValueExtendedProperties($filter=${Object.values(EXTENDED).map((id) => `id eq '${id}'`).join(' or ')})`;

/** The event properties the model is built from (plus id/changeKey/type for bookkeeping). */
export const EVENT_SELECT = [
  'id', 'changeKey', 'iCalUId', 'type', 'seriesMasterId', 'originalStart', 'originalStartTimeZone', 'originalEndTimeZone',
  'start', 'end', 'isAllDay', 'subject', 'body', 'importance', 'sensitivity', 'showAs', 'isCancelled', 'isOrganizer',
  'responseRequested', 'responseStatus', 'organizer', 'attendees', 'location', 'isReminderOn', 'reminderMinutesBeforeStart',
  'categories', 'onlineMeeting', 'onlineMeetingUrl', 'createdDateTime', 'lastModifiedDateTime', 'recurrence',
].join(',');

export type GraphEventType = 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';

export interface ParsedGraphEvent extends ParsedItem {
  /** EWS form. */
  id: string;
  type: GraphEventType;
  /** EWS form; occurrences and exceptions only. */
  seriesMasterId?: string;
}

export interface GraphParseContext {
  /** Zone for items that name none (the mailbox's zone); default UTC. */
  defaultZone?: TimeZoneRef;
}

const SENSITIVITY: ReadonlySet<string> = new Set(['normal', 'personal', 'private', 'confidential']);
const SHOW_AS: ReadonlySet<string> = new Set(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']);
const IMPORTANCE: ReadonlySet<string> = new Set(['low', 'normal', 'high']);
const TYPES: ReadonlySet<string> = new Set(['singleInstance', 'occurrence', 'exception', 'seriesMaster']);
const RESPONSES: Readonly<Record<GraphResponse, ResponseStatus>> = {
  none: 'unknown',
  organizer: 'organizer',
  tentativelyAccepted: 'tentative',
  accepted: 'accepted',
  declined: 'declined',
  notResponded: 'notResponded',
};
const ROLES: ReadonlySet<string> = new Set(['required', 'optional', 'resource']);

export class GraphEventError extends Error {
  constructor(message: string, readonly id: string | undefined) {
    super(message);
    this.name = 'GraphEventError';
  }
}

function extended(event: GraphEvent, id: string): string | undefined {
  const want = id.toLowerCase();
  // Graph echoes the id in its own spelling (GUID case, spacing): compare loosely.
  return event.singleValueExtendedProperties?.find((p) => p.id.replace(/\s+/g, ' ').trim().toLowerCase() === want)?.value ?? undefined;
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * A zone as EWS's StartTimeZone/EndTimeZone would describe it (parse-timezone.ts parseDefinition),
 * but for the display name of a Windows zone: TimeZoneRef.name is display-only, and the renderer
 * reads it only for custom zones (src/ical/zones.ts), whose name is their definition's key.
 */
function zoneOf(windowsId: string | null | undefined, tzdef: string | undefined): TimeZoneRef | undefined {
  const id = windowsId?.trim();
  const def = tzdef ? tzDefinitionFromBase64(tzdef) : undefined;
  if (!id && !def) return undefined;
  const custom = !id || id.startsWith('tzone://');
  const ref: TimeZoneRef = {};
  if (!custom) ref.windowsId = id;
  // A custom zone's only name is its definition's key.
  const name = custom ? def?.keyName.trim() : undefined;
  if (name) ref.name = name;
  if (def && def.rules.eras.length > 0) ref.rules = def.rules;
  if (!ref.windowsId && !ref.rules && !ref.name) return { name: 'Customized Time Zone' };
  return ref;
}

/** An instant from dateTimeTimeZone: UTC when asked for it, else the wall time in the named zone. */
function instant(value: GraphDateTimeTimeZone | null | undefined): number | undefined {
  if (!value?.dateTime) return undefined;
  const tz = value.timeZone?.trim();
  if (!tz || /^(utc|etc\/utc|gmt)$/i.test(tz) || /(Z|[+-]\d{2}:?\d{2})$/.test(value.dateTime)) return parseDateTime(value.dateTime);
  const zone = resolveZone(tz.includes('/') ? { ianaId: tz } : { windowsId: tz });
  return zone.fromLocal(value.dateTime.slice(0, 19));
}

function floating(value: GraphDateTimeTimeZone | null | undefined, zone: TimeZoneRef): number | undefined {
  return value?.dateTime ? resolveZone(zone).fromLocal(value.dateTime.slice(0, 19)) : undefined;
}

function mailbox(address: GraphEmailAddress | null | undefined): Mailbox | undefined {
  const out: Mailbox = {};
  const name = address?.name?.trim();
  const email = usableEmail(address?.address ?? undefined);
  if (name) out.name = name;
  if (email) out.email = email;
  return out.name || out.email ? out : undefined;
}

function attendees(event: GraphEvent, location: string | undefined): Attendee[] {
  const out: Attendee[] = [];
  for (const a of event.attendees ?? []) {
    const mb = mailbox(a.emailAddress);
    if (!mb) continue;
    const role: AttendeeRole = a.type && ROLES.has(a.type) ? a.type : 'required';
    const attendee: Attendee = { role, kind: participantKind(role, mb, location), response: RESPONSES[a.status?.response ?? 'none'] ?? 'unknown' };
    if (mb.name) attendee.name = mb.name;
    if (mb.email) attendee.email = mb.email;
    out.push(attendee);
  }
  return inRoleOrder(out);
}

function body(event: GraphEvent): EventBody | undefined {
  const content = event.body?.content;
  if (!content) return undefined;
  const value = normaliseText(content);
  return event.body?.contentType === 'html' ? { html: value } : { text: value };
}

function myResponse(event: GraphEvent): ResponseStatus | undefined {
  // EWS MyResponseType: Organizer on the organiser's copy, else the owner's own answer.
  if (event.isOrganizer === true) return 'organizer';
  const r = event.responseStatus?.response;
  return r ? RESPONSES[r] : undefined;
}

function time(value: string | null | undefined): number | undefined {
  return value ? parseDateTime(value) : undefined;
}

export function parseGraphEvent(event: GraphEvent, ctx: GraphParseContext = {}): ParsedGraphEvent {
  if (typeof event.id !== 'string' || event.id === '') throw new GraphEventError('event without id', undefined);
  const id = toEwsId(event.id);
  try {
    return parse(event, id, ctx);
  } catch (err) {
    if (err instanceof GraphEventError) throw err;
    throw new GraphEventError(`event ${id.slice(0, 24)}…: ${(err as Error).message}`, id);
  }
}

function parse(event: GraphEvent, id: string, ctx: GraphParseContext): ParsedGraphEvent {
  const startZone = zoneOf(event.originalStartTimeZone, extended(event, EXTENDED.startZone)) ?? ctx.defaultZone ?? UTC_ZONE;
  const endZone = zoneOf(event.originalEndTimeZone, extended(event, EXTENDED.endZone)) ?? startZone;
  const isAllDay = event.isAllDay === true;
  // All-day events are floating in Graph: their midnights come as they are, whatever zone was
  // asked for. Their instants (what EWS reports) are those midnights in the start zone.
  const start = isAllDay ? floating(event.start, startZone) : instant(event.start);
  const end = isAllDay ? floating(event.end, startZone) : instant(event.end);
  if (start === undefined || end === undefined) throw new GraphEventError('start or end missing', id);
  const type: GraphEventType = event.type && TYPES.has(event.type) ? event.type : event.recurrence ? 'seriesMaster' : 'singleInstance';
  const displayName = event.location?.displayName;
  const location = displayName?.trim() ? normaliseText(displayName) : undefined;
  const people = attendees(event, location);
  const stateFlags = integer(extended(event, EXTENDED.stateFlags));
  const changeKey = event.changeKey ?? undefined;

  const data: EventData = {
    source: changeKey ? { id, changeKey } : { id },
    start: eventTime(start, startZone, isAllDay),
    // All-day end dates come from the start zone too (EWS-NOTES §7.3), as on the EWS path.
    end: eventTime(end, endZone, isAllDay, startZone),
    attendees: people,
    isMeeting: stateFlags !== undefined ? (stateFlags & 1) === 1 : people.length > 0,
    sensitivity: (event.sensitivity && SENSITIVITY.has(event.sensitivity) ? event.sensitivity : 'normal') as Sensitivity,
    showAs: (event.showAs && SHOW_AS.has(event.showAs) ? event.showAs : 'busy') as ShowAs,
    importance: (event.importance && IMPORTANCE.has(event.importance) ? event.importance : 'normal') as Importance,
    cancelled: event.isCancelled === true,
    categories: [...(event.categories ?? [])],
  };
  // Exchange leaves an empty subject out (EWS has no Subject element then).
  if (event.subject) data.summary = normaliseText(event.subject);
  const b = body(event);
  if (b) data.body = b;
  if (location !== undefined) data.location = location;
  const organizer = mailbox(event.organizer?.emailAddress);
  if (organizer) data.organizer = organizer;
  const mine = myResponse(event);
  if (mine) data.myResponse = mine;
  if (typeof event.responseRequested === 'boolean') data.responseRequested = event.responseRequested;
  // Minutes are present even when no reminder is set: only isReminderOn decides (as ReminderIsSet).
  const minutes = event.reminderMinutesBeforeStart;
  if (event.isReminderOn === true && typeof minutes === 'number' && minutes >= 0) data.reminderMinutes = minutes;
  const url = (event.onlineMeeting?.joinUrl ?? event.onlineMeetingUrl)?.trim();
  if (url) data.onlineMeetingUrl = url;
  const created = time(event.createdDateTime);
  if (created !== undefined) data.created = created;
  const modified = time(event.lastModifiedDateTime);
  if (modified !== undefined) data.lastModified = modified;
  // No DateTimeStamp on Graph: `stamp` stays undefined (DTSTAMP comes from lastModified).
  const sequence = integer(extended(event, EXTENDED.sequence));
  if (sequence !== undefined) data.sequence = sequence;

  const parsed: ParsedGraphEvent = { id, type, isAllDay, startUtc: start, endUtc: end, startZone, data };
  if (changeKey) parsed.changeKey = changeKey;
  const uid = event.iCalUId?.trim();
  if (uid) parsed.uid = uid;
  if (event.seriesMasterId) parsed.seriesMasterId = toEwsId(event.seriesMasterId);
  if ((type === 'occurrence' || type === 'exception') && event.originalStart) {
    parsed.originalStart = parseDateTime(event.originalStart);
    data.recurrenceId = eventTime(parsed.originalStart, startZone, isAllDay);
  }
  if (type === 'seriesMaster' && event.recurrence) {
    try {
      parsed.recurrence = parseRecurrence(event.recurrence);
    } catch (err) {
      if (!(err instanceof GraphRecurrenceError)) throw err;
      parsed.recurrenceProblem = err.message;
    }
  }
  return parsed;
}
