// Folder output (types.xsd BaseFolderType: FolderId, ParentFolderId, FolderClass,
// DisplayName, TotalCount, ChildFolderCount, …, EffectiveRights; FolderType adds UnreadCount).
// The Default shape is FolderId, DisplayName, TotalCount, ChildFolderCount (+ UnreadCount on
// t:Folder), as Exchange answers; FolderClass and ParentFolderId need AllProperties or
// AdditionalProperties.

import type { Folder, Mailbox } from '../mailbox/types.js';
import { XmlWriter } from '../xml/writer.js';
import type { OpContext } from './context.js';
import type { FolderShape } from './shape.js';

function elementName(f: Folder): string {
  const cls = f.folderClass ?? '';
  if (cls.startsWith('IPF.Appointment')) return 't:CalendarFolder';
  if (cls.startsWith('IPF.Contact')) return 't:ContactsFolder';
  if (cls.startsWith('IPF.Task')) return 't:TasksFolder';
  return 't:Folder';
}

export function childFolders(mb: Mailbox, key: string): Folder[] {
  return [...mb.folders.values()].filter((f) => f.parentKey === key);
}

export function folderFieldAccess(mb: Mailbox) {
  return {
    paths: new Set(['folder:FolderClass', 'folder:DisplayName', 'folder:TotalCount', 'folder:ChildFolderCount']),
    get(f: Folder, uri: string): string | number | undefined {
      switch (uri) {
        case 'folder:FolderClass': return f.folderClass;
        case 'folder:DisplayName': return f.displayName;
        case 'folder:TotalCount': return countItems(mb, f.key);
        case 'folder:ChildFolderCount': return childFolders(mb, f.key).length;
        default: return undefined;
      }
    },
  };
}

function countItems(mb: Mailbox, key: string): number {
  let n = 0;
  for (const item of mb.items.values()) if (item.folderKey === key) n++;
  return n;
}

export function writeFolder(w: XmlWriter, ctx: OpContext, mb: Mailbox, f: Folder, shape: FolderShape): void {
  const all = shape.base === 'AllProperties';
  const def = shape.base !== 'IdOnly';
  const want = (uri: string, inDefault: boolean): boolean => shape.additional.has(uri) || all || (def && inDefault);
  const el = elementName(f);
  const owner = mb === ctx.user;
  w.open(el);
  w.empty('t:FolderId', { Id: ctx.store.ids.folder(mb.smtp, f.key), ChangeKey: f.changeKey });
  if (want('folder:ParentFolderId', false) && f.parentKey) {
    const parent = mb.folders.get(f.parentKey);
    w.empty('t:ParentFolderId', { Id: ctx.store.ids.folder(mb.smtp, f.parentKey), ChangeKey: parent?.changeKey });
  }
  if (want('folder:FolderClass', false) && f.folderClass) w.text('t:FolderClass', f.folderClass);
  if (want('folder:DisplayName', true)) w.text('t:DisplayName', f.displayName);
  if (want('folder:TotalCount', true)) w.text('t:TotalCount', countItems(mb, f.key));
  if (want('folder:ChildFolderCount', true)) w.text('t:ChildFolderCount', childFolders(mb, f.key).length);
  if (want('folder:EffectiveRights', false)) {
    const write = owner && !f.readOnly;
    w.open('t:EffectiveRights').text('t:CreateAssociated', String(owner)).text('t:CreateContents', String(write))
      .text('t:CreateHierarchy', String(owner)).text('t:Delete', String(write)).text('t:Modify', String(write))
      .text('t:Read', 'true').text('t:ViewPrivateItems', String(owner)).close('t:EffectiveRights');
  }
  if (el === 't:Folder' && want('folder:UnreadCount', true)) w.text('t:UnreadCount', 0);
  w.close(el);
}

export function renderFolders(ctx: OpContext, mb: Mailbox, folders: readonly Folder[], shape: FolderShape): string {
  const w = new XmlWriter();
  for (const f of folders) writeFolder(w, ctx, mb, f, shape);
  return w.toString();
}
