// Loading mailboxes from a JSON document (format in docs/simulator.md). Validation is
// deliberately plain: every error names the JSON path, so a broken fixture is obvious.

import { readFileSync } from 'node:fs';
import type { FolderInput, MailboxInput, MailboxStore } from './store.js';
import { type ItemInput, InputError } from './input.js';

export interface MailboxItemJson extends ItemInput {
  /** Folder key, distinguished name or display name; default `calendar`. */
  folder?: string;
}

export interface MailboxJson extends MailboxInput {
  folders?: FolderInput[];
  items?: MailboxItemJson[];
}

export interface MailboxFileJson {
  mailboxes: MailboxJson[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseMailboxFile(text: string): MailboxFileJson {
  const doc: unknown = JSON.parse(text);
  if (!isObject(doc) || !Array.isArray(doc.mailboxes)) throw new InputError('$.mailboxes: expected an array');
  doc.mailboxes.forEach((mb: unknown, i: number) => {
    if (!isObject(mb) || typeof mb.smtp !== 'string') throw new InputError(`$.mailboxes[${i}].smtp: expected a string`);
    if (mb.items !== undefined && !Array.isArray(mb.items)) throw new InputError(`$.mailboxes[${i}].items: expected an array`);
    if (mb.folders !== undefined && !Array.isArray(mb.folders)) throw new InputError(`$.mailboxes[${i}].folders: expected an array`);
    (mb.items as unknown[] | undefined)?.forEach((it, j) => {
      if (!isObject(it) || typeof it.start !== 'string' || typeof it.end !== 'string') {
        throw new InputError(`$.mailboxes[${i}].items[${j}]: start and end are required strings`);
      }
    });
  });
  return doc as unknown as MailboxFileJson;
}

/** Adds the mailboxes of a document to a store. */
export function loadMailboxes(store: MailboxStore, doc: MailboxFileJson): void {
  doc.mailboxes.forEach((m, i) => {
    const mb = store.addMailbox(m);
    for (const f of m.folders ?? []) store.addFolder(mb, f);
    (m.items ?? []).forEach((it, j) => {
      try {
        const { folder, ...item } = it;
        store.addItem(mb, folder ?? 'calendar', item);
      } catch (err) {
        throw new InputError(`$.mailboxes[${i}].items[${j}]: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
}

export function loadMailboxFile(store: MailboxStore, path: string): void {
  loadMailboxes(store, parseMailboxFile(readFileSync(path, 'utf8')));
}
