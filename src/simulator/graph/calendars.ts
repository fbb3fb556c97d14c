// GET …/calendars, …/calendar and …/calendars/{id}: every calendar folder of the mailbox, the
// same set and order the EWS FindFolder (Deep below msgfolderroot, FolderClass IPF.Appointment*)
// returns, as v1.0 calendar resources. Ids are the EWS FolderIds in URL-safe form.

import type { MailboxStore } from '../mailbox/store.js';
import type { Folder, Mailbox } from '../mailbox/types.js';
import { GraphError, fromGraphId, malformedId, toGraphId } from './http.js';

export const CALENDAR_PROPERTIES: ReadonlySet<string> = new Set([
  'id', 'name', 'color', 'hexColor', 'isDefaultCalendar', 'changeKey', 'canShare', 'canViewPrivateItems', 'canEdit',
  'isRemovable', 'isTallyingResponses', 'owner', 'allowedOnlineMeetingProviders', 'defaultOnlineMeetingProvider',
]);

const isCalendar = (f: Folder): boolean => (f.folderClass ?? '').startsWith('IPF.Appointment');

/** Calendar folders in FindFolder Deep order (depth first below msgfolderroot). */
export function calendarFolders(mb: Mailbox): Folder[] {
  const out: Folder[] = [];
  const walk = (parent: string): void => {
    for (const f of mb.folders.values()) {
      if (f.parentKey !== parent) continue;
      if (isCalendar(f)) out.push(f);
      walk(f.key);
    }
  };
  walk('msgfolderroot');
  return out;
}

export function defaultCalendar(mb: Mailbox): Folder {
  const f = [...mb.folders.values()].find((x) => x.distinguished === 'calendar');
  if (!f) throw new Error(`mailbox ${mb.smtp} has no calendar folder`);
  return f;
}

/** A calendar folder of `mb` by its Graph id. */
export function calendarById(store: MailboxStore, mb: Mailbox, graphId: string): Folder {
  const ews = fromGraphId(graphId);
  if (ews === undefined) throw malformedId();
  const d = store.ids.decode(ews);
  if (!d) throw malformedId();
  const f = d.kind === 'folder' && d.mailbox === mb.smtp ? mb.folders.get(d.key) : undefined;
  if (!f || !isCalendar(f)) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  return f;
}

/** `principalSmtp`: whose token reads it — a delegate may not edit, share or see private items. */
export function calendarJson(store: MailboxStore, mb: Mailbox, f: Folder, principalSmtp: string | undefined): Record<string, unknown> {
  const owner = principalSmtp === mb.smtp;
  const isDefault = f.distinguished === 'calendar';
  const birthdays = (f.folderClass ?? '') === 'IPF.Appointment.Birthday';
  const editable = owner && !f.readOnly;
  return {
    id: toGraphId(store.ids.folder(mb.smtp, f.key)),
    name: f.displayName,
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: isDefault,
    changeKey: f.changeKey,
    canShare: editable && !birthdays,
    canViewPrivateItems: owner,
    canEdit: editable && !birthdays,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: isDefault,
    isRemovable: !isDefault && !birthdays && editable,
    owner: { name: mb.displayName, address: mb.smtp },
  };
}
