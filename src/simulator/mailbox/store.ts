// The set of mailboxes a simulator serves, and every mutation of them. Each mutation bumps
// the change key and appends to the folder's journal, which SyncFolderItems replays
// (EWS-NOTES §10). Knows nothing about SOAP.

import { randomBytes } from 'node:crypto';
import { firstDate } from '../recurrence/expand.js';
import { DAY_MS } from '../recurrence/dates.js';
import { localToUtc, utcToLocal } from '../recurrence/zones.js';
import { IdCodec, globalObjectIdHex } from './ids.js';
import {
  type EventInput, type ExceptionInput, type ItemInput, InputError, applyEventInput, checkRecurrence, emptyFields,
  timeFromInput, zoneFromInput,
} from './input.js';
import { instanceByIndex, instanceByOriginalStart } from './occurrences.js';
import type { Folder, JournalEntry, Mailbox, StoredItem } from './types.js';

export interface Clock { now(): number }

export interface MailboxInput {
  smtp: string;
  displayName?: string;
  password?: string;
  logonNames?: string[];
  timeZone?: string;
  delegates?: string[];
  canImpersonate?: boolean;
}

export interface FolderInput {
  key?: string;
  displayName: string;
  folderClass?: string;
  /** Parent folder key or distinguished name; default `msgfolderroot`. */
  parent?: string;
  readOnly?: boolean;
}

/** Occurrence selector: original start (input time format) or 1-based instance index. */
export type OccurrenceRef = { originalStart: string } | { instanceIndex: number };

/** The well-known folders every mailbox has (WSR/distinguishedfolderid). */
const STANDARD_FOLDERS: ReadonlyArray<[string, string, string | undefined, string | undefined]> = [
  ['root', 'Root', undefined, undefined],
  ['msgfolderroot', 'Top of Information Store', undefined, 'root'],
  ['calendar', 'Calendar', 'IPF.Appointment', 'msgfolderroot'],
  ['inbox', 'Inbox', 'IPF.Note', 'msgfolderroot'],
  ['contacts', 'Contacts', 'IPF.Contact', 'msgfolderroot'],
  ['tasks', 'Tasks', 'IPF.Task', 'msgfolderroot'],
  ['deleteditems', 'Deleted Items', 'IPF.Note', 'msgfolderroot'],
  ['sentitems', 'Sent Items', 'IPF.Note', 'msgfolderroot'],
  ['drafts', 'Drafts', 'IPF.Note', 'msgfolderroot'],
  ['notes', 'Notes', 'IPF.StickyNote', 'msgfolderroot'],
  ['journal', 'Journal', 'IPF.Journal', 'msgfolderroot'],
  ['junkemail', 'Junk Email', 'IPF.Note', 'msgfolderroot'],
  ['outbox', 'Outbox', 'IPF.Note', 'msgfolderroot'],
];

export class MailboxStore {
  readonly ids: IdCodec;
  readonly mailboxes = new Map<string, Mailbox>();
  private seq = 0;
  private keyCounter = 0;

  constructor(readonly clock: Clock, readonly secret: Buffer = randomBytes(32)) {
    this.ids = new IdCodec(secret);
  }

  get journalSeq(): number {
    return this.seq;
  }

  addMailbox(input: MailboxInput): Mailbox {
    const smtp = input.smtp.toLowerCase();
    if (this.mailboxes.has(smtp)) throw new InputError(`mailbox ${smtp} exists`);
    const mb: Mailbox = {
      smtp, displayName: input.displayName ?? smtp, password: input.password, logonNames: input.logonNames ?? [],
      timeZone: input.timeZone ?? 'UTC', delegates: (input.delegates ?? []).map((d) => d.toLowerCase()),
      canImpersonate: input.canImpersonate ?? false, folders: new Map(), items: new Map(), journals: new Map(),
    };
    zoneFromInput(mb.timeZone, 'UTC');
    this.mailboxes.set(smtp, mb);
    for (const [key, name, cls, parent] of STANDARD_FOLDERS) {
      this.putFolder(mb, { key, displayName: name, folderClass: cls, parentKey: parent, distinguished: key, readOnly: false });
    }
    return mb;
  }

  mailbox(smtp: string): Mailbox | undefined {
    return this.mailboxes.get(smtp.toLowerCase());
  }

  requireMailbox(smtp: string): Mailbox {
    const mb = this.mailbox(smtp);
    if (!mb) throw new InputError(`no mailbox ${smtp}`);
    return mb;
  }

