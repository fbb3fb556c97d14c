// FindItem (WSR/finditem-operation) on calendar folders, EWS-NOTES §5:
// * CalendarView expands series into Single / Occurrence / Exception items overlapping the
//   window on instants; > 2 years → ErrorCalendarViewRangeTooBig; truncated to the first N by
//   start with IncludesLastItemInRange="false"; without MaxEntriesReturned and > 1000 items →
//   ErrorExceededFindCountLimit (PolicyLimit); no Restriction / SortOrder allowed with it.
// * IndexedPageItemView (or no view) returns stored items only: Single + RecurringMaster.

import type { Mailbox, StoredItem } from '../mailbox/types.js';
import { instancesInRange } from '../mailbox/occurrences.js';
import { parseDateTime } from '../recurrence/dates.js';
import type { XmlNode } from '../xml/parser.js';
import type { OpContext } from './context.js';
import { EwsError } from './errors.js';
import { type FolderRef, parseFolderRef, resolveFolder } from './folder-ref.js';
import { type RenderItem, instanceRender, invalidForFind, renderItems, storedRender } from './item-xml.js';
import { type EwsOperation, slot, success } from './operation.js';
import { FIND_COUNT_LIMIT, type IndexedView, page, parseIndexedView, rootFolderAttrs } from './paging.js';
import { type FieldAccess, parseRestriction } from './restriction.js';
import { allowAttrs, enumValue, intValue, requiredAttr, schemaError, sequence } from './schema.js';
import { type ItemShape, parseItemShape } from './shape.js';

interface CalendarViewSpec { max?: number; start: number; end: number }

interface FindItemRequest {
  shape: ItemShape;
  calendarView?: CalendarViewSpec;
  indexed?: IndexedView;
  restriction?: XmlNode;
  sortOrder?: XmlNode;
  parents: FolderRef[];
}

function parseCalendarView(node: XmlNode, ctxNaiveOffset: number): CalendarViewSpec {
  allowAttrs(node, ['MaxEntriesReturned', 'StartDate', 'EndDate']);
  const max = node.attrs.get('MaxEntriesReturned');
  const read = (attr: string): number => {
    const raw = requiredAttr(node, attr);
    const t = parseDateTime(raw, ctxNaiveOffset);
    if (t === undefined) throw schemaError(node, `The '${attr}' attribute is invalid - The value '${raw}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:dateTime' - The string '${raw}' is not a valid DateTime value.`);
    return t;
  };
  return {
    max: max === undefined ? undefined : intValue(node, max, 'MaxEntriesReturned', 1),
    start: read('StartDate'), end: read('EndDate'),
  };
}

/** Paths item restrictions may use with IndexedPageItemView. */
const ITEM_FIELDS: FieldAccess<RenderItem> = {
  paths: new Set(['item:Subject', 'item:ItemClass', 'calendar:Start', 'calendar:End', 'calendar:UID',
    'calendar:CalendarItemType', 'calendar:IsAllDayEvent', 'calendar:Location', 'calendar:IsCancelled']),
  get(r, uri) {
    switch (uri) {
      case 'item:Subject': return r.fields.subject;
      case 'item:ItemClass': return r.item.itemClass;
      case 'calendar:Start': return r.fields.start;
      case 'calendar:End': return r.fields.end;
      case 'calendar:UID': return r.item.uid;
      case 'calendar:CalendarItemType': return r.kind;
      case 'calendar:IsAllDayEvent': return r.fields.isAllDay;
      case 'calendar:Location': return r.fields.location;
      case 'calendar:IsCancelled': return r.fields.isCancelled;
      default: return undefined;
    }
  },
};

function twoYearsAfter(ms: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(d.getUTCFullYear() + 2);
  return d.getTime();
}

function itemsOf(mb: Mailbox, folderKey: string): StoredItem[] {
  const out: StoredItem[] = [];
  for (const item of mb.items.values()) if (item.folderKey === folderKey) out.push(item);
  return out;
}

