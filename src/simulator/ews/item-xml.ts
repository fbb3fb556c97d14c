// t:CalendarItem output. One table lists every property the simulator models, in types.xsd
// schema order (ItemType part, then CalendarItemType part; EWS-NOTES §6.2), with its
// FieldURI and the shapes that include it. A response carries exactly the requested
// properties, in table order, whatever order the request named them in.

import type { InstanceView } from '../mailbox/occurrences.js';
import { firstAndLast, modifiedOccurrences } from '../mailbox/occurrences.js';
import type { Attendee, EventFields, Mailbox, Person, StoredItem } from '../mailbox/types.js';
import { formatDurationMinutes } from '../recurrence/dates.js';
import { XmlWriter } from '../xml/writer.js';
import { renderBody } from './body.js';
import type { OpContext } from './context.js';
import { writeRecurrence } from './recurrence-xml.js';
import type { ItemShape } from './shape.js';
import { writeMeetingTimeZone, writeTimeZoneDefinition } from './timezone-xml.js';

export type CalendarItemKind = 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';

export interface RenderItem {
  kind: CalendarItemKind;
  mailbox: Mailbox;
  item: StoredItem;
  fields: EventFields;
  id: string;
  changeKey: string;
  lastModified: number;
  originalStart?: number;
}

export type RenderMode = 'find' | 'get';

interface RenderEnv { ctx: OpContext; shape: ItemShape; mode: RenderMode }

/** d = Default shape of FindItem/SyncFolderItems, g = added by GetItem's Default, a = AllProperties only. */
type Inclusion = 'd' | 'g' | 'a';

interface PropDef {
  uri: string;
  in: Inclusion;
  /** FindItem/SyncFolderItems cannot return it (EWS-NOTES §5.2) → ErrorInvalidPropertyRequest. */
  getOnly?: boolean;
  write(w: XmlWriter, r: RenderItem, env: RenderEnv): void;
}

const isInstance = (r: RenderItem): boolean => r.kind === 'Occurrence' || r.kind === 'Exception';
const isOrganizer = (r: RenderItem): boolean => r.fields.myResponseType === 'Organizer';

function mailboxEl(w: XmlWriter, p: Person, nameOnly: boolean): void {
  w.open('t:Mailbox').text('t:Name', p.name);
  if (!nameOnly) w.text('t:EmailAddress', p.email).text('t:RoutingType', 'SMTP').text('t:MailboxType', p.mailboxType);
  w.close('t:Mailbox');
}

function attendees(w: XmlWriter, el: string, list: Attendee[], env: RenderEnv): void {
  if (list.length === 0) return;
  w.open(el);
  for (const a of list) {
    w.open('t:Attendee');
    mailboxEl(w, a, false);
    w.text('t:ResponseType', a.response);
    if (a.lastResponseTime !== undefined) w.text('t:LastResponseTime', env.ctx.dt(a.lastResponseTime));
    w.close('t:Attendee');
  }
  w.close(el);
}

function organizer(r: RenderItem): Person {
  return r.fields.organizer ?? { name: r.mailbox.displayName, email: r.mailbox.smtp, mailboxType: 'Mailbox' };
}

function occurrenceInfo(w: XmlWriter, el: string, v: InstanceView, env: RenderEnv): void {
  w.open(el);
  w.empty('t:ItemId', { Id: env.ctx.store.ids.occurrence(v.master.mailbox, v.master.key, v.originalStart), ChangeKey: v.changeKey });
  w.text('t:Start', env.ctx.dt(v.fields.start)).text('t:End', env.ctx.dt(v.fields.end))
    .text('t:OriginalStart', env.ctx.dt(v.originalStart));
  w.close(el);
}

function appointmentState(r: RenderItem): number {
  // AppointmentState flags (MS-OXOCAL PidLidAppointmentStateFlags): 1 meeting, 2 received, 4 cancelled.
  if (!r.fields.isMeeting) return 0;
  return 1 | (isOrganizer(r) ? 0 : 2) | (r.fields.isCancelled ? 4 : 0);
}

const b = (v: boolean): string => (v ? 'true' : 'false');

