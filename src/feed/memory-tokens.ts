// An in-memory FeedTokenStore: the reference behaviour for tests and for the SQLite store
// (same ordering, same name rules, token kept only as a hash).

import { EwsdavError } from '../errors.js';
import { FEED_NAME_SHAPE, newFeedId, newFeedToken, type CreateFeedInput, type FeedRecord, type FeedTokenStore, type RevokeResult } from './tokens.js';

export class MemoryFeedTokenStore implements FeedTokenStore {
  private readonly byHash = new Map<string, FeedRecord>();

  constructor(private readonly clock: () => number = Date.now) {}

  async create(input: CreateFeedInput): Promise<{ token: string; id: string; feed: FeedRecord }> {
    const id = newFeedId();
    const name = input.name ?? `feed-${id}`;
    if (!FEED_NAME_SHAPE.test(name)) {
      throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `Feed name "${name}" is not allowed: use letters, digits, ".", "_" and "-" (at most 64).`);
    }
    if ([...this.byHash.values()].some((f) => f.name === name)) {
      throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `A feed named "${name}" exists already; choose another name or revoke it first.`);
    }
    const { token, hash } = newFeedToken();
    const feed: FeedRecord = { id, name, user: input.user, calendarId: input.calendarId, policy: structuredClone(input.policy), source: 'store', createdAt: this.clock() };
    this.byHash.set(hash, feed);
    return { token, id, feed: structuredClone(feed) };
  }

  async list(user?: string): Promise<FeedRecord[]> {
    return [...this.byHash.values()]
      .filter((f) => user === undefined || f.user === user)
      .sort((a, b) => (a.user === b.user ? a.name.localeCompare(b.name) : a.user.localeCompare(b.user)))
      .map((f) => structuredClone(f));
  }

  async revoke(idOrName: string): Promise<RevokeResult> {
    const entries = [...this.byHash.entries()];
    const hit = entries.find(([, f]) => f.id === idOrName) ?? entries.find(([, f]) => f.name === idOrName);
    if (!hit) return { ok: false, reason: 'not-found' };
    this.byHash.delete(hit[0]);
    return { ok: true, feed: hit[1] };
  }

  async findByTokenHash(hash: string): Promise<FeedRecord | undefined> {
    const feed = this.byHash.get(hash);
    return feed && structuredClone(feed);
  }
}
