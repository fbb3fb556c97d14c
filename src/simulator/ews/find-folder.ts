// FindFolder (WSR/findfolder-operation): Shallow / Deep traversal below each parent, an
// optional restriction (the folder-class filter used to find secondary calendars,
// EWS-NOTES §4) and indexed paging.

import type { Folder, Mailbox } from '../mailbox/types.js';
import type { XmlNode } from '../xml/parser.js';
import type { OpContext } from './context.js';
import { childFolders, folderFieldAccess, renderFolders } from './folder-xml.js';
import { type FolderRef, parseFolderRef, resolveFolder } from './folder-ref.js';
import { type EwsOperation, slot, success } from './operation.js';
import { type IndexedView, page, parseIndexedView, rootFolderAttrs } from './paging.js';
import { parseRestriction } from './restriction.js';
import { allowAttrs, enumValue, requiredAttr, schemaError, sequence } from './schema.js';
import { type FolderShape, parseFolderShape } from './shape.js';

interface FindFolderRequest {
  traversal: 'Shallow' | 'Deep' | 'SoftDeleted';
  shape: FolderShape;
  view?: IndexedView;
  restriction?: XmlNode;
  parents: FolderRef[];
}

function descendants(mb: Mailbox, key: string, deep: boolean, out: Folder[] = []): Folder[] {
  for (const f of childFolders(mb, key)) {
    out.push(f);
    if (deep) descendants(mb, f.key, true, out);
  }
  return out;
}

export const findFolder: EwsOperation<FindFolderRequest> = {
  name: 'FindFolder',
  errorContent: '',
  parse(node) {
    allowAttrs(node, ['Traversal']);
    const traversal = enumValue(node, 'Traversal', requiredAttr(node, 'Traversal'), ['Shallow', 'Deep', 'SoftDeleted'] as const, 'FolderQueryTraversalType');
    const g = sequence(node, [
      { name: 'FolderShape', ns: 'm', min: 1 },
      { name: ['IndexedPageFolderView', 'FractionalPageFolderView'], ns: 'm', min: 0 },
      { name: 'Restriction', ns: 'm', min: 0 },
      { name: 'ParentFolderIds', ns: 'm', min: 1 },
    ]);
    const viewNode = g.get('IndexedPageFolderView')?.[0];
    if (g.get('FractionalPageFolderView')) {
      throw schemaError(g.get('FractionalPageFolderView')?.[0] as XmlNode, 'FractionalPageFolderView is not supported by the simulator.');
    }
    const parentsNode = g.get('ParentFolderIds')?.[0] as XmlNode;
    sequence(parentsNode, [{ name: ['FolderId', 'DistinguishedFolderId'], ns: 't', min: 1, max: Infinity }]);
    return {
      traversal, shape: parseFolderShape(g.get('FolderShape')?.[0] as XmlNode),
      view: viewNode ? parseIndexedView(viewNode) : undefined,
      restriction: g.get('Restriction')?.[0], parents: parentsNode.children.map(parseFolderRef),
    };
  },
  slots: (req) => req.parents.length,
  execute(req, ctx: OpContext) {
    return req.parents.map((ref) => slot('', () => {
      const { mailbox, folder } = resolveFolder(ctx, ref);
      let list = req.traversal === 'SoftDeleted' ? [] : descendants(mailbox, folder.key, req.traversal === 'Deep');
      if (req.restriction) {
        const pred = parseRestriction(req.restriction, folderFieldAccess(mailbox));
        list = list.filter(pred);
      }
      const p = page(list, req.view ?? { offset: 0, basePoint: 'Beginning' });
      return success(`<m:RootFolder ${rootFolderAttrs(p)}><t:Folders>${renderFolders(ctx, mailbox, p.items, req.shape)}</t:Folders></m:RootFolder>`);
    }));
  },
};
