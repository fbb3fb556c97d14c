// The v1.0 event resource (graph-contract.md "Event JSON") of a stored item (singleInstance /
// seriesMaster) or of one instance (occurrence / exception), from the same mailbox model the
// EWS layer renders. Property order follows Graph's responses; $select trimming is applied by
// the caller. EWS pseudo-days become daysOfWeek lists, as Graph reports them.

import { htmlToText, textToHtml } from '../ews/body.js';
import type { IdCodec } from '../mailbox/ids.js';
import type { InstanceView } from '../mailbox/occurrences.js';
import type { Attendee, EventFields, Mailbox, ResponseType, StoredItem } from '../mailbox/types.js';
import { MONTHS, type DayOfWeekName, type Recurrence } from '../recurrence/types.js';
import type { ZoneDefinition } from '../recurrence/zone-data.js';
import { utcToLocal } from '../recurrence/zones.js';
import { canonicalId, encodeTzDefinition, knownProperty } from './extended-props.js';
import { timestamp, toGraphId, utcSeconds, wallClock } from './http.js';

export type EventType = 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';

export interface EventSource {
  type: EventType;
  mailbox: Mailbox;
  item: StoredItem;
  fields: EventFields;
  ewsId: string;
  changeKey: string;
  lastModified: number;
  originalStart?: number;
  /** Occurrences and exceptions: the EWS id of their series master. */
  masterEwsId?: string;
}

export interface RenderOptions {
  /** outlook.timezone: the label as the client gave it and the zone it names; UTC when absent. */
  zone?: { label: string; def: ZoneDefinition };
  bodyType?: 'text' | 'html';
  expandProps?: readonly string[];
  /** For the effective TZRule of TZDEFINITION blobs. */
  now: number;
}

export const EVENT_PROPERTIES: ReadonlySet<string> = new Set([
  'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'transactionId', 'originalStartTimeZone',
  'originalEndTimeZone', 'iCalUId', 'reminderMinutesBeforeStart', 'isReminderOn', 'hasAttachments', 'subject',
  'bodyPreview', 'importance', 'sensitivity', 'isAllDay', 'isCancelled', 'isOrganizer', 'responseRequested',
  'seriesMasterId', 'showAs', 'type', 'webLink', 'onlineMeetingUrl', 'isOnlineMeeting', 'onlineMeetingProvider',
  'allowNewTimeProposals', 'isDraft', 'hideAttendees', 'originalStart', 'responseStatus', 'body', 'start', 'end',
  'location', 'locations', 'recurrence', 'attendees', 'organizer', 'onlineMeeting', 'id',
]);

export function storedSource(ids: IdCodec, mb: Mailbox, item: StoredItem): EventSource {
  return {
    type: item.recurrence ? 'seriesMaster' : 'singleInstance', mailbox: mb, item, fields: item.fields,
    ewsId: ids.item(mb.smtp, item.key), changeKey: item.changeKey, lastModified: item.lastModified,
  };
}

export function instanceSource(ids: IdCodec, mb: Mailbox, v: InstanceView): EventSource {
  return {
    type: v.kind === 'Exception' ? 'exception' : 'occurrence', mailbox: mb, item: v.master, fields: v.fields,
    ewsId: ids.occurrence(mb.smtp, v.master.key, v.originalStart), changeKey: v.changeKey,
    lastModified: v.lastModified, originalStart: v.originalStart, masterEwsId: ids.item(mb.smtp, v.master.key),
  };
}

const RESPONSE: Record<ResponseType, string> = {
  Unknown: 'none', Organizer: 'organizer', Tentative: 'tentativelyAccepted', Accept: 'accepted', Decline: 'declined',
  NoResponseReceived: 'notResponded',
};
const SHOW_AS = { Free: 'free', Tentative: 'tentative', Busy: 'busy', OOF: 'oof', WorkingElsewhere: 'workingElsewhere', NoData: 'unknown' } as const;
const NO_TIME = '0001-01-01T00:00:00Z';
const WEEK = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Graph has no pseudo-days: Day / Weekday / WeekendDay are the equivalent day lists. */
function daysOf(name: DayOfWeekName): string[] {
  if (name === 'Day') return [...WEEK];
  if (name === 'Weekday') return WEEK.slice(1, 6);
  if (name === 'WeekendDay') return ['saturday', 'sunday'];
  return [name.toLowerCase()];
}