  /** A folder by key, distinguished name or display name. */
  folder(mb: Mailbox, ref: string): Folder | undefined {
    const direct = mb.folders.get(ref);
    if (direct) return direct;
    for (const f of mb.folders.values()) if (f.distinguished === ref || f.displayName === ref) return f;
    return undefined;
  }

  addFolder(mb: Mailbox, input: FolderInput): Folder {
    const parent = this.folder(mb, input.parent ?? 'msgfolderroot');
    if (!parent) throw new InputError(`no parent folder ${input.parent}`);
    const key = input.key ?? `f${++this.keyCounter}`;
    if (mb.folders.has(key)) throw new InputError(`folder key ${key} exists`);
    return this.putFolder(mb, {
      key, displayName: input.displayName, folderClass: input.folderClass ?? 'IPF.Appointment', parentKey: parent.key,
      readOnly: input.readOnly ?? false,
    });
  }

  private putFolder(mb: Mailbox, f: Omit<Folder, 'changeKey'>): Folder {
    const folder: Folder = { ...f, changeKey: this.ids.folderChangeKey(`${mb.smtp}/${f.key}`, 0) };
    mb.folders.set(folder.key, folder);
    mb.journals.set(folder.key, []);
    return folder;
  }

  addItem(mb: Mailbox, folderRef: string, input: ItemInput): StoredItem {
    const folder = this.folder(mb, folderRef);
    if (!folder) throw new InputError(`no folder ${folderRef}`);
    const now = this.clock.now();
    const startZone = zoneFromInput(input.timeZone, mb.timeZone);
    const endZone = input.endTimeZone !== undefined ? zoneFromInput(input.endTimeZone, mb.timeZone) : startZone;
    const key = input.key ?? `i${++this.keyCounter}`;
    if (mb.items.has(key)) throw new InputError(`item key ${key} exists`);
    const created = input.created ? timeFromInput(input.created, startZone) : now;
    const item: StoredItem = {
      key, mailbox: mb.smtp, folderKey: folder.key, itemClass: input.itemClass ?? 'IPM.Appointment',
      uid: input.uid ?? globalObjectIdHex(created, `${mb.smtp}/${key}`), created,
      lastModified: input.lastModified ? timeFromInput(input.lastModified, startZone) : created,
      changeCounter: 0, changeKey: '', startZone, endZone,
      fields: applyEventInput(emptyFields(now), input, startZone, endZone, now),
      exceptions: new Map(), deletedOccurrences: new Set(),
    };
    if (input.recurrence) {
      checkRecurrence(input.recurrence);
      item.recurrence = structuredClone(input.recurrence);
      alignMasterToFirstInstance(item);
    }
    item.changeKey = this.ids.itemChangeKey(`${mb.smtp}/${key}`, 0);
    for (const d of input.deletedOccurrences ?? []) this.markDeleted(item, d);
    for (const ex of input.exceptions ?? []) this.putException(item, ex, now);
    mb.items.set(key, item);
    this.journal(mb, folder.key, key, 'create');
    return item;
  }

  updateItem(mb: Mailbox, key: string, patch: Partial<ItemInput>): StoredItem {
    const item = this.requireItem(mb, key);
    const now = this.clock.now();
    if (patch.timeZone !== undefined) item.startZone = zoneFromInput(patch.timeZone, mb.timeZone);
    if (patch.endTimeZone !== undefined) item.endZone = zoneFromInput(patch.endTimeZone, mb.timeZone);
    const timingChanged = patch.start !== undefined || patch.end !== undefined || patch.recurrence !== undefined || patch.timeZone !== undefined;
    item.fields = applyEventInput(item.fields, patch, item.startZone, item.endZone, now);
    if (patch.recurrence !== undefined) {
      checkRecurrence(patch.recurrence);
      item.recurrence = structuredClone(patch.recurrence);
    }
    if (item.recurrence && timingChanged) {
      // Outlook drops all exceptions when a series' time or pattern changes.
      item.exceptions.clear();
      item.deletedOccurrences.clear();
      alignMasterToFirstInstance(item);
    }
    if (patch.uid !== undefined) item.uid = patch.uid;
    this.touch(mb, item, now);
    return item;
  }

  deleteItem(mb: Mailbox, key: string): void {
    const item = this.requireItem(mb, key);
    mb.items.delete(key);
    this.journal(mb, item.folderKey, key, 'delete');
  }