/** FirstOccurrence and LastOccurrence both need the series walk: one walk per item version. */
const boundsMemo = new WeakMap<StoredItem, { changeKey: string; bounds: ReturnType<typeof firstAndLast> }>();
function seriesBounds(item: StoredItem): ReturnType<typeof firstAndLast> {
  const hit = boundsMemo.get(item);
  if (hit && hit.changeKey === item.changeKey) return hit.bounds;
  const bounds = firstAndLast(item);
  boundsMemo.set(item, { changeKey: item.changeKey, bounds });
  return bounds;
}

const PROPS: readonly PropDef[] = [
  { uri: 'item:ItemId', in: 'd', write: (w, r) => w.empty('t:ItemId', { Id: r.id, ChangeKey: r.changeKey }) },
  {
    uri: 'item:ParentFolderId', in: 'd', write: (w, r, env) => {
      const f = r.mailbox.folders.get(r.item.folderKey);
      w.empty('t:ParentFolderId', { Id: env.ctx.store.ids.folder(r.mailbox.smtp, r.item.folderKey), ChangeKey: f?.changeKey });
    },
  },
  { uri: 'item:ItemClass', in: 'd', write: (w, r) => w.text('t:ItemClass', r.item.itemClass) },
  { uri: 'item:Subject', in: 'd', write: (w, r) => { if (r.fields.subject !== '') w.text('t:Subject', r.fields.subject); } },
  { uri: 'item:Sensitivity', in: 'd', write: (w, r) => w.text('t:Sensitivity', r.fields.sensitivity) },
  {
    uri: 'item:Body', in: 'g', getOnly: true, write: (w, r, env) => {
      const body = renderBody(r.fields.body, env.shape.bodyType);
      w.text('t:Body', body.value, { BodyType: body.type, IsTruncated: 'false' });
    },
  },
  { uri: 'item:Attachments', in: 'a', getOnly: true, write: () => undefined },
  { uri: 'item:DateTimeReceived', in: 'd', write: (w, r, env) => w.text('t:DateTimeReceived', env.ctx.dt(r.item.created)) },
  {
    uri: 'item:Size', in: 'd', write: (w, r) =>
      w.text('t:Size', 600 + Buffer.byteLength(r.fields.body.value) + Buffer.byteLength(r.fields.subject) * 2),
  },
  {
    uri: 'item:Categories', in: 'g', write: (w, r) => {
      if (r.fields.categories.length === 0) return;
      w.open('t:Categories');
      for (const c of r.fields.categories) w.text('t:String', c);
      w.close('t:Categories');
    },
  },
  { uri: 'item:Importance', in: 'd', write: (w, r) => w.text('t:Importance', r.fields.importance) },
  { uri: 'item:IsSubmitted', in: 'd', write: (w) => w.text('t:IsSubmitted', 'false') },
  { uri: 'item:IsDraft', in: 'd', write: (w) => w.text('t:IsDraft', 'false') },
  { uri: 'item:IsFromMe', in: 'd', write: (w) => w.text('t:IsFromMe', 'false') },
  { uri: 'item:IsResend', in: 'd', write: (w) => w.text('t:IsResend', 'false') },
  { uri: 'item:IsUnmodified', in: 'd', write: (w) => w.text('t:IsUnmodified', 'false') },
  { uri: 'item:DateTimeSent', in: 'd', write: (w, r, env) => w.text('t:DateTimeSent', env.ctx.dt(r.item.created)) },
  { uri: 'item:DateTimeCreated', in: 'd', write: (w, r, env) => w.text('t:DateTimeCreated', env.ctx.dt(r.item.created)) },
  { uri: 'item:ReminderDueBy', in: 'd', write: (w, r, env) => w.text('t:ReminderDueBy', env.ctx.dt(r.fields.start)) },
  { uri: 'item:ReminderIsSet', in: 'd', write: (w, r) => w.text('t:ReminderIsSet', b(r.fields.reminderIsSet)) },
  { uri: 'item:ReminderMinutesBeforeStart', in: 'd', write: (w, r) => w.text('t:ReminderMinutesBeforeStart', r.fields.reminderMinutes) },
  { uri: 'item:DisplayCc', in: 'd', write: (w, r) => w.text('t:DisplayCc', r.fields.optionalAttendees.map((a) => a.name).join('; ')) },
  { uri: 'item:DisplayTo', in: 'd', write: (w, r) => w.text('t:DisplayTo', r.fields.requiredAttendees.map((a) => a.name).join('; ')) },
  { uri: 'item:HasAttachments', in: 'd', write: (w) => w.text('t:HasAttachments', 'false') },
  { uri: 'item:Culture', in: 'd', write: (w) => w.text('t:Culture', 'en-US') },
  { uri: 'item:LastModifiedName', in: 'a', write: (w, r) => w.text('t:LastModifiedName', r.mailbox.displayName) },
  { uri: 'item:LastModifiedTime', in: 'a', write: (w, r, env) => w.text('t:LastModifiedTime', env.ctx.dt(r.lastModified)) },
  { uri: 'item:IsAssociated', in: 'a', write: (w) => w.text('t:IsAssociated', 'false') },
  // CalendarItemType part.
  { uri: 'calendar:UID', in: 'a', write: (w, r) => w.text('t:UID', r.item.uid) },
  {
    uri: 'calendar:RecurrenceId', in: 'a', write: (w, r, env) => {
      if (isInstance(r) && r.originalStart !== undefined) w.text('t:RecurrenceId', env.ctx.dt(r.originalStart));
    },
  },
  {
    uri: 'calendar:DateTimeStamp', in: 'a', write: (w, r, env) => {
      if (r.fields.isMeeting && r.fields.dateTimeStamp !== undefined) w.text('t:DateTimeStamp', env.ctx.dt(r.fields.dateTimeStamp));
    },
  },
  { uri: 'calendar:Start', in: 'd', write: (w, r, env) => w.text('t:Start', env.ctx.dt(r.fields.start)) },
  { uri: 'calendar:End', in: 'd', write: (w, r, env) => w.text('t:End', env.ctx.dt(r.fields.end)) },
  {
    uri: 'calendar:OriginalStart', in: 'a', write: (w, r, env) => {
      if (isInstance(r) && r.originalStart !== undefined) w.text('t:OriginalStart', env.ctx.dt(r.originalStart));
    },
  },
  { uri: 'calendar:IsAllDayEvent', in: 'd', write: (w, r) => w.text('t:IsAllDayEvent', b(r.fields.isAllDay)) },
  { uri: 'calendar:LegacyFreeBusyStatus', in: 'd', write: (w, r) => w.text('t:LegacyFreeBusyStatus', r.fields.freeBusy) },
  { uri: 'calendar:Location', in: 'd', write: (w, r) => { if (r.fields.location !== '') w.text('t:Location', r.fields.location); } },
  { uri: 'calendar:IsMeeting', in: 'd', write: (w, r) => w.text('t:IsMeeting', b(r.fields.isMeeting)) },
  { uri: 'calendar:IsCancelled', in: 'd', write: (w, r) => w.text('t:IsCancelled', b(r.fields.isCancelled)) },
  // Exchange reports IsRecurring=false on a RecurringMaster (EWS-NOTES §6.3, §15).
  { uri: 'calendar:IsRecurring', in: 'd', write: (w, r) => w.text('t:IsRecurring', b(isInstance(r))) },
  {
    uri: 'calendar:MeetingRequestWasSent', in: 'd',
    write: (w, r) => w.text('t:MeetingRequestWasSent', b(r.fields.isMeeting && isOrganizer(r))),
  },
  { uri: 'calendar:IsResponseRequested', in: 'd', write: (w, r) => w.text('t:IsResponseRequested', b(r.fields.isResponseRequested)) },
  { uri: 'calendar:CalendarItemType', in: 'd', write: (w, r) => w.text('t:CalendarItemType', r.kind) },
  { uri: 'calendar:MyResponseType', in: 'd', write: (w, r) => w.text('t:MyResponseType', r.fields.myResponseType) },
  {
    // FindItem gives the organizer's Name only (EWS-NOTES §5.2).
    uri: 'calendar:Organizer', in: 'd', write: (w, r, env) => {
      w.open('t:Organizer');
      mailboxEl(w, organizer(r), env.mode === 'find');
      w.close('t:Organizer');
    },
  },
  { uri: 'calendar:RequiredAttendees', in: 'g', getOnly: true, write: (w, r, env) => attendees(w, 't:RequiredAttendees', r.fields.requiredAttendees, env) },
  { uri: 'calendar:OptionalAttendees', in: 'g', getOnly: true, write: (w, r, env) => attendees(w, 't:OptionalAttendees', r.fields.optionalAttendees, env) },
  { uri: 'calendar:Resources', in: 'g', getOnly: true, write: (w, r, env) => attendees(w, 't:Resources', r.fields.resources, env) },
  {
    uri: 'calendar:Duration', in: 'd',
    write: (w, r) => w.text('t:Duration', formatDurationMinutes(Math.round((r.fields.end - r.fields.start) / 60_000))),
  },
  { uri: 'calendar:TimeZone', in: 'd', write: (w, r) => w.text('t:TimeZone', r.item.startZone.name) },
  { uri: 'calendar:AppointmentSequenceNumber', in: 'd', write: (w, r) => w.text('t:AppointmentSequenceNumber', r.fields.sequence) },
  { uri: 'calendar:AppointmentState', in: 'd', write: (w, r) => w.text('t:AppointmentState', appointmentState(r)) },
  {
    uri: 'calendar:Recurrence', in: 'g', write: (w, r) => {
      if (r.kind === 'RecurringMaster' && r.item.recurrence) writeRecurrence(w, r.item.recurrence, r.item.startZone);
    },
  },
  {
    uri: 'calendar:FirstOccurrence', in: 'g', write: (w, r, env) => {
      if (r.kind !== 'RecurringMaster') return;
      const { first } = seriesBounds(r.item);
      if (first) occurrenceInfo(w, 't:FirstOccurrence', first, env);
    },
  },
  {
    uri: 'calendar:LastOccurrence', in: 'g', write: (w, r, env) => {
      if (r.kind !== 'RecurringMaster') return;
      const { last } = seriesBounds(r.item);
      if (last) occurrenceInfo(w, 't:LastOccurrence', last, env);
    },
  },
  {
    uri: 'calendar:ModifiedOccurrences', in: 'g', getOnly: true, write: (w, r, env) => {
      if (r.kind !== 'RecurringMaster') return;
      const list = modifiedOccurrences(r.item);
      if (list.length === 0) return;
      w.open('t:ModifiedOccurrences');
      for (const v of list) occurrenceInfo(w, 't:Occurrence', v, env);
      w.close('t:ModifiedOccurrences');
    },
  },
  {
    uri: 'calendar:DeletedOccurrences', in: 'g', getOnly: true, write: (w, r, env) => {
      if (r.kind !== 'RecurringMaster' || r.item.deletedOccurrences.size === 0) return;
      w.open('t:DeletedOccurrences');
      for (const t of [...r.item.deletedOccurrences].sort((a, c) => a - c)) {
        w.open('t:DeletedOccurrence').text('t:Start', env.ctx.dt(t)).close('t:DeletedOccurrence');
      }
      w.close('t:DeletedOccurrences');
    },
  },
  { uri: 'calendar:MeetingTimeZone', in: 'a', write: (w, r) => writeMeetingTimeZone(w, r.item.startZone) },
  { uri: 'calendar:StartTimeZone', in: 'a', write: (w, r) => writeTimeZoneDefinition(w, 't:StartTimeZone', r.item.startZone) },
  { uri: 'calendar:EndTimeZone', in: 'a', write: (w, r) => writeTimeZoneDefinition(w, 't:EndTimeZone', r.item.endZone) },
  { uri: 'calendar:ConferenceType', in: 'd', write: (w) => w.text('t:ConferenceType', 0) },
  { uri: 'calendar:AllowNewTimeProposal', in: 'd', write: (w) => w.text('t:AllowNewTimeProposal', 'true') },
  { uri: 'calendar:IsOnlineMeeting', in: 'd', write: (w, r) => w.text('t:IsOnlineMeeting', b(r.fields.isOnlineMeeting)) },
  {
    uri: 'calendar:EnhancedLocation', in: 'a', write: (w, r) => {
      if (r.fields.location !== '') w.open('t:EnhancedLocation').text('t:DisplayName', r.fields.location).close('t:EnhancedLocation');
    },
  },
  {
    // Custom zones have no Windows id to give (EWS-NOTES §7.1): the Id of the definition is returned.
    uri: 'calendar:StartTimeZoneId', in: 'a', write: (w, r) => w.text('t:StartTimeZoneId', r.item.startZone.id),
  },
  { uri: 'calendar:EndTimeZoneId', in: 'a', write: (w, r) => w.text('t:EndTimeZoneId', r.item.endZone.id) },
  {
    uri: 'calendar:JoinOnlineMeetingUrl', in: 'a', write: (w, r) => {
      if (r.fields.joinOnlineMeetingUrl) w.text('t:JoinOnlineMeetingUrl', r.fields.joinOnlineMeetingUrl);
    },
  },
  {
    uri: 'calendar:OnlineMeetingSettings', in: 'a', write: (w, r) => {
      if (!r.fields.isOnlineMeeting) return;
      w.open('t:OnlineMeetingSettings').text('t:LobbyBypass', 'DisabledForGuestsAndAnonymous')
        .text('t:AccessLevel', 'Everyone').text('t:Presenters', 'Everyone').close('t:OnlineMeetingSettings');
    },
  },
  { uri: 'calendar:IsOrganizer', in: 'a', write: (w, r) => w.text('t:IsOrganizer', b(isOrganizer(r))) },
];