export function recurrenceJson(r: Recurrence, zone: ZoneDefinition): unknown {
  const p = r.pattern;
  const index = 'dayOfWeekIndex' in p ? (p.dayOfWeekIndex === 'Last' ? 'last' : p.dayOfWeekIndex.toLowerCase()) : 'first';
  const types = {
    Daily: 'daily', Weekly: 'weekly', AbsoluteMonthly: 'absoluteMonthly', RelativeMonthly: 'relativeMonthly',
    AbsoluteYearly: 'absoluteYearly', RelativeYearly: 'relativeYearly',
  } as const;
  const pattern = {
    type: types[p.kind],
    interval: 'interval' in p ? p.interval : 1,
    month: 'month' in p ? MONTHS.indexOf(p.month) + 1 : 0,
    dayOfMonth: 'dayOfMonth' in p ? p.dayOfMonth : 0,
    ...(p.kind === 'Weekly' ? { daysOfWeek: p.daysOfWeek.map((d) => d.toLowerCase()) } : {}),
    ...(p.kind === 'RelativeMonthly' || p.kind === 'RelativeYearly' ? { daysOfWeek: daysOf(p.daysOfWeek) } : {}),
    firstDayOfWeek: p.kind === 'Weekly' ? p.firstDayOfWeek.toLowerCase() : 'sunday',
    index,
  };
  const range = r.range;
  return {
    pattern,
    range: {
      type: range.kind === 'NoEnd' ? 'noEnd' : range.kind === 'EndDate' ? 'endDate' : 'numbered',
      startDate: range.startDate,
      endDate: range.kind === 'EndDate' ? range.endDate : '0001-01-01',
      recurrenceTimeZone: zone.id,
      numberOfOccurrences: range.kind === 'Numbered' ? range.numberOfOccurrences : 0,
    },
  };
}

/** An occurrence's iCalUId carries its original date in the GlobalObjectId (Graph: "different for each occurrence"). */
function iCalUId(src: EventSource): string {
  const uid = src.item.uid;
  if (src.originalStart === undefined || !/^040000008200E00074C5B7101A82E008[0-9A-F]{8}/i.test(uid)) return uid;
  const d = new Date(src.originalStart);
  const y = d.getUTCFullYear();
  const date = Buffer.from([y >> 8, y & 0xff, d.getUTCMonth() + 1, d.getUTCDate()]).toString('hex').toUpperCase();
  return uid.slice(0, 32) + date + uid.slice(40);
}

function dateTime(utc: number, own: ZoneDefinition, allDay: boolean, opts: RenderOptions): { dateTime: string; timeZone: string } {
  const label = opts.zone?.label ?? 'UTC';
  // All-day events are floating dates: Graph gives their midnights whatever zone is asked for.
  if (allDay) return { dateTime: wallClock(utcToLocal(own, utc)), timeZone: label };
  return { dateTime: wallClock(opts.zone ? utcToLocal(opts.zone.def, utc) : utc), timeZone: label };
}

function attendee(a: Attendee, type: 'required' | 'optional' | 'resource'): unknown {
  return {
    type,
    status: { response: RESPONSE[a.response], time: a.lastResponseTime !== undefined ? utcSeconds(a.lastResponseTime) : NO_TIME },
    emailAddress: { name: a.name, address: a.email },
  };
}

function body(f: EventFields, wanted: 'text' | 'html' | undefined): { contentType: string; content: string } {
  const stored = f.body.type === 'HTML' ? 'html' : 'text';
  const type = wanted ?? stored;
  if (type === stored || f.body.value === '') return { contentType: type, content: f.body.value };
  return { contentType: type, content: type === 'text' ? htmlToText(f.body.value) : textToHtml(f.body.value) };
}

