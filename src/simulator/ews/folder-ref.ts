// Folder identifiers in requests: t:FolderId and t:DistinguishedFolderId (with an optional
// t:Mailbox for another user's folder; WSR/distinguishedfolderid, EWS-NOTES §4).

import type { Folder, Mailbox } from '../mailbox/types.js';
import type { XmlNode } from '../xml/parser.js';
import type { OpContext } from './context.js';
import { EwsError } from './errors.js';
import { NS_T } from './namespaces.js';
import { allowAttrs, enumValue, requiredAttr, schemaError, sequence } from './schema.js';

/** DistinguishedFolderIdNameType (types.xsd, Exchange 2016). */
export const DISTINGUISHED_NAMES = [
  'calendar', 'contacts', 'deleteditems', 'drafts', 'inbox', 'journal', 'notes', 'outbox', 'sentitems', 'tasks',
  'msgfolderroot', 'publicfoldersroot', 'root', 'junkemail', 'searchfolders', 'voicemail', 'recoverableitemsroot',
  'recoverableitemsdeletions', 'recoverableitemsversions', 'recoverableitemspurges', 'archiveroot',
  'archivemsgfolderroot', 'archivedeleteditems', 'archiveinbox', 'archiverecoverableitemsroot',
  'archiverecoverableitemsdeletions', 'archiverecoverableitemsversions', 'archiverecoverableitemspurges',
  'syncissues', 'conflicts', 'localfailures', 'serverfailures', 'recipientcache', 'quickcontacts',
  'conversationhistory', 'adminauditlogs', 'todosearch', 'mycontacts', 'directory', 'imcontactlist',
  'peopleconnect', 'favorites',
] as const;

export type FolderRef =
  | { kind: 'id'; id: string }
  | { kind: 'distinguished'; name: string; mailbox?: string };

export function parseFolderRef(node: XmlNode): FolderRef {
  if (node.ns === NS_T && node.local === 'FolderId') {
    allowAttrs(node, ['Id', 'ChangeKey']);
    return { kind: 'id', id: requiredAttr(node, 'Id') };
  }
  if (node.ns === NS_T && node.local === 'DistinguishedFolderId') {
    allowAttrs(node, ['Id', 'ChangeKey']);
    const name = enumValue(node, 'Id', requiredAttr(node, 'Id'), DISTINGUISHED_NAMES, 'DistinguishedFolderIdNameType');
    const groups = sequence(node, [{ name: 'Mailbox', ns: 't', min: 0 }]);
    const mbNode = groups.get('Mailbox')?.[0];
    if (!mbNode) return { kind: 'distinguished', name };
    const parts = sequence(mbNode, [
      { name: 'Name', ns: 't', min: 0 }, { name: 'EmailAddress', ns: 't', min: 0 }, { name: 'RoutingType', ns: 't', min: 0 },
      { name: 'MailboxType', ns: 't', min: 0 }, { name: 'ItemId', ns: 't', min: 0 }, { name: 'OriginalDisplayName', ns: 't', min: 0 },
    ]);
    const email = parts.get('EmailAddress')?.[0]?.text.trim();
    return { kind: 'distinguished', name, mailbox: email ?? '' };
  }
  throw schemaError(node, `The element '${node.local}' in namespace '${node.ns}' is not a folder id.`);
}

export interface ResolvedFolder { mailbox: Mailbox; folder: Folder }

/** Resolves a folder reference for the caller; errors are per-slot EwsErrors. */
export function resolveFolder(ctx: OpContext, ref: FolderRef): ResolvedFolder {
  if (ref.kind === 'distinguished') {
    const mailbox = ctx.openMailbox(ref.mailbox);
    const folder = ctx.store.folder(mailbox, ref.name);
    // A valid name the simulated mailbox lacks (archive, public folders…).
    if (!folder || folder.distinguished !== ref.name) throw new EwsError('ErrorFolderNotFound');
    return { mailbox, folder };
  }
  const decoded = ctx.store.ids.decode(ref.id);
  if (!decoded || decoded.kind !== 'folder') throw new EwsError('ErrorInvalidIdMalformed');
  const mailbox = ctx.openMailbox(decoded.mailbox);
  const folder = mailbox.folders.get(decoded.key);
  if (!folder) throw new EwsError('ErrorItemNotFound');
  return { mailbox, folder };
}
