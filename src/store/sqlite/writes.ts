// Write side of the SQLite store (SyncTarget): every object write, its change-log row and the
// sequence bump share one IMMEDIATE transaction with the upstream state of the page they come
// from (what sabre's PDO.php lacks), so a crash leaves either the whole page or none of it.

import type Database from 'better-sqlite3';
import type { UpstreamCalendar } from '../../model/index.js';
import type { CalendarListChange, CalendarSyncInfo, PageOutcome, PageWrite, PreparedObject } from '../sync-target.js';
import { calendarIdFor, duplicateNameFor, etagFor, newEpoch, objectNameFor } from '../ids.js';

interface CalRow {
  pk: number;
  seq: number;
  pass: number;
  in_full_pass: number;
}
interface ObjRow {
  rowid: number;
  name: string;
  uid: string;
  etag: string;
}
interface SyncInfoRow {
  id: string;
  upstream_id: string;
  display_name: string;
  kind: UpstreamCalendar['kind'];
  read_only: number;
  sync_state: string | null;
  in_full_pass: number;
  last_sync: number | null;
}

export function toSyncInfo(r: SyncInfoRow): CalendarSyncInfo {
  const info: CalendarSyncInfo = {
    id: r.id, upstreamId: r.upstream_id, displayName: r.display_name, kind: r.kind, readOnly: r.read_only === 1, inFullPass: r.in_full_pass === 1,
  };
  if (r.sync_state !== null) info.syncState = r.sync_state;
  if (r.last_sync !== null) info.lastSync = r.last_sync;
  return info;
}

/** The UNIQUE (calendar, name) violation of an INSERT into objects: the name belongs to another item. */
function isNameTaken(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /objects\.name\b/.test((err as Error).message);
}

export const SYNC_INFO_COLUMNS = 'id, upstream_id, display_name, kind, read_only, sync_state, in_full_pass, last_sync';

export class SqliteWrites {
  private readonly s;
  private readonly applyTxn;
  private readonly replaceTxn;
  private readonly pruneTxn;

