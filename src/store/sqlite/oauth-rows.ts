// Rows for Exchange Online sign-in: the per-user OAuth grant (an opaque, already encrypted msal
// cache blob plus what may be shown) and the device passwords (scrypt verifiers only). The store
// never sees a token or a password in clear; src/auth gives these rows their meaning.

import type Database from 'better-sqlite3';

export type GrantState = 'linked' | 'needs-relink';

export interface GrantRecord {
  user: string;
  homeAccountId: string;
  tenantId: string;
  /** The Microsoft account name (UPN) that was signed in. */
  username: string;
  /** SecretBox-sealed msal cache. */
  cache: string;
  state: GrantState;
  reason?: string;
  scopes: string[];
  /** When the cached access token expires (epoch ms). */
  expiresAt?: number;
  linkedAt: number;
  updatedAt: number;
}

interface GrantRow {
  user: string;
  home_account_id: string;
  tenant_id: string;
  username: string;
  cache: string;
  state: GrantState;
  reason: string | null;
  scopes: string;
  expires_at: number | null;
  linked_at: number;
  updated_at: number;
}

const toGrant = (r: GrantRow): GrantRecord => ({
  user: r.user, homeAccountId: r.home_account_id, tenantId: r.tenant_id, username: r.username, cache: r.cache, state: r.state,
  ...(r.reason !== null ? { reason: r.reason } : {}), scopes: r.scopes.split(' ').filter(Boolean),
  ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}), linkedAt: r.linked_at, updatedAt: r.updated_at,
});

export interface LinkedGrant {
  homeAccountId: string;
  tenantId: string;
  username: string;
  cache: string;
  scopes: readonly string[];
  expiresAt?: number;
}

export class OAuthGrantRows {
  private readonly s;

  constructor(db: Database.Database, private readonly now: () => number = Date.now) {
    const p = <R = unknown>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      get: p<GrantRow>('SELECT * FROM oauth_grants WHERE user = ?'),
      list: p<GrantRow>('SELECT * FROM oauth_grants ORDER BY user'),
      // Re-linking renews the row in place: the user key (and so calendars, ETags and device
      // passwords, which hang off the user) stays; linked_at tells when it was renewed.
      upsert: p(`INSERT INTO oauth_grants (user, home_account_id, tenant_id, username, cache, state, reason, scopes, expires_at, linked_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, 'linked', NULL, ?, ?, ?, ?)
                 ON CONFLICT (user) DO UPDATE SET home_account_id = excluded.home_account_id, tenant_id = excluded.tenant_id,
                   username = excluded.username, cache = excluded.cache, state = 'linked', reason = NULL, scopes = excluded.scopes,
                   expires_at = excluded.expires_at, linked_at = excluded.linked_at, updated_at = excluded.updated_at`),
      saveCache: p('UPDATE oauth_grants SET cache = ?, expires_at = coalesce(?, expires_at), updated_at = ? WHERE user = ?'),
      relink: p("UPDATE oauth_grants SET state = 'needs-relink', reason = ?, updated_at = ? WHERE user = ?"),
      remove: p('DELETE FROM oauth_grants WHERE user = ?'),
      // Without the cache blob: read every 30 s and on logins by the running bridge.
      stamps: p<StampRow>('SELECT user, state, linked_at FROM oauth_grants'),
      stamp: p<StampRow>('SELECT user, state, linked_at FROM oauth_grants WHERE user = ?'),
    };
  }

  get(user: string): GrantRecord | undefined {
    const row = this.s.get.get(user);
    return row && toGrant(row);
  }

  list(): GrantRecord[] {
    return this.s.list.all().map(toGrant);
  }

  link(user: string, g: LinkedGrant): void {
    const now = this.now();
    this.s.upsert.run(user, g.homeAccountId, g.tenantId, g.username, g.cache, g.scopes.join(' '), g.expiresAt ?? null, now, now);
  }

  /** After msal changed the cache (a refresh rotated the refresh token, OAUTH-NOTES §2.3). */
  saveCache(user: string, cache: string, expiresAt?: number): void {
    this.s.saveCache.run(cache, expiresAt ?? null, this.now(), user);
  }

  markNeedsRelink(user: string, reason: string): void {
    this.s.relink.run(reason, this.now(), user);
  }

  remove(user: string): void {
    this.s.remove.run(user);
  }

  /**
   * Which grants exist, their state and when each was last (re)linked. linked_at changes only on
   * a link (refreshes and stops touch updated_at), so a process sees another one's re-link here.
   */
  stamps(): GrantStamp[] {
    return this.s.stamps.all().map(toStamp);
  }

  /** One user's stamp: a primary-key probe, cheap enough for every client login. */
  stamp(user: string): GrantStamp | undefined {
    const row = this.s.stamp.get(user);
    return row && toStamp(row);
  }
}

export interface GrantStamp {
  user: string;
  state: GrantState;
  linkedAt: number;
}

interface StampRow {
  user: string;
  state: GrantState;
  linked_at: number;
}

const toStamp = (r: StampRow): GrantStamp => ({ user: r.user, state: r.state, linkedAt: r.linked_at });

export interface DevicePasswordRecord {
  id: string;
  user: string;
  name: string;
  createdAt: number;
  lastUsed?: number;
}

interface DeviceRow {
  id: string;
  user: string;
  name: string;
  verifier: string;
  created_at: number;
  last_used: number | null;
}

const toDevice = (r: DeviceRow): DevicePasswordRecord => ({
  id: r.id, user: r.user, name: r.name, createdAt: r.created_at, ...(r.last_used !== null ? { lastUsed: r.last_used } : {}),
});

export class DevicePasswordRows {
  private readonly s;

  constructor(db: Database.Database) {
    const p = <R = unknown>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      insert: p('INSERT INTO device_passwords (id, user, name, verifier, created_at) VALUES (?, ?, ?, ?, ?)'),
      byUser: p<DeviceRow>('SELECT * FROM device_passwords WHERE user = ? ORDER BY coalesce(last_used, created_at) DESC'),
      exists: p<{ one: number }>('SELECT 1 AS one FROM device_passwords WHERE id = ?'),
      touch: p('UPDATE device_passwords SET last_used = ? WHERE id = ?'),
      revoke: p('DELETE FROM device_passwords WHERE user = ? AND (id = ? OR name = ?)'),
      nameTaken: p<{ one: number }>('SELECT 1 AS one FROM device_passwords WHERE user = ? AND name = ?'),
    };
  }

  insert(row: { id: string; user: string; name: string; verifier: string; createdAt: number }): void {
    this.s.insert.run(row.id, row.user, row.name, row.verifier, row.createdAt);
  }

  list(user: string): DevicePasswordRecord[] {
    return this.s.byUser.all(user).map(toDevice);
  }

  /** Verifiers of a user's passwords, most recently used first (the likeliest match is hashed first). */
  verifiers(user: string): { id: string; verifier: string }[] {
    return this.s.byUser.all(user).map((r) => ({ id: r.id, verifier: r.verifier }));
  }

  /** A primary-key probe (microseconds): how a cached login notices a revocation by another process. */
  exists(id: string): boolean {
    return this.s.exists.get(id) !== undefined;
  }

  nameTaken(user: string, name: string): boolean {
    return this.s.nameTaken.get(user, name) !== undefined;
  }

  touch(id: string, at: number): void {
    this.s.touch.run(at, id);
  }

  /** Revokes by id or name; true when a row was deleted. */
  revoke(user: string, idOrName: string): boolean {
    return this.s.revoke.run(user, idOrName, idOrName).changes > 0;
  }
}
