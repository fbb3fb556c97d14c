// CalendarSource over EWS (src/store/types.ts): folders via GetFolder + FindFolder, changes via
// SyncFolderItems pages, full objects via batched GetItem of masters/singles and then of their
// modified occurrences (EWS-NOTES §5.3, §8.3, §10). One instance per mailbox; the transport may be
// shared by many sources (its concurrency cap is per mailbox).

import type { Logger } from 'pino';
import type { CalendarObject, TimeZoneRef, UpstreamCalendar, UpstreamRef } from '../model/index.js';
import type { CalendarSource, FetchResult, SyncOptions, SyncPage } from '../store/types.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { EwsdavError } from '../errors.js';
import { assembleCalendarObject } from './assemble.js';
import type { CallOptions, EwsTransport } from './call.js';
import type { FolderRef } from './operation.js';
import { getFolder } from './operations/get-folder.js';
import { getItem, type GetItemSlot } from './operations/get-item.js';
import { findAllFolders, syncPages } from './paging.js';
import type { ParsedCalendarItem } from './parse-calendar-item.js';
import type { FolderInfo } from './parse-folder.js';
import type { ServerVersionInfo } from './soap-response.js';

export interface EwsCalendarSourceOptions {
  transport: EwsTransport;
  auth: UpstreamAuth;
  /** Primary SMTP address of the mailbox to read. */
  mailbox: string;
  /**
   * Reading someone else's mailbox with delegate rights: the mailbox is named inside
   * DistinguishedFolderId (EWS-NOTES §4). Leave off for one's own mailbox and for impersonation.
   */
  delegate?: boolean;
  /** Zone for items that carry none (the mailbox's zone); default UTC. */
  defaultZone?: TimeZoneRef;
  bodyType?: 'Best' | 'HTML' | 'Text';
  logger?: Logger;
}

const BIRTHDAY_CLASS = 'IPF.Appointment.Birthday';

export function formatServerVersion(v: ServerVersionInfo | undefined): string | undefined {
  if (!v || v.majorVersion === undefined) return v?.version;
  const build = [v.majorVersion, v.minorVersion, v.majorBuildNumber, v.minorBuildNumber].filter((n) => n !== undefined).join('.');
  return v.version ? `${build} (${v.version})` : build;
}

export class EwsCalendarSource implements CalendarSource {
  readonly api = 'ews' as const;
  readonly mailbox: string;
  readonly #transport: EwsTransport;
  readonly #auth: UpstreamAuth;
  readonly #delegate: boolean;
  readonly #defaultZone: TimeZoneRef | undefined;
  readonly #bodyType: 'Best' | 'HTML' | 'Text';
  readonly #logger: Logger | undefined;

  constructor(options: EwsCalendarSourceOptions) {
    this.mailbox = options.mailbox;
    this.#transport = options.transport;
    this.#auth = options.auth;
    this.#delegate = options.delegate ?? false;
    this.#defaultZone = options.defaultZone;
    this.#bodyType = options.bodyType ?? 'Best';
    this.#logger = options.logger?.child({ mailbox: options.mailbox });
  }

  #call(signal: AbortSignal | undefined): CallOptions {
    return signal ? { auth: this.#auth, mailbox: this.mailbox, signal } : { auth: this.#auth, mailbox: this.mailbox };
  }

