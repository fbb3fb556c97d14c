// The write side of the store, used only by the sync engine (front-ends read through
// CalendarStore). Kept beside types.ts so the engine depends on this interface and a shared
// database (PostgreSQL, DESIGN.md "Beyond one machine") can implement it later.

import type { UpstreamCalendar } from '../model/index.js';
import type { ErrorCategory } from '../errors.js';

/** One rendered calendar object ready to store (the engine renders, the store hashes and names). */
export interface PreparedObject {
  /** Upstream item id of the master (or single event). */
  upstreamId: string;
  changeKey?: string;
  uid: string;
  ical: string;
  firstStart?: number;
  lastEnd?: number;
  /** Other upstream ids naming parts of this object (FetchResult.aliases); undefined: keep the stored ones. */
  aliases?: string[];
}

/** One upstream page with its objects, applied in ONE transaction together with `state`. */
export interface PageWrite {
  state: string;
  /** Last page of the pass: a full pass deletes what it did not see. */
  complete: boolean;
  upserts: PreparedObject[];
  /** Items a full pass saw with their stored ChangeKey: marked seen, not refetched, not changed. */
  unchanged: string[];
  /** Upstream ids that are gone (deleted upstream, or not found when fetched). */
  deleted: string[];
}

export interface PageOutcome {
  /** Objects whose served bytes changed (added or modified). */
  changed: number;
  /** Objects removed, including those a completed full pass did not see. */
  deleted: number;
  /** Objects re-delivered with byte-identical iCalendar: nothing changed, ETag kept. */
  identical: number;
  /** The calendar's change sequence after the page. */
  seq: number;
}

export interface CalendarSyncInfo {
  id: string;
  upstreamId: string;
  displayName: string;
  kind: UpstreamCalendar['kind'];
  readOnly: boolean;
  /** Upstream state to continue from; undefined: a full pass must (re)start. */
  syncState?: string;
  /** A full pass is under way (possibly interrupted by a restart): continue it from syncState. */
  inFullPass: boolean;
  lastSync?: number;
}

export type AccountState = 'new' | 'ok' | 'error' | 'needs-credentials';

export interface AccountRecord {
  user: string;
  state: AccountState;
  errorClass?: ErrorCategory;
  errorMessage?: string;
  lastSuccess?: number;
  lastAttempt?: number;
  needsCredentials: boolean;
}

export type AccountPatch = Partial<Omit<AccountRecord, 'user'>>;

export interface CalendarListChange {
  added: string[];
  removed: string[];
  calendars: CalendarSyncInfo[];
}

export interface SyncTarget {
  ensureAccount(user: string): Promise<AccountRecord>;
  getAccount(user: string): Promise<AccountRecord | undefined>;
  /** Fields set to undefined are cleared. */
  updateAccount(user: string, patch: AccountPatch): Promise<void>;
  /** Drops the account with its calendars, objects and change log. */
  removeAccount(user: string): Promise<void>;
  /** Makes the user's calendars exactly `calendars` (matched by upstream id; renames keep ids). */
  replaceCalendars(user: string, calendars: UpstreamCalendar[]): Promise<CalendarListChange>;
  calendarsForSync(user: string): Promise<CalendarSyncInfo[]>;
  getSyncInfo(user: string, calendarId: string): Promise<CalendarSyncInfo | undefined>;
  /** Forgets the upstream state and starts a full pass; stored objects stay served meanwhile. */
  beginFullPass(user: string, calendarId: string): Promise<void>;
  /** Stored ChangeKeys of the given upstream ids (absent: not stored or no key). */
  knownChangeKeys(user: string, calendarId: string, upstreamIds: string[]): Promise<Map<string, string>>;
  /** Owners (object upstream ids) of those of `ids` that are aliases of stored objects. */
  resolveAliases(user: string, calendarId: string, ids: string[]): Promise<Map<string, string>>;
  /** Objects, change log, seq and `state` in one transaction; undefined if the calendar is gone. */
  applyPage(user: string, calendarId: string, page: PageWrite, now: number): Promise<PageOutcome | undefined>;
  /** Deletes tombstones older than `before` (epoch ms); tokens that could need them become invalid. */
  pruneTombstones(before: number): Promise<number>;
  saveVerifier(user: string, verifier: string, now: number): Promise<void>;
  getVerifier(user: string): Promise<string | undefined>;
}
