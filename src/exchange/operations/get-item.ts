// GetItem for calendar items (WSR/getitem-operation-calendar-item): batches of at most 100 ids,
// one result per id in request order; a missing item is a slot `{ ok: false }`, not an exception
// (EWS-NOTES §2.4, §10). The property set is EWS-NOTES §6.1 plus the newer properties the
// requested schema version knows — Exchange rejects FieldURIs unknown to RequestServerVersion.

import { versionAtLeast, type ExchangeVersion } from '../namespaces.js';
import { unreadableError } from '../errors.js';
import { fieldUris, type EwsOperation } from '../operation.js';
import { CalendarItemError, parseCalendarItem, type ParseContext, type ParsedCalendarItem } from '../parse-calendar-item.js';
import { el, textEl } from '../xml-writer.js';

/** What GetItem can name (WSR/itemids): an item, an occurrence by index, or the master of an occurrence. */
export type ItemRef =
  | { kind: 'item'; id: string; changeKey?: string }
  | { kind: 'occurrence'; masterId: string; instanceIndex: number }
  | { kind: 'master'; occurrenceId: string };

export interface GetItemArgs {
  ids: ItemRef[];
  /** Body format: Best (as stored), HTML or Text. Default Best. */
  bodyType?: 'Best' | 'HTML' | 'Text';
  parse?: ParseContext;
}

export type GetItemSlot =
  | { ok: true; ref: ItemRef; item: ParsedCalendarItem }
  | { ok: false; ref: ItemRef; itemId: string; code: string; message?: string };

interface State {
  item?: ParsedCalendarItem;
  problem?: { code: string; message: string };
}

const BASE_PROPERTIES = [
  'item:ItemClass',
  'item:Subject',
  'item:Body',
  'item:Sensitivity',
  'item:Categories',
  'item:Importance',
  'item:DateTimeCreated',
  'item:ReminderIsSet',
  'item:ReminderMinutesBeforeStart',
  'item:LastModifiedTime',
  'calendar:UID',
  'calendar:RecurrenceId',
  'calendar:DateTimeStamp',
  'calendar:Start',
  'calendar:End',
  'calendar:OriginalStart',
  'calendar:IsAllDayEvent',
  'calendar:LegacyFreeBusyStatus',
  'calendar:Location',
  'calendar:IsMeeting',
  'calendar:IsCancelled',
  'calendar:IsRecurring',
  'calendar:IsResponseRequested',
  'calendar:CalendarItemType',
  'calendar:MyResponseType',
  'calendar:Organizer',
  'calendar:RequiredAttendees',
  'calendar:OptionalAttendees',
  'calendar:Resources',
  'calendar:AppointmentSequenceNumber',
  'calendar:Recurrence',
  'calendar:FirstOccurrence',
  'calendar:LastOccurrence',
  'calendar:ModifiedOccurrences',
  'calendar:DeletedOccurrences',
] as const;

/** The FieldURIs GetItem asks for at a schema version. */
export function calendarItemProperties(version: ExchangeVersion): string[] {
  const uris: string[] = [...BASE_PROPERTIES];
  if (versionAtLeast(version, 'Exchange2010')) {
    // StartTimeZone/EndTimeZone replace MeetingTimeZone from Exchange2010 on (WSR/starttimezone).
    uris.push('calendar:StartTimeZone', 'calendar:EndTimeZone', 'calendar:IsOnlineMeeting');
  } else {
    uris.push('calendar:MeetingTimeZone');
  }
  // Introduced with Exchange 2013 (WSR/joinonlinemeetingurl, WSR/starttimezoneid).
  if (versionAtLeast(version, 'Exchange2013')) uris.push('calendar:JoinOnlineMeetingUrl', 'calendar:StartTimeZoneId', 'calendar:EndTimeZoneId');
  // EnhancedLocationType is not in the 2007/2010/2013 schemas (MS-OXWSMTGS appendix C).
  if (versionAtLeast(version, 'Exchange2016')) uris.push('calendar:EnhancedLocation');
  return uris;
}

