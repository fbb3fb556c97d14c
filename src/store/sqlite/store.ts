// The embedded store: one SQLite file (store.db) in the data folder, read by front-ends through
// CalendarStore and written by the sync engine through SyncTarget. Knows no EWS, DAV or iCalendar.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { UpstreamCalendar } from '../../model/index.js';
import type { CalendarStore, ChangesResult, StoredCalendar, StoredObject, StoredObjectMeta } from '../types.js';
import type { AccountPatch, AccountRecord, CalendarListChange, CalendarSyncInfo, PageOutcome, PageWrite, SyncTarget } from '../sync-target.js';
import { migrate } from './schema.js';
import { SqliteWrites, SYNC_INFO_COLUMNS, toSyncInfo } from './writes.js';
import { AccountRows } from './accounts.js';
import { formatCtag, formatSyncToken, parseSyncToken } from '../ids.js';
import { FeedTokenRows } from './feed-rows.js';
import { DevicePasswordRows, OAuthGrantRows } from './oauth-rows.js';

export interface SqliteStoreOptions {
  /** Folder holding store.db (created if missing); ':memory:' for a throwaway store in tests. */
  dataDir: string;
}

interface CalendarRow {
  pk: number;
  user: string;
  id: string;
  display_name: string;
  kind: StoredCalendar['kind'];
  read_only: number;
  timezone: string | null;
  epoch: string;
  seq: number;
  min_seq: number;
  last_sync: number | null;
  color: string | null;
  sort_order: number | null;
}
interface ObjectRow {
  name: string;
  uid: string;
  etag: string;
  size: number;
  last_modified: number;
  first_start: number | null;
  last_end: number | null;
  ical?: string;
}
interface ChangeRow extends Partial<ObjectRow> {
  seq: number;
  change_name: string;
  op: 'put' | 'delete';
}

const META = 'o.name, o.uid, o.etag, o.size, o.last_modified, o.first_start, o.last_end';
const FULL = `${META}, o.ical`;
const CAL = 'FROM objects o JOIN calendars c ON c.pk = o.calendar WHERE c.user = ? AND c.id = ?';

function toMeta(r: ObjectRow): StoredObjectMeta {
  const m: StoredObjectMeta = { name: r.name, uid: r.uid, etag: r.etag, size: r.size, lastModified: r.last_modified };
  if (r.first_start !== null) m.firstStart = r.first_start;
  if (r.last_end !== null) m.lastEnd = r.last_end;
  return m;
}
function toObject(r: ObjectRow): StoredObject {
  return { ...toMeta(r), ical: r.ical ?? '' };
}
function toCalendar(r: CalendarRow): StoredCalendar {
  const c: StoredCalendar = {
    id: r.id, user: r.user, displayName: r.display_name, kind: r.kind, readOnly: r.read_only === 1,
    ctag: formatCtag(r.epoch, r.seq), syncToken: formatSyncToken(r.epoch, r.seq),
  };
  if (r.color !== null) c.color = r.color;
  if (r.sort_order !== null) c.order = r.sort_order;
  if (r.last_sync !== null) c.lastSync = r.last_sync;
  if (r.timezone !== null) c.timezone = r.timezone;
  return c;
}

export class SqliteStore implements CalendarStore, SyncTarget {
  readonly db: Database.Database;
  private readonly writes: SqliteWrites;
  private readonly accounts: AccountRows;
  private readonly s;
  /** Secret-token ICS feeds (rows only; src/feed gives them meaning). */
  readonly feedTokens: FeedTokenRows;
  /** Exchange Online grants (sealed msal caches) and device passwords (verifiers only). */
  readonly oauthGrants: OAuthGrantRows;
  readonly devicePasswords: DevicePasswordRows;