function location(f: EventFields): Record<string, unknown> {
  if (f.location === '') return { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
  return { displayName: f.location, locationType: 'default', uniqueId: f.location, uniqueIdType: 'private' };
}

/** PidLidAppointmentStateFlags (MS-OXOCAL 2.2.1.10), as the EWS layer's AppointmentState. */
function stateFlags(f: EventFields): number {
  if (!f.isMeeting) return 0;
  return 1 | (f.myResponseType === 'Organizer' ? 0 : 2) | (f.isCancelled ? 4 : 0);
}

function extendedProps(src: EventSource, ids: readonly string[], now: number): Array<{ id: string; value: string }> {
  const out: Array<{ id: string; value: string }> = [];
  const year = new Date(now).getUTCFullYear();
  const seen = new Set<string>();
  for (const id of ids) {
    const p = knownProperty(id);
    if (!p || seen.has(p)) continue;
    seen.add(p);
    const value = p === 'sequence' ? String(src.fields.sequence)
      : p === 'stateFlags' ? String(stateFlags(src.fields))
        : encodeTzDefinition(p === 'tzStart' ? src.item.startZone : src.item.endZone, year).toString('base64');
    out.push({ id: canonicalId(p), value });
  }
  return out;
}

export function eventJson(src: EventSource, opts: RenderOptions): Record<string, unknown> {
  const f = src.fields;
  const id = toGraphId(src.ewsId);
  const organizer = f.organizer ?? { name: src.mailbox.displayName, email: src.mailbox.smtp };
  const isInstance = src.type === 'occurrence' || src.type === 'exception';
  const text = body(f, 'text').content;
  const loc = location(f);
  const out: Record<string, unknown> = {
    '@odata.etag': `W/"${src.changeKey}"`,
    id,
    createdDateTime: timestamp(src.item.created),
    lastModifiedDateTime: timestamp(src.lastModified),
    changeKey: src.changeKey,
    categories: [...f.categories],
    transactionId: null,
    originalStartTimeZone: src.item.startZone.id,
    originalEndTimeZone: src.item.endZone.id,
    iCalUId: iCalUId(src),
    reminderMinutesBeforeStart: f.reminderMinutes,
    isReminderOn: f.reminderIsSet,
    hasAttachments: false,
    subject: f.subject,
    bodyPreview: text.replace(/\s+/g, ' ').trim().slice(0, 255),
    importance: f.importance.toLowerCase(),
    sensitivity: f.sensitivity.toLowerCase(),
    isAllDay: f.isAllDay,
    isCancelled: f.isCancelled,
    isOrganizer: f.myResponseType === 'Organizer',
    responseRequested: f.isResponseRequested,
    seriesMasterId: isInstance && src.masterEwsId ? toGraphId(src.masterEwsId) : null,
    showAs: SHOW_AS[f.freeBusy],
    type: src.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(src.ewsId)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: f.isOnlineMeeting,
    onlineMeetingProvider: f.isOnlineMeeting ? 'teamsForBusiness' : 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    ...(isInstance && src.originalStart !== undefined ? { originalStart: utcSeconds(src.originalStart) } : {}),
    responseStatus: { response: RESPONSE[f.myResponseType], time: NO_TIME },
    body: body(f, opts.bodyType),
    start: dateTime(f.start, src.item.startZone, f.isAllDay, opts),
    end: dateTime(f.end, src.item.endZone, f.isAllDay, opts),
    location: loc,
    locations: f.location === '' ? [] : [loc],
    recurrence: src.type === 'seriesMaster' && src.item.recurrence ? recurrenceJson(src.item.recurrence, src.item.startZone) : null,
    attendees: [
      ...f.requiredAttendees.map((a) => attendee(a, 'required')),
      ...f.optionalAttendees.map((a) => attendee(a, 'optional')),
      ...f.resources.map((a) => attendee(a, 'resource')),
    ],
    organizer: { emailAddress: { name: organizer.name, address: organizer.email } },
    onlineMeeting: f.isOnlineMeeting && f.joinOnlineMeetingUrl ? { joinUrl: f.joinOnlineMeetingUrl } : null,
  };
  if (opts.expandProps) {
    const props = extendedProps(src, opts.expandProps, opts.now);
    // Graph leaves the collection out when none of the asked-for properties exists on the item.
    if (props.length > 0) out.singleValueExtendedProperties = props;
  }
  return out;
}
