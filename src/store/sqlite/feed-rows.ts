// Rows of the feed_tokens table (migration 2). The store keeps them opaque: the feed layer
// (src/feed/stored-tokens.ts) owns what a policy means and how tokens are made.

import type Database from 'better-sqlite3';

export interface FeedTokenRow {
  id: string;
  name: string;
  user: string;
  calendarId: string;
  tokenHash: string;
  /** JSON, owned by src/feed. */
  policy: string;
  createdAt: number;
}

interface RawRow {
  id: string;
  name: string;
  user: string;
  calendar_id: string;
  token_hash: string;
  policy: string;
  created_at: number;
}

const toRow = (r: RawRow): FeedTokenRow => ({ id: r.id, name: r.name, user: r.user, calendarId: r.calendar_id, tokenHash: r.token_hash, policy: r.policy, createdAt: r.created_at });

export class FeedTokenRows {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert: db.prepare('INSERT INTO feed_tokens (id, name, user, calendar_id, token_hash, policy, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      all: db.prepare<[], RawRow>('SELECT * FROM feed_tokens ORDER BY user, name'),
      ofUser: db.prepare<[string], RawRow>('SELECT * FROM feed_tokens WHERE user = ? ORDER BY name'),
      byHash: db.prepare<[string], RawRow>('SELECT * FROM feed_tokens WHERE token_hash = ?'),
      byId: db.prepare<[string], RawRow>('SELECT * FROM feed_tokens WHERE id = ?'),
      byName: db.prepare<[string], RawRow>('SELECT * FROM feed_tokens WHERE name = ?'),
      delete: db.prepare('DELETE FROM feed_tokens WHERE id = ?'),
    };
  }

  /** False when the name is taken. */
  insert(row: FeedTokenRow): boolean {
    try {
      this.s.insert.run(row.id, row.name, row.user, row.calendarId, row.tokenHash, row.policy, row.createdAt);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw error;
    }
  }

  list(user?: string): FeedTokenRow[] {
    return (user === undefined ? this.s.all.all() : this.s.ofUser.all(user)).map(toRow);
  }

  findByHash(hash: string): FeedTokenRow | undefined {
    const r = this.s.byHash.get(hash);
    return r && toRow(r);
  }

  /** Deletes by id, else by name; returns the deleted row. */
  delete(idOrName: string): FeedTokenRow | undefined {
    const r = this.s.byId.get(idOrName) ?? this.s.byName.get(idOrName);
    if (!r) return undefined;
    this.s.delete.run(r.id);
    return toRow(r);
  }
}
