// The SQLite schema and its migrations, keyed by PRAGMA user_version. Each migration runs in its
// own transaction together with the version bump, so a crash mid-migration leaves the old version.

import type Database from 'better-sqlite3';

/** Migration n brings the database from user_version n to n + 1. Append only; never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE accounts (
    user              TEXT PRIMARY KEY,
    state             TEXT NOT NULL DEFAULT 'new',
    error_class       TEXT,
    error_message     TEXT,
    last_success      INTEGER,
    last_attempt      INTEGER,
    needs_credentials INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE calendars (
    pk            INTEGER PRIMARY KEY,
    user          TEXT NOT NULL REFERENCES accounts(user) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    upstream_id   TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    read_only     INTEGER NOT NULL,
    timezone      TEXT,
    -- Random per calendar row: a calendar that is dropped and re-added invalidates old tokens.
    epoch         TEXT NOT NULL,
    seq           INTEGER NOT NULL DEFAULT 0,
    -- Tokens below min_seq may miss pruned tombstones: they are refused (RFC 6578 §3.7).
    min_seq       INTEGER NOT NULL DEFAULT 0,
    sync_state    TEXT,
    -- A full pass (initial sync or resync after an invalid state) marks every object it sees
    -- with pass; at its end objects of older passes are deleted. Survives a restart mid-pass.
    pass          INTEGER NOT NULL DEFAULT 0,
    in_full_pass  INTEGER NOT NULL DEFAULT 0,
    last_sync     INTEGER,
    color         TEXT,
    sort_order    INTEGER,
    UNIQUE (user, id)
  ) STRICT;

  -- A rowid table, not WITHOUT ROWID: rows carry kilobytes of iCalendar text, which SQLite
  -- advises against in a clustered index (measured: slower inserts).
  CREATE TABLE objects (
    calendar      INTEGER NOT NULL REFERENCES calendars(pk) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    uid           TEXT NOT NULL,
    upstream_id   TEXT NOT NULL,
    change_key    TEXT,
    ical          TEXT NOT NULL,
    etag          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    first_start   INTEGER,
    last_end      INTEGER,
    last_modified INTEGER NOT NULL,
    pass          INTEGER NOT NULL,
    UNIQUE (calendar, name)
  ) STRICT;
  CREATE UNIQUE INDEX objects_upstream ON objects (calendar, upstream_id);
  CREATE INDEX objects_start ON objects (calendar, first_start);

  -- RFC 6578 change log: only the latest change per resource is kept (older ones say nothing
  -- a client needs), so the table is bounded by objects + tombstones within retention.
  CREATE TABLE changes (
    calendar  INTEGER NOT NULL REFERENCES calendars(pk) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    name      TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('put', 'delete')),
    at        INTEGER NOT NULL,
    PRIMARY KEY (calendar, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX changes_name ON changes (calendar, name);
  CREATE INDEX changes_tombstones ON changes (op, at);

  -- Pass-through login: a salted password verifier (e.g. scrypt), never the password.
  CREATE TABLE verifiers (
    user       TEXT PRIMARY KEY,
    verifier   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  `,
  // 2: secret-token ICS feeds (src/feed). Only the token's SHA-256 is stored; revoking deletes the
  // row, so a revoked token can never match again. `policy` is the feed's policy as JSON.
  `
  CREATE TABLE feed_tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    user        TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    policy      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX feed_tokens_user ON feed_tokens (user, name);
  `,
  // 3: Exchange Online sign-in (src/auth/upstream/oauth*, src/auth/clients/device-passwords.ts).
  // oauth_grants keeps the user's msal token cache sealed with AES-256-GCM (secrets.key); the
  // other columns are what /readyz, `ewsdav check` and the account page show. Device passwords
  // are stored only as scrypt verifiers; revoking deletes the row.
  `
  CREATE TABLE oauth_grants (
    user            TEXT PRIMARY KEY,
    home_account_id TEXT NOT NULL,
    tenant_id       TEXT NOT NULL,
    username        TEXT NOT NULL,
    cache           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('linked', 'needs-relink')),
    reason          TEXT,
    scopes          TEXT NOT NULL,
    expires_at      INTEGER,
    linked_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE device_passwords (
    id         TEXT PRIMARY KEY,
    user       TEXT NOT NULL,
    name       TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used  INTEGER,
    UNIQUE (user, name)
  ) STRICT;
  `,
  // 4: other upstream ids of an object (Graph names every occurrence and exception of a series by
  // its own id; a delta page reports a deleted occurrence only by that id). An alias found among
  // a page's deletions means its object changed and is fetched again.
  `
  CREATE TABLE object_aliases (
    calendar    INTEGER NOT NULL REFERENCES calendars(pk) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    PRIMARY KEY (calendar, alias)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX object_aliases_owner ON object_aliases (calendar, upstream_id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`store.db has schema version ${current}, newer than this ewsdav (${SCHEMA_VERSION}); upgrade ewsdav or use another dataDir`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
