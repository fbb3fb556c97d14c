// GetFolder (WSR/getfolder-operation): one response message per requested id, in request
// order; unknown ids fail in their own slot (EWS-NOTES §2.4, §4).

import type { XmlNode } from '../xml/parser.js';
import type { OpContext } from './context.js';
import { renderFolders } from './folder-xml.js';
import { type FolderRef, parseFolderRef, resolveFolder } from './folder-ref.js';
import { type EwsOperation, slot, success } from './operation.js';
import { allowAttrs, sequence } from './schema.js';
import { type FolderShape, parseFolderShape } from './shape.js';

interface GetFolderRequest { shape: FolderShape; ids: FolderRef[] }

const ERROR_CONTENT = '<m:Folders/>';

export const getFolder: EwsOperation<GetFolderRequest> = {
  name: 'GetFolder',
  errorContent: ERROR_CONTENT,
  parse(node: XmlNode): GetFolderRequest {
    allowAttrs(node, []);
    const g = sequence(node, [{ name: 'FolderShape', ns: 'm', min: 1 }, { name: 'FolderIds', ns: 'm', min: 1 }]);
    const idsNode = g.get('FolderIds')?.[0] as XmlNode;
    sequence(idsNode, [{ name: ['FolderId', 'DistinguishedFolderId'], ns: 't', min: 1, max: Infinity }]);
    return { shape: parseFolderShape(g.get('FolderShape')?.[0] as XmlNode), ids: idsNode.children.map(parseFolderRef) };
  },
  slots: (req) => req.ids.length,
  execute(req, ctx: OpContext) {
    return req.ids.map((ref) => slot(ERROR_CONTENT, () => {
      const { mailbox, folder } = resolveFolder(ctx, ref);
      return success(`<m:Folders>${renderFolders(ctx, mailbox, [folder], req.shape)}</m:Folders>`);
    }));
  },
};