  constructor(private readonly db: Database.Database) {
    const p = <R = unknown>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      cal: p<CalRow>('SELECT pk, seq, pass, in_full_pass FROM calendars WHERE user = ? AND id = ?'),
      // One lookup per page rather than one per object: 512 statement runs cost more than the JSON.
      byUpstreamIds: p<ObjRow & { upstream_id: string }>(
        'SELECT rowid, name, uid, etag, upstream_id FROM objects WHERE calendar = ? AND upstream_id IN (SELECT value FROM json_each(?))',
      ),
      deleteObj: p('DELETE FROM objects WHERE calendar = ? AND name = ?'),
      dropAliasesOfName: p('DELETE FROM object_aliases WHERE calendar = ? AND upstream_id = (SELECT upstream_id FROM objects WHERE calendar = ? AND name = ?)'),
      dropAliases: p('DELETE FROM object_aliases WHERE calendar = ? AND upstream_id = ?'),
      putAlias: p('INSERT OR REPLACE INTO object_aliases (calendar, alias, upstream_id) VALUES (?, ?, ?)'),
      // Plain INSERT for a name known to be free and UPDATE by rowid for a known row: INSERT OR
      // REPLACE costs ~60 % more per row even without a conflict (bench/store-write.ts).
      insertObj: p(
        `INSERT INTO objects (calendar, name, uid, upstream_id, change_key, ical, etag, size, first_start, last_end, last_modified, pass)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      replaceObj: p(
        `INSERT OR REPLACE INTO objects (calendar, name, uid, upstream_id, change_key, ical, etag, size, first_start, last_end, last_modified, pass)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateObj: p(
        `UPDATE objects SET change_key = ?, ical = ?, etag = ?, size = ?, first_start = ?, last_end = ?, last_modified = ?, pass = ?
         WHERE rowid = ?`,
      ),
      touch: p('UPDATE objects SET change_key = ?, pass = ? WHERE rowid = ?'),
      mark: p('UPDATE objects SET pass = ? WHERE calendar = ? AND upstream_id = ?'),
      unseen: p<{ name: string }>('SELECT name FROM objects WHERE calendar = ? AND pass < ?'),
      // Only the latest change per name is kept: REPLACE drops the older row through changes_name.
      logChange: p('INSERT OR REPLACE INTO changes (calendar, seq, name, op, at) VALUES (?, ?, ?, ?, ?)'),
      finishPage: p('UPDATE calendars SET seq = ?, sync_state = ?, in_full_pass = ?, last_sync = coalesce(?, last_sync) WHERE pk = ?'),
      calsOfUser: p<{ pk: number; upstream_id: string; id: string }>('SELECT pk, upstream_id, id FROM calendars WHERE user = ?'),
      insertCal: p(
        `INSERT INTO calendars (user, id, upstream_id, display_name, kind, read_only, epoch)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateCal: p('UPDATE calendars SET display_name = ?, kind = ?, read_only = ? WHERE pk = ?'),
      deleteCal: p('DELETE FROM calendars WHERE pk = ?'),
      syncInfos: p<SyncInfoRow>(`SELECT ${SYNC_INFO_COLUMNS} FROM calendars WHERE user = ? ORDER BY kind != 'default', display_name, id`),
    };
    this.applyTxn = db.transaction((user: string, calendarId: string, page: PageWrite, now: number) => this.apply(user, calendarId, page, now));
    this.replaceTxn = db.transaction((user: string, cals: UpstreamCalendar[]) => this.replace(user, cals));
    this.pruneTxn = db.transaction((before: number) => {
      // Race: a token handed out just before pruning may need a tombstone pruned here; raising
      // min_seq to the newest pruned delete makes exactly those tokens invalid (client resyncs).
      db.prepare(
        `UPDATE calendars SET min_seq = max(min_seq, (SELECT max(seq) FROM changes WHERE changes.calendar = calendars.pk AND op = 'delete' AND at < ?))
         WHERE EXISTS (SELECT 1 FROM changes WHERE changes.calendar = calendars.pk AND op = 'delete' AND at < ?)`,
      ).run(before, before);
      return db.prepare(`DELETE FROM changes WHERE op = 'delete' AND at < ?`).run(before).changes;
    });
  }

  applyPage(user: string, calendarId: string, page: PageWrite, now: number): PageOutcome | undefined {
    return this.applyTxn.immediate(user, calendarId, page, Math.floor(now));
  }

  replaceCalendars(user: string, cals: UpstreamCalendar[]): CalendarListChange {
    return this.replaceTxn.immediate(user, cals);
  }

  pruneTombstones(before: number): number {
    return this.pruneTxn.immediate(before);
  }

  private apply(user: string, calendarId: string, page: PageWrite, now: number): PageOutcome | undefined {
    const cal = this.s.cal.get(user, calendarId);
    if (!cal) return undefined;
    const out: PageOutcome = { changed: 0, deleted: 0, identical: 0, seq: cal.seq };
    const log = (name: string, op: 'put' | 'delete') => {
      out.seq += 1;
      this.s.logChange.run(cal.pk, out.seq, name, op, now);
    };
    const remove = (name: string) => {
      this.s.dropAliasesOfName.run(cal.pk, cal.pk, name);
      this.s.deleteObj.run(cal.pk, name);
      log(name, 'delete');
      out.deleted += 1;
    };
    // The rows this page touches, kept current as it writes (an id may come twice).
    const rows = new Map<string, ObjRow>();
    const ids = [...page.deleted, ...page.upserts.map((o) => o.upstreamId)];
    if (ids.length > 0) for (const row of this.s.byUpstreamIds.all(cal.pk, JSON.stringify(ids))) rows.set(row.upstream_id, row);
    // Deletes first: an item deleted and re-created with the same UID in one page frees its name.
    for (const upstreamId of page.deleted) {
      const row = rows.get(upstreamId);
      if (!row) continue;
      remove(row.name);
      rows.delete(upstreamId);
    }
    for (const obj of page.upserts) this.upsert(cal, obj, rows, now, log, remove, out);
    for (const upstreamId of page.unchanged) this.s.mark.run(cal.pass, cal.pk, upstreamId);
    let inFullPass = cal.in_full_pass;
    if (page.complete && inFullPass === 1) {
      // Only a complete pass may drop what it did not see (EWS-NOTES §10).
      for (const { name } of this.s.unseen.all(cal.pk, cal.pass)) remove(name);
      inFullPass = 0;
    }
    this.s.finishPage.run(out.seq, page.state, inFullPass, page.complete ? now : null, cal.pk);
    return out;
  }

  private upsert(
    cal: CalRow,
    obj: PreparedObject,
    rows: Map<string, ObjRow>,
    now: number,
    log: (name: string, op: 'put') => void,
    remove: (name: string) => void,
    out: PageOutcome,
  ): void {
    const etag = etagFor(obj.ical);
    let existing = rows.get(obj.upstreamId);
    if (existing && existing.uid !== obj.uid) {
      // A changed UID is a different resource for CalDAV clients: tombstone the old name.
      remove(existing.name);
      rows.delete(obj.upstreamId);
      existing = undefined;
    }
    if (obj.aliases) {
      // Replaced even when the bytes are identical: a slid window names other occurrences.
      this.s.dropAliases.run(cal.pk, obj.upstreamId);
      for (const alias of obj.aliases) if (alias !== obj.upstreamId) this.s.putAlias.run(cal.pk, alias, obj.upstreamId);
    }
    if (existing && existing.etag === etag) {
      // Byte-identical rendering: nothing a client could see changed, so no change row, no seq.
      this.s.touch.run(obj.changeKey ?? null, cal.pass, existing.rowid);
      out.identical += 1;
      return;
    }
    const size = Buffer.byteLength(obj.ical, 'utf8');
    let name: string;
    let rowid: number;
    if (existing) {
      // Same upstream id, same UID: the row keeps its name, only its content moves.
      name = existing.name;
      rowid = existing.rowid;
      this.s.updateObj.run(obj.changeKey ?? null, obj.ical, etag, size, obj.firstStart ?? null, obj.lastEnd ?? null, now, cal.pass, rowid);
    } else {
      const values = [obj.uid, obj.upstreamId, obj.changeKey ?? null, obj.ical, etag, size, obj.firstStart ?? null, obj.lastEnd ?? null, now, cal.pass];
      name = objectNameFor(obj.uid);
      try {
        rowid = Number(this.s.insertObj.run(cal.pk, name, ...values).lastInsertRowid);
      } catch (err) {
        if (!isNameTaken(err)) throw err;
        // Exchange can hold two items with one UID (imports, copies); the second gets its own
        // name. That name is derived from the upstream id, which has no row here; REPLACE keeps
        // the old answer to the (contrived) case of a UID spelled like such a name. The failed
        // INSERT changed nothing: SQLite undoes just that statement, not the transaction.
        name = duplicateNameFor(obj.upstreamId);
        rowid = Number(this.s.replaceObj.run(cal.pk, name, ...values).lastInsertRowid);
      }
    }
    rows.set(obj.upstreamId, { rowid, name, uid: obj.uid, etag });
    log(name, 'put');
    out.changed += 1;
  }

  private replace(user: string, cals: UpstreamCalendar[]): CalendarListChange {
    const existing = new Map(this.s.calsOfUser.all(user).map((r) => [r.upstream_id, r]));
    const added: string[] = [];
    const seen = new Set<string>();
    for (const c of cals) {
      if (seen.has(c.upstreamId)) continue;
      seen.add(c.upstreamId);
      const row = existing.get(c.upstreamId);
      if (row) {
        this.s.updateCal.run(c.name, c.kind, c.readOnly ? 1 : 0, row.pk);
      } else {
        const id = calendarIdFor(c.upstreamId);
        this.s.insertCal.run(user, id, c.upstreamId, c.name, c.kind, c.readOnly ? 1 : 0, newEpoch());
        added.push(id);
      }
    }
    const removed: string[] = [];
    for (const [upstreamId, row] of existing) {
      if (seen.has(upstreamId)) continue;
      this.s.deleteCal.run(row.pk);
      removed.push(row.id);
    }
    return { added, removed, calendars: this.s.syncInfos.all(user).map(toSyncInfo) };
  }
}
