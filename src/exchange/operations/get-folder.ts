// GetFolder (WSR/getfolder-operation): folders by id or distinguished name, one slot per id.
// verify() uses it on the calendar because it is cheap and returns ServerVersionInfo.

import { versionAtLeast } from '../namespaces.js';
import { fieldUris, folderIdXml, type EwsOperation, type FolderRef } from '../operation.js';
import { FOLDER_ELEMENTS, folderFieldUris, parseFolder, type FolderInfo } from '../parse-folder.js';
import type { ServerVersionInfo } from '../soap-response.js';
import { el, textEl } from '../xml-writer.js';

export interface GetFolderArgs {
  folders: FolderRef[];
}

export type FolderSlot = { ok: true; folder: FolderInfo } | { ok: false; code: string; message?: string };

export interface GetFolderResult {
  folders: FolderSlot[];
  serverVersion?: ServerVersionInfo;
}

interface State {
  folder?: FolderInfo;
}

export const getFolder: EwsOperation<GetFolderArgs, GetFolderResult, State> = {
  name: 'GetFolder',
  request(args, ctx) {
    return el(
      'm:GetFolder',
      undefined,
      el(
        'm:FolderShape',
        undefined,
        textEl('t:BaseShape', 'IdOnly'),
        el('t:AdditionalProperties', undefined, fieldUris(folderFieldUris({ effectiveRights: versionAtLeast(ctx.version, 'Exchange2007_SP1') }))),
      ),
      el('m:FolderIds', undefined, ...args.folders.map(folderIdXml)),
    );
  },
  response: () => ({
    containers: new Set(['Folders']),
    init: () => ({}),
    child(state, element, parent) {
      if (parent === 'Folders' && FOLDER_ELEMENTS.has(element.name)) state.folder = parseFolder(element);
    },
  }),
  slotErrors: new Set(['ErrorFolderNotFound']),
  result(messages, _args, ctx) {
    const folders = messages.map((m): FolderSlot => {
      if (m.responseClass === 'Error') return { ok: false, code: m.responseCode, ...(m.messageText ? { message: m.messageText } : {}) };
      return m.data.folder ? { ok: true, folder: m.data.folder } : { ok: false, code: 'ErrorFolderNotFound' };
    });
    return ctx.serverVersion ? { folders, serverVersion: ctx.serverVersion } : { folders };
  },
};