const PROP_BY_URI = new Map(PROPS.map((p) => [p.uri, p]));

/** FieldURIs FindItem/SyncFolderItems refuse (returned as ErrorInvalidPropertyRequest). */
export function invalidForFind(shape: ItemShape): string | undefined {
  for (const uri of shape.additional) {
    if (PROP_BY_URI.get(uri)?.getOnly || uri === 'item:MimeContent' || uri === 'item:UniqueBody'
      || uri === 'item:TextBody' || uri === 'item:NormalizedBody' || uri === 'calendar:ConflictingMeetings'
      || uri === 'calendar:AdjacentMeetings') return uri;
  }
  return undefined;
}

/** The properties a shape selects, in schema order. */
export function selectProps(shape: ItemShape, mode: RenderMode): readonly PropDef[] {
  return PROPS.filter((p) => {
    if (p.uri === 'item:ItemId' || shape.additional.has(p.uri)) return true;
    if (shape.base === 'IdOnly') return false;
    if (mode === 'find' && p.getOnly) return false;
    if (p.in === 'd') return true;
    if (p.in === 'g') return shape.base === 'AllProperties' || mode === 'get';
    return shape.base === 'AllProperties';
  });
}

export function writeCalendarItem(w: XmlWriter, r: RenderItem, props: readonly PropDef[], ctx: OpContext, shape: ItemShape, mode: RenderMode): void {
  const env: RenderEnv = { ctx, shape, mode };
  w.open('t:CalendarItem');
  for (const p of props) p.write(w, r, env);
  w.close('t:CalendarItem');
}

export function renderItems(items: readonly RenderItem[], ctx: OpContext, shape: ItemShape, mode: RenderMode): string {
  const props = selectProps(shape, mode);
  const w = new XmlWriter();
  for (const r of items) writeCalendarItem(w, r, props, ctx, shape, mode);
  return w.toString();
}

/** RenderItem for a stored item (Single or RecurringMaster). */
export function storedRender(ctx: OpContext, mailbox: Mailbox, item: StoredItem): RenderItem {
  return {
    kind: item.recurrence ? 'RecurringMaster' : 'Single', mailbox, item, fields: item.fields,
    id: ctx.store.ids.item(mailbox.smtp, item.key), changeKey: item.changeKey, lastModified: item.lastModified,
  };
}

/** RenderItem for an occurrence or exception. */
export function instanceRender(ctx: OpContext, mailbox: Mailbox, v: InstanceView): RenderItem {
  return {
    kind: v.kind, mailbox, item: v.master, fields: v.fields,
    id: ctx.store.ids.occurrence(mailbox.smtp, v.master.key, v.originalStart), changeKey: v.changeKey,
    lastModified: v.lastModified, originalStart: v.originalStart,
  };
}