  /** Turns an occurrence into an exception (or changes an existing one); the master's change key moves too. */
  modifyOccurrence(mb: Mailbox, key: string, ref: OccurrenceRef, patch: EventInput): StoredItem {
    const item = this.requireSeries(mb, key);
    const original = this.resolveOccurrence(item, ref);
    const now = this.clock.now();
    this.putException(item, { ...patch, originalStart: new Date(original).toISOString() }, now);
    this.touch(mb, item, now);
    return item;
  }

  deleteOccurrence(mb: Mailbox, key: string, ref: OccurrenceRef): StoredItem {
    const item = this.requireSeries(mb, key);
    const original = this.resolveOccurrence(item, ref);
    item.exceptions.delete(original);
    item.deletedOccurrences.add(original);
    this.touch(mb, item, this.clock.now());
    return item;
  }

  /** Journal entries of a folder after `seq`, in order. */
  changesSince(mb: Mailbox, folderKey: string, seq: number): JournalEntry[] {
    const j = mb.journals.get(folderKey) ?? [];
    let lo = 0;
    let hi = j.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((j[mid]?.seq ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return j.slice(lo);
  }

  requireItem(mb: Mailbox, key: string): StoredItem {
    const item = mb.items.get(key);
    if (!item) throw new InputError(`no item ${key} in ${mb.smtp}`);
    return item;
  }

  private requireSeries(mb: Mailbox, key: string): StoredItem {
    const item = this.requireItem(mb, key);
    if (!item.recurrence) throw new InputError(`item ${key} is not a recurring series`);
    return item;
  }

  private resolveOccurrence(item: StoredItem, ref: OccurrenceRef): number {
    const found = 'instanceIndex' in ref
      ? instanceByIndex(item, ref.instanceIndex)
      : instanceByOriginalStart(item, timeFromInput(ref.originalStart, item.startZone));
    if (typeof found === 'string') throw new InputError(`occurrence ${JSON.stringify(ref)} is ${found}`);
    return found.originalStart;
  }

  private markDeleted(item: StoredItem, originalStart: string): void {
    item.deletedOccurrences.add(this.resolveOccurrence(item, { originalStart }));
  }

  private putException(item: StoredItem, ex: ExceptionInput, now: number): void {
    const original = this.resolveOccurrence(item, { originalStart: ex.originalStart });
    const existing = item.exceptions.get(original);
    const found = instanceByOriginalStart(item, original);
    if (typeof found === 'string') throw new InputError(`occurrence ${ex.originalStart} is ${found}`);
    const base = existing?.fields ?? found.fields;
    const fields = applyEventInput(base, ex, item.startZone, item.endZone, now);
    const counter = (existing?.changeCounter ?? 0) + 1;
    item.exceptions.set(original, {
      fields, changeCounter: counter, lastModified: now,
      changeKey: this.ids.itemChangeKey(`${item.mailbox}/${item.key}/${original}`, counter),
    });
  }

  private touch(mb: Mailbox, item: StoredItem, now: number): void {
    item.changeCounter++;
    item.lastModified = now;
    item.changeKey = this.ids.itemChangeKey(`${mb.smtp}/${item.key}`, item.changeCounter);
    this.journal(mb, item.folderKey, item.key, 'update');
  }

  private journal(mb: Mailbox, folderKey: string, itemKey: string, kind: JournalEntry['kind']): void {
    let j = mb.journals.get(folderKey);
    if (!j) mb.journals.set(folderKey, (j = []));
    j.push({ seq: ++this.seq, itemKey, kind });
  }
}

/** Exchange makes a master's Start the first instance of its pattern, keeping the local time of day. */
function alignMasterToFirstInstance(item: StoredItem): void {
  if (!item.recurrence) return;
  const first = firstDate(item.recurrence);
  if (first === undefined) throw new InputError('the recurrence has no occurrences');
  const localStart = utcToLocal(item.startZone, item.fields.start);
  const localEnd = utcToLocal(item.endZone, item.fields.end);
  const tod = ((localStart % DAY_MS) + DAY_MS) % DAY_MS;
  const shift = first * DAY_MS + tod - localStart;
  if (shift === 0) return;
  item.fields.start = localToUtc(item.startZone, localStart + shift);
  item.fields.end = localToUtc(item.endZone, localEnd + shift);
}
