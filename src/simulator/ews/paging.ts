// Indexed paging views (WSR/indexedpageitemview, WSR/indexedpagefolderview):
// MaxEntriesReturned, Offset, BasePoint. Find operations return at most 1000 entries per
// call (EWSFindCountLimit, EWS-NOTES §5.1, §14.4).

import type { XmlNode } from '../xml/parser.js';
import { allowAttrs, enumValue, intValue, requiredAttr } from './schema.js';

export const FIND_COUNT_LIMIT = 1000;

export interface IndexedView { max?: number; offset: number; basePoint: 'Beginning' | 'End' }

export function parseIndexedView(node: XmlNode): IndexedView {
  allowAttrs(node, ['MaxEntriesReturned', 'Offset', 'BasePoint']);
  const max = node.attrs.get('MaxEntriesReturned');
  return {
    max: max === undefined ? undefined : intValue(node, max, 'MaxEntriesReturned', 1),
    offset: intValue(node, requiredAttr(node, 'Offset'), 'Offset', 0),
    basePoint: enumValue(node, 'BasePoint', requiredAttr(node, 'BasePoint'), ['Beginning', 'End'] as const, 'IndexBasePointType'),
  };
}

export interface Page<T> { items: T[]; nextOffset: number; total: number; includesLast: boolean }

export function page<T>(all: readonly T[], view: IndexedView): Page<T> {
  const size = Math.min(view.max ?? FIND_COUNT_LIMIT, FIND_COUNT_LIMIT);
  const total = all.length;
  if (view.basePoint === 'End') {
    const end = Math.max(0, total - view.offset);
    const start = Math.max(0, end - size);
    return { items: all.slice(start, end), nextOffset: view.offset + (end - start), total, includesLast: start === 0 };
  }
  const items = all.slice(view.offset, view.offset + size);
  const next = Math.min(total, view.offset + items.length);
  return { items, nextOffset: next, total, includesLast: next >= total };
}

export function rootFolderAttrs(p: Page<unknown>): string {
  return `IndexedPagingOffset="${p.nextOffset}" TotalItemsInView="${p.total}" IncludesLastItemInRange="${p.includesLast}"`;
}