export function itemRefXml(ref: ItemRef): string {
  switch (ref.kind) {
    case 'item':
      return el('t:ItemId', { Id: ref.id, ChangeKey: ref.changeKey });
    case 'occurrence':
      return el('t:OccurrenceItemId', { RecurringMasterId: ref.masterId, InstanceIndex: ref.instanceIndex });
    case 'master':
      return el('t:RecurringMasterItemId', { OccurrenceId: ref.occurrenceId });
  }
}

export function itemRefId(ref: ItemRef): string {
  switch (ref.kind) {
    case 'item':
      return ref.id;
    case 'occurrence':
      return `${ref.masterId}#${ref.instanceIndex}`;
    case 'master':
      return ref.occurrenceId;
  }
}

/** Per-item codes: the batch goes on, the slot says what happened (exchangelib ERRORS_TO_CATCH_IN_RESPONSE). */
export const GET_ITEM_SLOT_ERRORS: ReadonlySet<string> = new Set([
  'ErrorItemNotFound',
  'ErrorInvalidIdMalformed',
  'ErrorInvalidIdNotAnItemId',
  'ErrorInvalidIdEmpty',
  'ErrorCorruptData',
  'ErrorItemCorrupt',
  'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange',
  'ErrorCalendarOccurrenceIsDeletedFromRecurrence',
]);

export function getItemRequest(args: GetItemArgs, version: ExchangeVersion): string {
  return el(
    'm:GetItem',
    undefined,
    el(
      'm:ItemShape',
      undefined,
      textEl('t:BaseShape', 'IdOnly'),
      textEl('t:BodyType', args.bodyType ?? 'Best'),
      el('t:AdditionalProperties', undefined, fieldUris(calendarItemProperties(version))),
    ),
    el('m:ItemIds', undefined, ...args.ids.map(itemRefXml)),
  );
}

export const getItem: EwsOperation<GetItemArgs, GetItemSlot[], State> = {
  name: 'GetItem',
  request: (args, ctx) => getItemRequest(args, ctx.version),
  response: (args) => ({
    containers: new Set(['Items']),
    init: () => ({}),
    child(state, element, parent) {
      if (parent !== 'Items') return;
      if (element.name !== 'CalendarItem') {
        state.problem = { code: 'ewsdav:NotACalendarItem', message: `the item is a ${element.name}, not a calendar item` };
        return;
      }
      // Parsed as soon as it closes, so only one item's element tree is alive at a time.
      try {
        state.item = parseCalendarItem(element, args.parse);
      } catch (err) {
        if (!(err instanceof CalendarItemError)) throw err;
        state.problem = { code: 'ewsdav:UnreadableItem', message: err.message };
      }
    },
  }),
  slotErrors: GET_ITEM_SLOT_ERRORS,
  result(messages, args, ctx) {
    if (messages.length !== args.ids.length) {
      // Slots are matched to ids by position (§2.4); a different count makes that unsafe.
      throw unreadableError(ctx, `GetItem returned ${messages.length} results for ${args.ids.length} ids`);
    }
    return messages.map((m, i): GetItemSlot => {
      const ref = args.ids[i]!;
      const itemId = itemRefId(ref);
      if (m.responseClass === 'Error') return { ok: false, ref, itemId, code: m.responseCode, ...(m.messageText ? { message: m.messageText } : {}) };
      if (m.data.problem) return { ok: false, ref, itemId, ...m.data.problem };
      if (!m.data.item) return { ok: false, ref, itemId, code: 'ErrorItemNotFound', message: 'no item in the response message' };
      return { ok: true, ref, item: m.data.item };
    });
  },
  batch: {
    size: 100,
    split(args, size) {
      const parts: GetItemArgs[] = [];
      for (let i = 0; i < args.ids.length; i += size) parts.push({ ...args, ids: args.ids.slice(i, i + size) });
      return parts;
    },
    merge: (results) => results.flat(),
  },
};
