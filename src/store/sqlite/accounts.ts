// Account rows: what /readyz and the account page show after a restart (last success, error
// class, whether the bridge waits for new credentials). Secrets are never stored here.

import type Database from 'better-sqlite3';
import type { ErrorCategory } from '../../errors.js';
import type { AccountPatch, AccountRecord, AccountState } from '../sync-target.js';

interface Row {
  user: string;
  state: AccountState;
  error_class: ErrorCategory | null;
  error_message: string | null;
  last_success: number | null;
  last_attempt: number | null;
  needs_credentials: number;
}

const COLUMNS: Record<Exclude<keyof AccountPatch, never>, keyof Row> = {
  state: 'state',
  errorClass: 'error_class',
  errorMessage: 'error_message',
  lastSuccess: 'last_success',
  lastAttempt: 'last_attempt',
  needsCredentials: 'needs_credentials',
};

function toRecord(r: Row): AccountRecord {
  const a: AccountRecord = { user: r.user, state: r.state, needsCredentials: r.needs_credentials === 1 };
  if (r.error_class !== null) a.errorClass = r.error_class;
  if (r.error_message !== null) a.errorMessage = r.error_message;
  if (r.last_success !== null) a.lastSuccess = r.last_success;
  if (r.last_attempt !== null) a.lastAttempt = r.last_attempt;
  return a;
}

export class AccountRows {
  private readonly get_;
  private readonly insert;
  private readonly delete_;

  constructor(private readonly db: Database.Database) {
    this.get_ = db.prepare<[string], Row>('SELECT * FROM accounts WHERE user = ?');
    this.insert = db.prepare<[string]>('INSERT OR IGNORE INTO accounts (user) VALUES (?)');
    this.delete_ = db.prepare<[string]>('DELETE FROM accounts WHERE user = ?');
  }

  ensure(user: string): AccountRecord {
    this.insert.run(user);
    return toRecord(this.get_.get(user)!);
  }

  get(user: string): AccountRecord | undefined {
    const row = this.get_.get(user);
    return row && toRecord(row);
  }

  update(user: string, patch: AccountPatch): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof AccountPatch, AccountPatch[keyof AccountPatch]][]) {
      if (!(key in COLUMNS)) continue;
      sets.push(`${COLUMNS[key]} = ?`);
      values.push(value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
    if (sets.length === 0) return;
    // Column names come from the fixed table above, never from input.
    this.db.prepare(`UPDATE accounts SET ${sets.join(', ')} WHERE user = ?`).run(...values, user);
  }

  remove(user: string): void {
    this.delete_.run(user);
  }
}