  constructor(options: SqliteStoreOptions) {
    let file = ':memory:';
    if (options.dataDir !== ':memory:') {
      mkdirSync(options.dataDir, { recursive: true });
      file = join(options.dataDir, 'store.db');
    }
    this.db = new Database(file);
    // WAL: readers (client requests) never block on the sync writer. synchronous=FULL: each
    // commit is fsynced, so a sync token handed to a client survives a power loss; with NORMAL a
    // lost tail could reuse a seq for different content and a client would silently miss
    // changes. Commits are per page (up to 512 objects), so FULL costs one fsync per page.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.writes = new SqliteWrites(this.db);
    this.accounts = new AccountRows(this.db);
    const p = <R = unknown>(sql: string) => this.db.prepare<unknown[], R>(sql);
    this.s = {
      calendars: p<CalendarRow>(`SELECT * FROM calendars WHERE user = ? ORDER BY kind != 'default', coalesce(sort_order, 1e9), display_name, id`),
      calendar: p<CalendarRow>('SELECT * FROM calendars WHERE user = ? AND id = ?'),
      list: p<ObjectRow>(`SELECT ${META} ${CAL} ORDER BY o.name`),
      one: p<ObjectRow>(`SELECT ${FULL} ${CAL} AND o.name = ?`),
      many: p<ObjectRow>(`SELECT ${FULL} ${CAL} AND o.name IN (SELECT value FROM json_each(?)) ORDER BY o.name`),
      // Overlap with [start, end): unknown bounds (NULL) always pass; the caller filters exactly.
      // last_end >= start, not >: a zero-length event at `start` overlaps (RFC 4791 §9.9).
      range: p<ObjectRow>(
        `SELECT ${FULL} ${CAL} AND (o.first_start IS NULL OR o.first_start < ?) AND (o.last_end IS NULL OR o.last_end >= ?) ORDER BY o.name`,
      ),
      changesAfter: p<ChangeRow>(
        `SELECT ch.seq, ch.name AS change_name, ch.op, ${META} FROM changes ch
         LEFT JOIN objects o ON o.calendar = ch.calendar AND o.name = ch.name
         WHERE ch.calendar = ? AND ch.seq > ? ORDER BY ch.seq LIMIT ?`,
      ),
      initial: p<ChangeRow>(
        `SELECT ch.seq, ch.name AS change_name, ch.op, ${META} FROM changes ch
         JOIN objects o ON o.calendar = ch.calendar AND o.name = ch.name
         WHERE ch.calendar = ? AND ch.op = 'put' ORDER BY ch.seq LIMIT ?`,
      ),
      setProps: p('UPDATE calendars SET color = ?, sort_order = ? WHERE user = ? AND id = ?'),
      syncInfo: p<Parameters<typeof toSyncInfo>[0]>(`SELECT ${SYNC_INFO_COLUMNS} FROM calendars WHERE user = ? AND id = ?`),
      syncInfos: p<Parameters<typeof toSyncInfo>[0]>(`SELECT ${SYNC_INFO_COLUMNS} FROM calendars WHERE user = ? ORDER BY kind != 'default', display_name, id`),
      beginPass: p('UPDATE calendars SET sync_state = NULL, in_full_pass = 1, pass = pass + 1 WHERE user = ? AND id = ?'),
      // Driven from the id list through the (calendar, upstream_id) index: one probe per id.
      aliasOwners: p<{ alias: string; upstream_id: string }>(
        `SELECT a.alias, a.upstream_id FROM calendars c CROSS JOIN json_each(?) j CROSS JOIN object_aliases a
         WHERE c.user = ? AND c.id = ? AND a.calendar = c.pk AND a.alias = j.value`,
      ),
      changeKeys: p<{ upstream_id: string; change_key: string }>(
        // CROSS JOIN fixes the loop order: SQLite's planner otherwise scans objects.
        `SELECT o.upstream_id, o.change_key FROM calendars c CROSS JOIN json_each(?) j CROSS JOIN objects o
         WHERE c.user = ? AND c.id = ? AND o.calendar = c.pk AND o.upstream_id = j.value AND o.change_key IS NOT NULL`,
      ),
      saveVerifier: p('INSERT OR REPLACE INTO verifiers (user, verifier, updated_at) VALUES (?, ?, ?)'),
      getVerifier: p<{ verifier: string; updated_at: number }>('SELECT verifier, updated_at FROM verifiers WHERE user = ?'),
      deleteVerifier: p('DELETE FROM verifiers WHERE user = ?'),
    };
    this.feedTokens = new FeedTokenRows(this.db);
    this.oauthGrants = new OAuthGrantRows(this.db);
    this.devicePasswords = new DevicePasswordRows(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------ CalendarStore (read side)

  async listCalendars(user: string): Promise<StoredCalendar[]> {
    return this.s.calendars.all(user).map(toCalendar);
  }

  async getCalendar(user: string, calendarId: string): Promise<StoredCalendar | undefined> {
    const row = this.s.calendar.get(user, calendarId);
    return row && toCalendar(row);
  }

  async listObjects(user: string, calendarId: string): Promise<StoredObjectMeta[]> {
    return this.s.list.all(user, calendarId).map(toMeta);
  }

  async getObjects(user: string, calendarId: string, names: string[]): Promise<StoredObject[]> {
    if (names.length === 0) return [];
    return this.s.many.all(user, calendarId, JSON.stringify(names)).map(toObject);
  }

  async getObject(user: string, calendarId: string, name: string): Promise<StoredObject | undefined> {
    const row = this.s.one.get(user, calendarId, name);
    return row && toObject(row);
  }

  async objectsInRange(user: string, calendarId: string, start: number | undefined, end: number | undefined): Promise<StoredObject[]> {
    const hi = end ?? Number.MAX_SAFE_INTEGER;
    const lo = start ?? Number.MIN_SAFE_INTEGER;
    return this.s.range.all(user, calendarId, hi, lo).map(toObject);
  }

  async changesSince(user: string, calendarId: string, syncToken: string | undefined, limit?: number): Promise<ChangesResult> {
    const cal = this.s.calendar.get(user, calendarId);
    if (!cal) return { ok: false, reason: 'invalid-token' };
    // limit + 1 rows tell truncation apart from an exact fit (sabre PDO.php).
    const max = limit === undefined ? -1 : Math.max(1, Math.floor(limit)) + 1;
    let rows: ChangeRow[];
    if (syncToken === undefined) {
      // Initial sync: every live object, no tombstones (the client has nothing to delete).
      rows = this.s.initial.all(cal.pk, max);
    } else {
      const t = parseSyncToken(syncToken);
      // A token from another epoch (calendar re-created), from the future (a restored backup)
      // or older than pruned tombstones cannot be answered correctly: RFC 6578 §3.2 invalid.
      if (!t || t.epoch !== cal.epoch || t.seq > cal.seq || t.seq < cal.min_seq) return { ok: false, reason: 'invalid-token' };
      rows = this.s.changesAfter.all(cal.pk, t.seq, max);
    }
    const truncated = limit !== undefined && rows.length === max;
    if (truncated) rows = rows.slice(0, max - 1);
    const changed: StoredObjectMeta[] = [];
    const deleted: string[] = [];
    for (const r of rows) {
      if (r.op === 'put' && r.name != null) changed.push(toMeta(r as ObjectRow));
      else deleted.push(r.change_name);
    }
    // A truncated answer carries the token of its last row; the client asks again from there.
    const seq = truncated ? rows[rows.length - 1]!.seq : cal.seq;
    return { ok: true, syncToken: formatSyncToken(cal.epoch, seq), changed, deleted, truncated };
  }

  async setCalendarProperties(user: string, calendarId: string, props: { color?: string | null; order?: number | null }): Promise<void> {
    const row = this.s.calendar.get(user, calendarId);
    if (!row) return;
    // Presentation only: neither ctag nor sync token moves (no object changed).
    const color = props.color === undefined ? row.color : props.color;
    const order = props.order === undefined ? row.sort_order : props.order;
    this.s.setProps.run(color, order, user, calendarId);
  }

  // ------------------------------------------------------------------ SyncTarget (write side)

  async ensureAccount(user: string): Promise<AccountRecord> {
    return this.accounts.ensure(user);
  }
  async getAccount(user: string): Promise<AccountRecord | undefined> {
    return this.accounts.get(user);
  }
  async updateAccount(user: string, patch: AccountPatch): Promise<void> {
    this.accounts.update(user, patch);
  }
  async removeAccount(user: string): Promise<void> {
    this.accounts.remove(user);
  }
  async replaceCalendars(user: string, calendars: UpstreamCalendar[]): Promise<CalendarListChange> {
    return this.writes.replaceCalendars(user, calendars);
  }
  async calendarsForSync(user: string): Promise<CalendarSyncInfo[]> {
    return this.s.syncInfos.all(user).map(toSyncInfo);
  }
  async getSyncInfo(user: string, calendarId: string): Promise<CalendarSyncInfo | undefined> {
    const row = this.s.syncInfo.get(user, calendarId);
    return row && toSyncInfo(row);
  }
  async beginFullPass(user: string, calendarId: string): Promise<void> {
    this.s.beginPass.run(user, calendarId);
  }
  async knownChangeKeys(user: string, calendarId: string, upstreamIds: string[]): Promise<Map<string, string>> {
    if (upstreamIds.length === 0) return new Map();
    const rows = this.s.changeKeys.all(JSON.stringify(upstreamIds), user, calendarId);
    return new Map(rows.map((r) => [r.upstream_id, r.change_key]));
  }
  async resolveAliases(user: string, calendarId: string, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = this.s.aliasOwners.all(JSON.stringify(ids), user, calendarId);
    return new Map(rows.map((r) => [r.alias, r.upstream_id]));
  }
  async applyPage(user: string, calendarId: string, page: PageWrite, now: number): Promise<PageOutcome | undefined> {
    return this.writes.applyPage(user, calendarId, page, now);
  }
  async pruneTombstones(before: number): Promise<number> {
    return this.writes.pruneTombstones(before);
  }
  async saveVerifier(user: string, verifier: string, now: number): Promise<void> {
    this.s.saveVerifier.run(user, verifier, now);
  }
  async getVerifier(user: string): Promise<string | undefined> {
    return this.s.getVerifier.get(user)?.verifier;
  }

  /** Pass-through login's view of the verifiers table (src/auth/clients VerifierStore). */
  verifiers(now: () => number = Date.now) {
    return {
      getVerifier: async (user: string): Promise<{ verifier: string; updatedAt: number } | undefined> => {
        const row = this.s.getVerifier.get(user);
        return row && { verifier: row.verifier, updatedAt: row.updated_at };
      },
      setVerifier: async (user: string, verifier: string): Promise<void> => {
        this.s.saveVerifier.run(user, verifier, now());
      },
      deleteVerifier: async (user: string): Promise<void> => {
        this.s.deleteVerifier.run(user);
      },
    };
  }
}
