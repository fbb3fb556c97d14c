// FindItem with a CalendarView (WSR/finditem-operation, WSR/calendarview): expanded occurrences in
// a time range, for bounded views. One call = one window page; ../paging.ts splits ranges into
// ≤ 2-year windows and continues truncated pages (EWS-NOTES §5.2). MaxEntriesReturned is always
// set: without it more than 1000 items fail with ErrorExceededFindCountLimit.

import { versionAtLeast, type ExchangeVersion } from '../namespaces.js';
import { fieldUris, folderIdXml, type EwsOperation, type FolderRef } from '../operation.js';
import { CalendarItemError, parseCalendarItem, type ParseContext, type ParsedCalendarItem } from '../parse-calendar-item.js';
import { parseBool, parseIntValue } from '../parse-values.js';
import { el, textEl } from '../xml-writer.js';

export interface FindItemArgs {
  folder: FolderRef;
  /** Range start and end, epoch ms; end − start ≤ 2 years (ErrorCalendarViewRangeTooBig otherwise). */
  start: number;
  end: number;
  maxEntries: number;
  parse?: ParseContext;
}

export interface FindItemResult {
  items: ParsedCalendarItem[];
  includesLastItemInRange: boolean;
  totalItemsInView?: number;
  /** Items that could not be read, by id. */
  unreadable: { itemId?: string; message: string }[];
}

interface State {
  items: ParsedCalendarItem[];
  unreadable: { itemId?: string; message: string }[];
  includesLast?: boolean;
  total?: number;
}

/**
 * FindItem returns no bodies or attendee lists (§5.2); this shape is what a view needs. Zones:
 * the Windows id from Exchange 2013 on (cheap), the full definition on 2010 — without a zone an
 * all-day item's date cannot be computed (§7.3).
 */
export function calendarViewProperties(version: ExchangeVersion): string[] {
  const uris = [
    'item:Subject',
    'item:Sensitivity',
    'calendar:UID',
    'calendar:Start',
    'calendar:End',
    'calendar:IsAllDayEvent',
    'calendar:LegacyFreeBusyStatus',
    'calendar:Location',
    'calendar:IsCancelled',
    'calendar:CalendarItemType',
  ];
  if (versionAtLeast(version, 'Exchange2013')) uris.push('calendar:StartTimeZoneId', 'calendar:EndTimeZoneId');
  else if (versionAtLeast(version, 'Exchange2010')) uris.push('calendar:StartTimeZone', 'calendar:EndTimeZone');
  return uris;
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const findItem: EwsOperation<FindItemArgs, FindItemResult, State> = {
  name: 'FindItem',
  request(args, ctx) {
    return el(
      'm:FindItem',
      { Traversal: 'Shallow' },
      el('m:ItemShape', undefined, textEl('t:BaseShape', 'IdOnly'), el('t:AdditionalProperties', undefined, fieldUris(calendarViewProperties(ctx.version)))),
      el('m:CalendarView', { MaxEntriesReturned: args.maxEntries, StartDate: isoInstant(args.start), EndDate: isoInstant(args.end) }),
      el('m:ParentFolderIds', undefined, folderIdXml(args.folder)),
    );
  },
  response: (args) => ({
    containers: new Set(['RootFolder', 'Items']),
    init: () => ({ items: [], unreadable: [] }),
    container(state, name, attrs) {
      if (name !== 'RootFolder') return;
      state.includesLast = parseBool(attrs.IncludesLastItemInRange);
      state.total = parseIntValue(attrs.TotalItemsInView);
    },
    child(state, element, parent) {
      if (parent !== 'Items' || element.name !== 'CalendarItem') return;
      try {
        state.items.push(parseCalendarItem(element, args.parse));
      } catch (err) {
        if (!(err instanceof CalendarItemError)) throw err;
        state.unreadable.push(err.itemId ? { itemId: err.itemId, message: err.message } : { message: err.message });
      }
    },
  }),
  result(messages) {
    const s = messages[0]!.data;
    const out: FindItemResult = { items: s.items, includesLastItemInRange: s.includesLast ?? true, unreadable: s.unreadable };
    if (s.total !== undefined) out.totalItemsInView = s.total;
    return out;
  },
};
