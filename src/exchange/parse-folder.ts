// A folder element (t:CalendarFolder, t:Folder, …; types.xsd BaseFolderType, EWS-NOTES §4) as the
// folder operations report it. Identify folders by FolderId, never by DisplayName.

import { NS_TYPES } from './namespaces.js';
import { parseBool, parseIntValue } from './parse-values.js';
import { child, childText, type XmlElement } from './xml-reader.js';

export interface FolderInfo {
  folderId: string;
  changeKey?: string;
  parentFolderId?: string;
  /** IPF.Appointment, IPF.Appointment.Birthday, … */
  folderClass?: string;
  displayName: string;
  totalCount?: number;
  childFolderCount?: number;
  /** The response element's name: CalendarFolder, Folder, SearchFolder … */
  element: string;
  /** EffectiveRights/CreateContents, when the shape asked for it. */
  canCreateContents?: boolean;
  /** EffectiveRights/Modify. */
  canModify?: boolean;
}

export const FOLDER_ELEMENTS: ReadonlySet<string> = new Set(['Folder', 'CalendarFolder', 'ContactsFolder', 'SearchFolder', 'TasksFolder']);

export function parseFolder(el: XmlElement): FolderInfo | undefined {
  const id = child(el, NS_TYPES, 'FolderId');
  if (!id?.attrs.Id) return undefined;
  const info: FolderInfo = { folderId: id.attrs.Id, displayName: childText(el, NS_TYPES, 'DisplayName') ?? '', element: el.name };
  if (id.attrs.ChangeKey) info.changeKey = id.attrs.ChangeKey;
  const parent = child(el, NS_TYPES, 'ParentFolderId')?.attrs.Id;
  if (parent) info.parentFolderId = parent;
  const folderClass = childText(el, NS_TYPES, 'FolderClass')?.trim();
  if (folderClass) info.folderClass = folderClass;
  const total = parseIntValue(childText(el, NS_TYPES, 'TotalCount'));
  if (total !== undefined) info.totalCount = total;
  const childCount = parseIntValue(childText(el, NS_TYPES, 'ChildFolderCount'));
  if (childCount !== undefined) info.childFolderCount = childCount;
  const rights = child(el, NS_TYPES, 'EffectiveRights');
  if (rights) {
    const create = parseBool(childText(rights, NS_TYPES, 'CreateContents'));
    const modify = parseBool(childText(rights, NS_TYPES, 'Modify'));
    if (create !== undefined) info.canCreateContents = create;
    if (modify !== undefined) info.canModify = modify;
  }
  return info;
}

export function folderFieldUris(version: { effectiveRights: boolean }): string[] {
  const uris = ['folder:FolderClass', 'folder:DisplayName', 'folder:TotalCount', 'folder:ChildFolderCount', 'folder:ParentFolderId'];
  if (version.effectiveRights) uris.push('folder:EffectiveRights');
  return uris;
}
