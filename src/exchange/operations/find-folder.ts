// FindFolder (WSR/findfolder-operation): every calendar folder, sub-folders included — Deep
// traversal under msgfolderroot restricted to FolderClass prefixed "IPF.Appointment" (which also
// matches IPF.Appointment.Birthday), one IndexedPageFolderView page per call (EWS-NOTES §4).
// ../paging.ts loops over pages.

import { versionAtLeast } from '../namespaces.js';
import { fieldUris, folderIdXml, type EwsOperation, type FolderRef } from '../operation.js';
import { FOLDER_ELEMENTS, folderFieldUris, parseFolder, type FolderInfo } from '../parse-folder.js';
import { parseBool, parseIntValue } from '../parse-values.js';
import { el, textEl } from '../xml-writer.js';

export interface FindFolderArgs {
  parent: FolderRef;
  /** FolderClass prefix to match; default IPF.Appointment. */
  folderClassPrefix?: string;
  offset: number;
  /** Page size; default 100. */
  maxEntries?: number;
}

export interface FindFolderResult {
  folders: FolderInfo[];
  includesLastItemInRange: boolean;
  /** Offset of the next page (RootFolder IndexedPagingOffset). */
  nextOffset?: number;
  totalItemsInView?: number;
}

interface State {
  folders: FolderInfo[];
  includesLast?: boolean;
  nextOffset?: number;
  total?: number;
}

export const findFolder: EwsOperation<FindFolderArgs, FindFolderResult, State> = {
  name: 'FindFolder',
  request(args, ctx) {
    return el(
      'm:FindFolder',
      { Traversal: 'Deep' },
      el(
        'm:FolderShape',
        undefined,
        textEl('t:BaseShape', 'IdOnly'),
        el('t:AdditionalProperties', undefined, fieldUris(folderFieldUris({ effectiveRights: versionAtLeast(ctx.version, 'Exchange2007_SP1') }))),
      ),
      el('m:IndexedPageFolderView', { MaxEntriesReturned: args.maxEntries ?? 100, Offset: args.offset, BasePoint: 'Beginning' }),
      el(
        'm:Restriction',
        undefined,
        el(
          't:Contains',
          { ContainmentMode: 'Prefixed', ContainmentComparison: 'Exact' },
          el('t:FieldURI', { FieldURI: 'folder:FolderClass' }),
          el('t:Constant', { Value: args.folderClassPrefix ?? 'IPF.Appointment' }),
        ),
      ),
      el('m:ParentFolderIds', undefined, folderIdXml(args.parent)),
    );
  },
  response: () => ({
    containers: new Set(['RootFolder', 'Folders']),
    init: () => ({ folders: [] }),
    container(state, name, attrs) {
      if (name !== 'RootFolder') return;
      state.includesLast = parseBool(attrs.IncludesLastItemInRange);
      state.nextOffset = parseIntValue(attrs.IndexedPagingOffset);
      state.total = parseIntValue(attrs.TotalItemsInView);
    },
    child(state, element, parent) {
      if (parent !== 'Folders' || !FOLDER_ELEMENTS.has(element.name)) return;
      const folder = parseFolder(element);
      if (folder) state.folders.push(folder);
    },
  }),
  result(messages) {
    const s = messages[0]!.data;
    const out: FindFolderResult = { folders: s.folders, includesLastItemInRange: s.includesLast ?? true };
    if (s.nextOffset !== undefined) out.nextOffset = s.nextOffset;
    if (s.total !== undefined) out.totalItemsInView = s.total;
    return out;
  },
};
