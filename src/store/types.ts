// The two contracts of the store (DESIGN.md): CalendarSource is what an upstream implements (EWS
// today, Graph next), CalendarStore is what the front-ends (CalDAV, ICS) read. Neither knows a
// wire format. In the spirit of sabre/dav's CalDAV BackendInterface: small, documented, async so
// a shared database can replace SQLite later.

import type { CalendarObject, UpstreamCalendar, UpstreamRef } from '../model/index.js';

// ---------------------------------------------------------------------------------------------
// Upstream side
// ---------------------------------------------------------------------------------------------

/** One page of upstream changes, applied and persisted together with `state` in one transaction. */
export interface SyncPage {
  /** Opaque upstream state after this page (EWS SyncState, Graph deltaLink/nextLink). */
  state: string;
  /** True on the last page of this pass: the calendar is now up to date. */
  complete: boolean;
  /** Items created or changed (masters and singles; an exception or occurrence change arrives as its master). */
  upserted: UpstreamRef[];
  /**
   * Upstream ids that are gone. An id that is an alias of a stored object (FetchResult.aliases:
   * a Graph occurrence or exception instance) means that object changed: it is fetched again.
   */
  deleted: string[];
}

export type FetchResult =
  | {
      ok: true;
      ref: UpstreamRef;
      object: CalendarObject;
      /**
       * Other upstream ids naming parts of this object (Graph: the occurrence and exception
       * instance ids inside the sync window). Stored with the object, so a later page naming one
       * of them in `deleted` refetches this object instead of losing the change.
       */
      aliases?: string[];
    }
  | { ok: false; ref: UpstreamRef; reason: 'not-found' | 'unsupported'; message?: string };

export interface SyncOptions {
  signal?: AbortSignal;
  /** Page size hint (EWS MaxChangesReturned ≤ 512). */
  pageSize?: number;
}

/**
 * An upstream mailbox. One instance per account (it holds that account's credentials/token).
 * Errors are EwsdavError with a category the engine acts on: 'auth' stops the account,
 * 'throttled' carries retryAfterMs, 'invalid-state' asks for a full resync.
 */
export interface CalendarSource {
  readonly api: 'ews' | 'graph';
  /** The mailbox address this source reads. */
  readonly mailbox: string;
  /** Every calendar folder of the mailbox (default, sub-folders, birthdays). */
  listCalendars(options?: { signal?: AbortSignal }): Promise<UpstreamCalendar[]>;
  /**
   * Changes since `state` (undefined = from scratch: every item comes as upserted). Pages are
   * yielded in order; the consumer persists each page's state only with that page's changes.
   */
  changes(calendar: UpstreamCalendar, state: string | undefined, options?: SyncOptions): AsyncIterable<SyncPage>;
  /** Full objects (master + overrides + deleted occurrences) for the given items; one result per ref, same order. */
  fetchObjects(calendar: UpstreamCalendar, refs: UpstreamRef[], options?: { signal?: AbortSignal }): Promise<FetchResult[]>;
  /**
   * Whether a stored `state` cannot continue incrementally and the next pass must be a full one
   * (a state written by the other API after `exchange.api` changed, a Graph window that slid too
   * far, a calendar that can only be listed). Absent: every state continues.
   */
  needsFullPass?(state: string): boolean;
  /** A cheap authenticated call proving the credentials (used by pass-through login and `ewsdav check`). */
  verify(options?: { signal?: AbortSignal }): Promise<{ serverVersion?: string }>;
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Front-end side
// ---------------------------------------------------------------------------------------------

export interface StoredCalendar {
  /** Stable across renames: derived from the upstream folder id. URL-safe. */
  id: string;
  user: string;
  displayName: string;
  kind: UpstreamCalendar['kind'];
  readOnly: boolean;
  /** Changes whenever any object changes (CalDAV getctag). */
  ctag: string;
  /** RFC 6578 token for the current state ('…/sync/<epoch>-<seq>' form, opaque to clients). */
  syncToken: string;
  /** Per-user presentation set by clients (PROPPATCH calendar-color / calendar-order). */
  color?: string;
  order?: number;
  /** Last successful sync of this calendar (epoch ms), undefined before the first. */
  lastSync?: number;
  /** Default zone of the calendar, an IANA id, for calendar-timezone. */
  timezone?: string;
}

export interface StoredObjectMeta {
  /** Resource name without path: '<safe uid>.ics'. */
  name: string;
  uid: string;
  /** Strong, quoted: '"<hash>"'. */
  etag: string;
  size: number;
  lastModified: number; // epoch ms
  /** UTC bounds of all instances (a series without end: +∞ as undefined) for time-range prefilters. */
  firstStart?: number;
  lastEnd?: number;
}

export interface StoredObject extends StoredObjectMeta {
  /** The iCalendar text served to clients (one VCALENDAR). */
  ical: string;
}

export type ChangesResult =
  | { ok: true; syncToken: string; changed: StoredObjectMeta[]; deleted: string[]; truncated: boolean }
  | { ok: false; reason: 'invalid-token' };

export interface CalendarStore {
  listCalendars(user: string): Promise<StoredCalendar[]>;
  getCalendar(user: string, calendarId: string): Promise<StoredCalendar | undefined>;
  listObjects(user: string, calendarId: string): Promise<StoredObjectMeta[]>;
  /** Objects by name; missing names are simply absent from the result. */
  getObjects(user: string, calendarId: string, names: string[]): Promise<StoredObject[]>;
  getObject(user: string, calendarId: string, name: string): Promise<StoredObject | undefined>;
  /** Objects whose instances may overlap [start, end) (UTC ms); a superset the caller filters exactly. */
  objectsInRange(user: string, calendarId: string, start: number | undefined, end: number | undefined): Promise<StoredObject[]>;
  /** RFC 6578: what changed after `syncToken` (undefined = initial: everything). */
  changesSince(user: string, calendarId: string, syncToken: string | undefined, limit?: number): Promise<ChangesResult>;
  setCalendarProperties(user: string, calendarId: string, props: { color?: string | null; order?: number | null }): Promise<void>;
}

/** Optional capability: front-ends may ask for fresher data; the engine decides (single-flight, stale-after). */
export interface RefreshSupport {
  refreshIfStale(user: string, calendarId?: string): Promise<void>;
}
