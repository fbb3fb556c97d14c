// SyncFolderItems (WSR/syncfolderitems-operation, EWS-NOTES §10): changes since a SyncState, at
// most 512 per page. Only ids and ChangeKeys are asked for; details come from GetItem. The new
// state travels in the return value, never on an object (STYLE.md §5). An ErrorServerBusy message
// carries an empty SyncState and IncludesLastItemInRange=true: it fails the call as THROTTLED and
// the retry re-sends the previous state, so that empty state is never read.

import { versionAtLeast } from '../namespaces.js';
import { folderIdXml, type EwsOperation, type FolderRef } from '../operation.js';
import { unreadableError } from '../errors.js';
import { NS_TYPES } from '../namespaces.js';
import { parseBool } from '../parse-values.js';
import { child, type XmlElement } from '../xml-reader.js';
import { el, textEl } from '../xml-writer.js';

export const MAX_SYNC_CHANGES = 512;

export interface SyncFolderItemsArgs {
  folder: FolderRef;
  /** Undefined on the first sync: every item then arrives as a create. */
  syncState?: string;
  /** 1..512; default 512. */
  maxChanges?: number;
}

export type SyncChange =
  | { type: 'create' | 'update'; itemId: string; changeKey?: string; /** t:CalendarItem, t:Message … */ element: string }
  | { type: 'delete'; itemId: string };

export interface SyncFolderItemsResult {
  changes: SyncChange[];
  syncState: string;
  includesLastItemInRange: boolean;
}

interface State {
  changes: SyncChange[];
  syncState?: string;
  includesLast?: boolean;
}

function change(el: XmlElement): SyncChange | undefined {
  if (el.ns !== NS_TYPES) return undefined;
  if (el.name === 'Delete') {
    const id = child(el, NS_TYPES, 'ItemId')?.attrs.Id;
    return id ? { type: 'delete', itemId: id } : undefined;
  }
  if (el.name !== 'Create' && el.name !== 'Update') return undefined; // ReadFlagChange: not for calendars
  const item = el.children.find((c) => c.ns === NS_TYPES);
  const id = child(item, NS_TYPES, 'ItemId');
  if (!item || !id?.attrs.Id) return undefined;
  const out: SyncChange = { type: el.name === 'Create' ? 'create' : 'update', itemId: id.attrs.Id, element: item.name };
  if (id.attrs.ChangeKey) out.changeKey = id.attrs.ChangeKey;
  return out;
}

export const syncFolderItems: EwsOperation<SyncFolderItemsArgs, SyncFolderItemsResult, State> = {
  name: 'SyncFolderItems',
  request(args, ctx) {
    const max = Math.max(1, Math.min(MAX_SYNC_CHANGES, Math.floor(args.maxChanges ?? MAX_SYNC_CHANGES)));
    return el(
      'm:SyncFolderItems',
      undefined,
      el('m:ItemShape', undefined, textEl('t:BaseShape', 'IdOnly')),
      el('m:SyncFolderId', undefined, folderIdXml(args.folder)),
      args.syncState ? textEl('m:SyncState', args.syncState) : undefined,
      textEl('m:MaxChangesReturned', max),
      // SyncScope arrived with Exchange2010 (WSR/syncscope).
      versionAtLeast(ctx.version, 'Exchange2010') ? textEl('m:SyncScope', 'NormalItems') : undefined,
    );
  },
  response: () => ({
    containers: new Set(['Changes']),
    init: () => ({ changes: [] }),
    child(state, element, parent) {
      if (parent === 'Changes') {
        const c = change(element);
        if (c) state.changes.push(c);
      } else if (element.name === 'SyncState') {
        state.syncState = element.text.trim();
      } else if (element.name === 'IncludesLastItemInRange') {
        state.includesLast = parseBool(element.text);
      }
    },
  }),
  result(messages, _args, ctx) {
    const s = messages[0]!.data;
    if (!s.syncState) {
      throw unreadableError(ctx, 'a successful SyncFolderItems response without SyncState');
    }
    return { changes: s.changes, syncState: s.syncState, includesLastItemInRange: s.includesLast ?? true };
  },
};