function calendarView(ctx: OpContext, mb: Mailbox, folderKey: string, req: FindItemRequest, view: CalendarViewSpec): string {
  if (view.end < view.start) throw new EwsError('ErrorCalendarEndDateIsEarlierThanStartDate');
  if (view.end > twoYearsAfter(view.start)) throw new EwsError('ErrorCalendarViewRangeTooBig');
  const found: RenderItem[] = [];
  for (const item of itemsOf(mb, folderKey)) {
    if (!item.recurrence) {
      if (item.fields.end > view.start && item.fields.start < view.end) found.push(storedRender(ctx, mb, item));
      continue;
    }
    for (const v of instancesInRange(item, view.start, view.end)) found.push(instanceRender(ctx, mb, v));
  }
  found.sort((a, b) => a.fields.start - b.fields.start || a.fields.end - b.fields.end || (a.id < b.id ? -1 : 1));
  if (view.max === undefined && found.length > FIND_COUNT_LIMIT) {
    throw new EwsError('ErrorExceededFindCountLimit', `<t:Value Name="PolicyLimit">${FIND_COUNT_LIMIT}</t:Value>`);
  }
  const limit = Math.min(view.max ?? FIND_COUNT_LIMIT, FIND_COUNT_LIMIT);
  const shown = found.slice(0, limit);
  return `<m:RootFolder TotalItemsInView="${found.length}" IncludesLastItemInRange="${shown.length === found.length}">`
    + `<t:Items>${renderItems(shown, ctx, req.shape, 'find')}</t:Items></m:RootFolder>`;
}

function indexedView(ctx: OpContext, mb: Mailbox, folderKey: string, req: FindItemRequest): string {
  let list = itemsOf(mb, folderKey).map((item) => storedRender(ctx, mb, item));
  if (req.restriction) list = list.filter(parseRestriction(req.restriction, ITEM_FIELDS));
  if (!req.indexed && list.length > FIND_COUNT_LIMIT) {
    throw new EwsError('ErrorExceededFindCountLimit', `<t:Value Name="PolicyLimit">${FIND_COUNT_LIMIT}</t:Value>`);
  }
  const p = page(list, req.indexed ?? { offset: 0, basePoint: 'Beginning' });
  return `<m:RootFolder ${rootFolderAttrs(p)}><t:Items>${renderItems(p.items, ctx, req.shape, 'find')}</t:Items></m:RootFolder>`;
}

export function createFindItem(naiveOffsetMinutes: () => number): EwsOperation<FindItemRequest> {
  return {
    name: 'FindItem',
    errorContent: '',
    parse(node) {
      allowAttrs(node, ['Traversal']);
      enumValue(node, 'Traversal', requiredAttr(node, 'Traversal'), ['Shallow', 'SoftDeleted', 'Associated'] as const, 'ItemQueryTraversalType');
      const g = sequence(node, [
        { name: 'ItemShape', ns: 'm', min: 1 },
        { name: ['IndexedPageItemView', 'FractionalPageItemView', 'SeekToConditionPageItemView', 'CalendarView', 'ContactsView'], ns: 'm', min: 0 },
        { name: ['GroupBy', 'DistinguishedGroupBy'], ns: 'm', min: 0 },
        { name: 'Restriction', ns: 'm', min: 0 },
        { name: 'SortOrder', ns: 'm', min: 0 },
        { name: 'ParentFolderIds', ns: 'm', min: 1 },
        { name: 'QueryString', ns: 'm', min: 0 },
      ]);
      for (const unsupported of ['FractionalPageItemView', 'SeekToConditionPageItemView', 'ContactsView', 'GroupBy', 'DistinguishedGroupBy', 'QueryString']) {
        const n = g.get(unsupported)?.[0];
        if (n) throw schemaError(n, `${unsupported} is not supported by the simulator.`);
      }
      const parentsNode = g.get('ParentFolderIds')?.[0] as XmlNode;
      sequence(parentsNode, [{ name: ['FolderId', 'DistinguishedFolderId'], ns: 't', min: 1, max: Infinity }]);
      const cv = g.get('CalendarView')?.[0];
      const iv = g.get('IndexedPageItemView')?.[0];
      return {
        shape: parseItemShape(g.get('ItemShape')?.[0] as XmlNode),
        calendarView: cv ? parseCalendarView(cv, naiveOffsetMinutes()) : undefined,
        indexed: iv ? parseIndexedView(iv) : undefined,
        restriction: g.get('Restriction')?.[0],
        sortOrder: g.get('SortOrder')?.[0],
        parents: parentsNode.children.map(parseFolderRef),
      };
    },
    slots: (req) => req.parents.length,
    execute(req, ctx) {
      return req.parents.map((ref) => slot('', () => {
        const { mailbox, folder } = resolveFolder(ctx, ref);
        const bad = invalidForFind(req.shape);
        if (bad) throw new EwsError('ErrorInvalidPropertyRequest', undefined, `The property ${bad} isn't valid for FindItem.`);
        if (req.calendarView) {
          if (req.restriction || req.sortOrder) {
            throw new EwsError('ErrorInvalidRestriction', undefined, 'Restrictions and sort order may not be specified for a CalendarView.');
          }
          return success(calendarView(ctx, mailbox, folder.key, req, req.calendarView));
        }
        return success(indexedView(ctx, mailbox, folder.key, req));
      }));
    },
  };
}
export const findItem = createFindItem(() => 0);
