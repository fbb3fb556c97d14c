// SyncFolderItems (WSR/syncfolderitems-operation, EWS-NOTES §10): replays the folder's
// change journal from the position in SyncState. Stored items only (masters, not
// occurrences): a change to an exception is an Update of its master; deletions carry only
// the ItemId. MaxChangesReturned is 1..512 by the schema.

import type { Mailbox } from '../mailbox/types.js';
import type { XmlNode } from '../xml/parser.js';
import { XmlWriter } from '../xml/writer.js';
import type { OpContext } from './context.js';
import { EwsError } from './errors.js';
import { type FolderRef, parseFolderRef, resolveFolder } from './folder-ref.js';
import { invalidForFind, selectProps, storedRender, writeCalendarItem } from './item-xml.js';
import { type EwsOperation, slot, success } from './operation.js';
import { allowAttrs, enumText, intValue, sequence } from './schema.js';
import { type ItemShape, parseItemShape } from './shape.js';
import { SyncStateCodec } from './sync-state.js';

interface SyncRequest { shape: ItemShape; folder: FolderRef; syncState?: string; max: number }

const ERROR_CONTENT = '<m:SyncState/><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>';

type Change = { kind: 'Create' | 'Update'; key: string } | { kind: 'Delete'; key: string };

/**
 * Changes after `base`, at most `max`. For each item the first journal entry after `base`
 * says whether the client has it (create → not yet); its current state says what to send.
 * The new position stops just before the first entry of an item left for the next page,
 * so nothing is skipped; an item may be re-sent (harmless, as with Exchange).
 */
function collect(ctx: OpContext, mb: Mailbox, folderKey: string, base: number, max: number) {
  const entries = ctx.store.changesSince(mb, folderKey, base);
  const seen = new Set<string>();
  const changes: Change[] = [];
  let position = ctx.store.journalSeq;
  let includesLast = true;
  for (const e of entries) {
    if (seen.has(e.itemKey)) continue;
    if (changes.length >= max) {
      position = e.seq - 1;
      includesLast = false;
      break;
    }
    seen.add(e.itemKey);
    const existedBefore = e.kind !== 'create';
    const item = mb.items.get(e.itemKey);
    const existsNow = item !== undefined && item.folderKey === folderKey;
    if (existsNow) changes.push({ kind: existedBefore ? 'Update' : 'Create', key: e.itemKey });
    else if (existedBefore) changes.push({ kind: 'Delete', key: e.itemKey });
  }
  return { changes, position, includesLast };
}

export function createSyncFolderItems(codec: SyncStateCodec): EwsOperation<SyncRequest> {
  return {
    name: 'SyncFolderItems',
    errorContent: ERROR_CONTENT,
    parse(node: XmlNode): SyncRequest {
      allowAttrs(node, []);
      const g = sequence(node, [
        { name: 'ItemShape', ns: 'm', min: 1 }, { name: 'SyncFolderId', ns: 'm', min: 1 },
        { name: 'SyncState', ns: 'm', min: 0 }, { name: 'Ignore', ns: 'm', min: 0 },
        { name: 'MaxChangesReturned', ns: 'm', min: 1 }, { name: 'SyncScope', ns: 'm', min: 0 },
      ]);
      const folderNode = g.get('SyncFolderId')?.[0] as XmlNode;
      sequence(folderNode, [{ name: ['FolderId', 'DistinguishedFolderId'], ns: 't', min: 1 }]);
      const maxNode = g.get('MaxChangesReturned')?.[0] as XmlNode;
      const scope = g.get('SyncScope')?.[0];
      if (scope) enumText(scope, ['NormalItems', 'NormalAndAssociatedItems'] as const, 'SyncFolderItemsScopeType');
      const state = g.get('SyncState')?.[0]?.text.trim();
      return {
        shape: parseItemShape(g.get('ItemShape')?.[0] as XmlNode),
        folder: parseFolderRef(folderNode.children[0] as XmlNode),
        syncState: state ? state : undefined,
        max: intValue(maxNode, maxNode.text, 'MaxChangesReturned', 1, 512),
      };
    },
    slots: () => 1,
    execute(req, ctx) {
      return [slot(ERROR_CONTENT, () => {
        let target;
        try {
          target = resolveFolder(ctx, req.folder);
        } catch (err) {
          if (err instanceof EwsError && (err.code === 'ErrorItemNotFound' || err.code === 'ErrorFolderNotFound')) {
            throw new EwsError('ErrorSyncFolderNotFound');
          }
          throw err;
        }
        const { mailbox, folder } = target;
        let base = 0;
        if (req.syncState !== undefined) {
          const pos = codec.decode(req.syncState, mailbox.smtp, folder.key);
          if (pos === undefined || pos > ctx.store.journalSeq) throw new EwsError('ErrorInvalidSyncStateData');
          base = pos;
        }
        const bad = invalidForFind(req.shape);
        if (bad) throw new EwsError('ErrorInvalidPropertyRequest', undefined, `The property ${bad} isn't valid for SyncFolderItems.`);
        const { changes, position, includesLast } = collect(ctx, mailbox, folder.key, base, req.max);
        const props = selectProps(req.shape, 'find');
        const w = new XmlWriter();
        w.text('m:SyncState', codec.encode(mailbox.smtp, folder.key, position));
        w.text('m:IncludesLastItemInRange', String(includesLast));
        w.open('m:Changes');
        for (const c of changes) {
          const el = `t:${c.kind}`;
          w.open(el);
          const item = mailbox.items.get(c.key);
          if (c.kind === 'Delete' || !item) {
            w.empty('t:ItemId', { Id: ctx.store.ids.item(mailbox.smtp, c.key), ChangeKey: 'DwAAAA==' });
          } else {
            writeCalendarItem(w, storedRender(ctx, mailbox, item), props, ctx, req.shape, 'find');
          }
          w.close(el);
        }
        w.close('m:Changes');
        return success(w.toString());
      })];
    },
  };
}
