// FeedTokenStore over the store's feed_tokens rows: the behaviour of memory-tokens.ts (the
// reference), persisted in the data folder.

import { EwsdavError } from '../errors.js';
import type { FeedTokenRow, FeedTokenRows } from '../store/sqlite/feed-rows.js';
import { FEED_NAME_SHAPE, newFeedId, newFeedToken, type CreateFeedInput, type FeedRecord, type FeedTokenStore, type RevokeResult } from './tokens.js';

function toRecord(row: FeedTokenRow): FeedRecord {
  return { id: row.id, name: row.name, user: row.user, calendarId: row.calendarId, policy: JSON.parse(row.policy) as FeedRecord['policy'], source: 'store', createdAt: row.createdAt };
}

export class StoredFeedTokens implements FeedTokenStore {
  constructor(private readonly rows: FeedTokenRows, private readonly clock: () => number = Date.now) {}

  async create(input: CreateFeedInput): Promise<{ token: string; id: string; feed: FeedRecord }> {
    const id = newFeedId();
    const name = input.name ?? `feed-${id}`;
    if (!FEED_NAME_SHAPE.test(name)) {
      throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `Feed name "${name}" is not allowed: use letters, digits, ".", "_" and "-" (at most 64).`);
    }
    const { token, hash } = newFeedToken();
    const row: FeedTokenRow = { id, name, user: input.user, calendarId: input.calendarId, tokenHash: hash, policy: JSON.stringify(input.policy), createdAt: this.clock() };
    if (!this.rows.insert(row)) {
      throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `A feed named "${name}" exists already; choose another name or revoke it first.`);
    }
    return { token, id, feed: toRecord(row) };
  }

  async list(user?: string): Promise<FeedRecord[]> {
    return this.rows.list(user).map(toRecord);
  }

  async revoke(idOrName: string): Promise<RevokeResult> {
    const row = this.rows.delete(idOrName);
    return row ? { ok: true, feed: toRecord(row) } : { ok: false, reason: 'not-found' };
  }

  async findByTokenHash(hash: string): Promise<FeedRecord | undefined> {
    const row = this.rows.findByHash(hash);
    return row && toRecord(row);
  }
}