  #distinguished(id: 'calendar' | 'msgfolderroot'): FolderRef {
    return this.#delegate ? { distinguished: id, mailbox: this.mailbox } : { distinguished: id };
  }

  async verify(options: { signal?: AbortSignal } = {}): Promise<{ serverVersion?: string; schemaVersion?: string }> {
    const res = await this.#transport.call(getFolder, { folders: [this.#distinguished('calendar')] }, this.#call(options.signal));
    const slot = res.folders[0];
    if (!slot?.ok) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_NOT_FOUND', `${this.mailbox} has no calendar folder.`, { upstreamCode: slot?.code, mailbox: this.mailbox });
    const out: { serverVersion?: string; schemaVersion?: string } = {};
    const version = formatServerVersion(res.serverVersion);
    if (version) out.serverVersion = version;
    if (res.serverVersion?.version) out.schemaVersion = res.serverVersion.version;
    return out;
  }

  async listCalendars(options: { signal?: AbortSignal } = {}): Promise<UpstreamCalendar[]> {
    const call = this.#call(options.signal);
    const res = await this.#transport.call(getFolder, { folders: [this.#distinguished('calendar')] }, call);
    const slot = res.folders[0];
    if (!slot?.ok) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_NOT_FOUND', `${this.mailbox} has no calendar folder.`, { upstreamCode: slot?.code, mailbox: this.mailbox });
    const primary = slot.folder;
    let others: FolderInfo[] = [];
    try {
      others = await findAllFolders(this.#transport, call, this.#distinguished('msgfolderroot'), { logger: this.#logger });
    } catch (err) {
      // A delegate may see the calendar but not the folder tree: then the calendar is all there is.
      if (!(err instanceof EwsdavError) || err.code !== 'EWSDAV_ERR_UPSTREAM_ACCESS_DENIED') throw err;
      this.#logger?.info({ code: err.details.upstreamCode }, 'no access to the folder tree; listing only the default calendar');
    }
    // Search folders match the class restriction too, but hold no items of their own and cannot be synced.
    const folders = [primary, ...others.filter((f) => f.folderId !== primary.folderId && f.element !== 'SearchFolder' && (f.folderClass ?? '').startsWith('IPF.Appointment'))];
    const ids = new Set(folders.map((f) => f.folderId));
    return folders.map((f, i): UpstreamCalendar => {
      const kind = i === 0 ? 'default' : f.folderClass === BIRTHDAY_CLASS ? 'birthdays' : 'secondary';
      const cal: UpstreamCalendar = {
        upstreamId: f.folderId,
        name: f.displayName,
        kind,
        // The birthdays calendar is generated from contacts and cannot be written (§4).
        readOnly: kind === 'birthdays' || f.canCreateContents === false,
        mailbox: this.mailbox,
      };
      if (f.totalCount !== undefined) cal.itemCount = f.totalCount;
      if (f.parentFolderId && ids.has(f.parentFolderId)) cal.parentId = f.parentFolderId;
      return cal;
    });
  }

  async *changes(calendar: UpstreamCalendar, state: string | undefined, options: SyncOptions = {}): AsyncIterable<SyncPage> {
    const folder: FolderRef = { id: calendar.upstreamId };
    for await (const page of syncPages(this.#transport, this.#call(options.signal), folder, state, options.pageSize)) {
      const upserted = new Map<string, UpstreamRef>();
      const deleted: string[] = [];
      for (const c of page.changes) {
        if (c.type === 'delete') {
          upserted.delete(c.itemId);
          deleted.push(c.itemId);
        } else if (c.element === 'CalendarItem') {
          // Occurrences are not items; an exception's change arrives as an update of its master (§10).
          upserted.set(c.itemId, c.changeKey ? { id: c.itemId, changeKey: c.changeKey } : { id: c.itemId });
        }
      }
      yield { state: page.syncState, complete: page.includesLastItemInRange, upserted: [...upserted.values()], deleted };
    }
  }

  async fetchObjects(_calendar: UpstreamCalendar, refs: UpstreamRef[], options: { signal?: AbortSignal } = {}): Promise<FetchResult[]> {
    const call = this.#call(options.signal);
    const parse = this.#defaultZone ? { defaultZone: this.#defaultZone } : {};
    const slots = await this.#transport.call(getItem, { ids: refs.map((r) => ({ kind: 'item' as const, id: r.id })), bodyType: this.#bodyType, parse }, call);

    // Second round: every modified occurrence of every master in this batch, batched together.
    const exceptionIds = slots.flatMap((s) => (s.ok && s.item.itemType === 'RecurringMaster' ? s.item.modifiedOccurrences.map((o) => o.itemId) : []));
    const exceptions = new Map<string, ParsedCalendarItem>();
    if (exceptionIds.length > 0) {
      const exSlots = await this.#transport.call(getItem, { ids: exceptionIds.map((id) => ({ kind: 'item' as const, id })), bodyType: this.#bodyType, parse }, call);
      for (const s of exSlots) {
        if (s.ok) exceptions.set(s.item.itemId, s.item);
        // A vanished exception means the series changed meanwhile; the next sync brings the master again.
        else this.#logger?.debug({ code: s.code }, 'modified occurrence could not be fetched');
      }
    }
    return slots.map((slot, i) => this.#toResult(refs[i]!, slot, exceptions));
  }

  #toResult(ref: UpstreamRef, slot: GetItemSlot, exceptions: ReadonlyMap<string, ParsedCalendarItem>): FetchResult {
    if (!slot.ok) {
      if (slot.code === 'ErrorItemNotFound') return { ok: false, ref, reason: 'not-found' };
      return { ok: false, ref, reason: 'unsupported', message: `${slot.code}${slot.message ? `: ${slot.message}` : ''}` };
    }
    const item = slot.item;
    const current: UpstreamRef = item.changeKey ? { id: item.itemId, changeKey: item.changeKey } : { id: item.itemId };
    if (item.itemType === 'Occurrence' || item.itemType === 'Exception') {
      return { ok: false, ref: current, reason: 'unsupported', message: `an ${item.itemType.toLowerCase()} is fetched through its series master` };
    }
    if (item.recurrenceProblem) return { ok: false, ref: current, reason: 'unsupported', message: `recurrence: ${item.recurrenceProblem}` };
    const overrides = item.modifiedOccurrences.map((o) => exceptions.get(o.itemId)).filter((x): x is ParsedCalendarItem => x !== undefined);
    const object: CalendarObject = assembleCalendarObject(item, overrides);
    return { ok: true, ref: current, object };
  }

  async close(): Promise<void> {
    await this.#auth.close?.();
  }
}
