// GetItem for calendar items (WSR/getitem-operation-calendar-item, EWS-NOTES §6): batched
// ids, one response message per id in request order, ErrorItemNotFound in a missing id's
// slot while the others succeed. Occurrences are addressed by their own ItemId (from
// CalendarView or ModifiedOccurrences), by t:OccurrenceItemId (master + InstanceIndex), and
// masters by t:RecurringMasterItemId (an occurrence's id).

import type { Mailbox, StoredItem } from '../mailbox/types.js';
import { type InstanceLookup, instanceByIndex, instanceByOriginalStart } from '../mailbox/occurrences.js';
import type { XmlNode } from '../xml/parser.js';
import type { OpContext } from './context.js';
import { EwsError } from './errors.js';
import { type RenderItem, instanceRender, renderItems, storedRender } from './item-xml.js';
import { type EwsOperation, slot, success } from './operation.js';
import { allowAttrs, intValue, requiredAttr, sequence } from './schema.js';
import { type ItemShape, parseItemShape } from './shape.js';

type ItemRef =
  | { kind: 'ItemId'; id: string }
  | { kind: 'OccurrenceItemId'; masterId: string; index: number }
  | { kind: 'RecurringMasterItemId'; occurrenceId: string };

interface GetItemRequest { shape: ItemShape; ids: ItemRef[] }

const ERROR_CONTENT = '<m:Items/>';

function parseRef(node: XmlNode): ItemRef {
  if (node.local === 'ItemId') {
    allowAttrs(node, ['Id', 'ChangeKey']);
    return { kind: 'ItemId', id: requiredAttr(node, 'Id') };
  }
  if (node.local === 'OccurrenceItemId') {
    allowAttrs(node, ['RecurringMasterId', 'ChangeKey', 'InstanceIndex']);
    return {
      kind: 'OccurrenceItemId', masterId: requiredAttr(node, 'RecurringMasterId'),
      index: intValue(node, requiredAttr(node, 'InstanceIndex'), 'InstanceIndex'),
    };
  }
  allowAttrs(node, ['OccurrenceId', 'ChangeKey']);
  return { kind: 'RecurringMasterItemId', occurrenceId: requiredAttr(node, 'OccurrenceId') };
}

/** Looks up a stored item behind an id; ids of folders or garbage are malformed. */
function stored(ctx: OpContext, id: string): { mailbox: Mailbox; item: StoredItem; originalStart?: number } {
  const d = ctx.store.ids.decode(id);
  if (!d || d.kind === 'folder') throw new EwsError('ErrorInvalidIdMalformed');
  const mailbox = ctx.openMailbox(d.mailbox);
  const item = mailbox.items.get(d.key);
  if (!item) throw new EwsError('ErrorItemNotFound');
  return d.kind === 'occurrence' ? { mailbox, item, originalStart: d.originalStart } : { mailbox, item };
}

function fromLookup(ctx: OpContext, mailbox: Mailbox, found: InstanceLookup, byIndex: boolean): RenderItem {
  if (found === 'deleted') throw new EwsError(byIndex ? 'ErrorCalendarOccurrenceIsDeletedFromRecurrence' : 'ErrorItemNotFound');
  if (found === 'out-of-range') throw new EwsError(byIndex ? 'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange' : 'ErrorItemNotFound');
  return instanceRender(ctx, mailbox, found);
}

export function resolveItemRef(ctx: OpContext, ref: ItemRef): RenderItem {
  switch (ref.kind) {
    case 'ItemId': {
      const { mailbox, item, originalStart } = stored(ctx, ref.id);
      if (originalStart === undefined) return storedRender(ctx, mailbox, item);
      if (!item.recurrence) throw new EwsError('ErrorItemNotFound');
      return fromLookup(ctx, mailbox, instanceByOriginalStart(item, originalStart), false);
    }
    case 'OccurrenceItemId': {
      const { mailbox, item, originalStart } = stored(ctx, ref.masterId);
      if (originalStart !== undefined || !item.recurrence) throw new EwsError('ErrorItemNotFound');
      return fromLookup(ctx, mailbox, instanceByIndex(item, ref.index), true);
    }
    case 'RecurringMasterItemId': {
      const { mailbox, item } = stored(ctx, ref.occurrenceId);
      if (!item.recurrence) throw new EwsError('ErrorItemNotFound');
      return storedRender(ctx, mailbox, item);
    }
  }
}

export const getItem: EwsOperation<GetItemRequest> = {
  name: 'GetItem',
  errorContent: ERROR_CONTENT,
  parse(node) {
    allowAttrs(node, []);
    const g = sequence(node, [{ name: 'ItemShape', ns: 'm', min: 1 }, { name: 'ItemIds', ns: 'm', min: 1 }]);
    const idsNode = g.get('ItemIds')?.[0] as XmlNode;
    sequence(idsNode, [{ name: ['ItemId', 'OccurrenceItemId', 'RecurringMasterItemId'], ns: 't', min: 1, max: Infinity }]);
    return { shape: parseItemShape(g.get('ItemShape')?.[0] as XmlNode), ids: idsNode.children.map(parseRef) };
  },
  slots: (req) => req.ids.length,
  execute(req, ctx) {
    return req.ids.map((ref) => slot(ERROR_CONTENT, () =>
      success(`<m:Items>${renderItems([resolveItemRef(ctx, ref)], ctx, req.shape, 'get')}</m:Items>`)));
  },
};
