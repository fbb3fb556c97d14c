// Feed tokens: generation and hashing, the in-memory store (the reference for SQLite), and
// config-declared feeds merged in front of it.

import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/index.js';
import { configuredFeedRecords, resolveConfiguredFeeds, withConfiguredFeeds } from '../../src/feed/configured.js';
import { MemoryFeedTokenStore } from '../../src/feed/memory-tokens.js';
import { MIN_TOKEN_LENGTH, hashFeedToken, newFeedToken, type FeedTokenStore } from '../../src/feed/tokens.js';
import { StoredFeedTokens } from '../../src/feed/stored-tokens.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

const POLICY = { detail: 'limited', privateItems: 'busy' } as const;

t.test('tokens: 256 random bits, base64url, stored as SHA-256 only', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const { token, hash } = newFeedToken();
    t.match(token, /^[A-Za-z0-9_-]{43}$/);
    t.equal(hash, hashFeedToken(token));
    t.match(hash, /^[0-9a-f]{64}$/);
    seen.add(token);
  }
  t.equal(seen.size, 50);
  t.equal(hashFeedToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'plain SHA-256 (hex) so any store can index it');
});

// The same behaviour from the in-memory reference and the SQLite-backed store the bridge uses.
const stores: [string, () => { store: FeedTokenStore; raw: () => string; close: () => void }][] = [
  ['memory', () => ({ store: new MemoryFeedTokenStore(() => 1_000), raw: () => '', close: () => undefined })],
  [
    'sqlite',
    () => {
      const sqlite = new SqliteStore({ dataDir: ':memory:' });
      const raw = () => JSON.stringify(sqlite.db.prepare('SELECT * FROM feed_tokens').all());
      return { store: new StoredFeedTokens(sqlite.feedTokens, () => 1_000), raw, close: () => sqlite.close() };
    },
  ],
];

for (const [kind, make] of stores) t.test(`${kind} store: create, find by hash, list, revoke by id or name`, async (t) => {
  const { store, raw, close } = make();
  t.teardown(close);
  const a = await store.create({ name: 'team-board', user: 'mara@contoso.com', calendarId: 'cal1', policy: POLICY });
  const b = await store.create({ user: 'mara@contoso.com', calendarId: 'cal2', policy: { detail: 'availability', privateItems: 'hide' } });
  const c = await store.create({ name: 'jo', user: 'jo@contoso.com', calendarId: 'cal3', policy: POLICY });
  t.equal(b.feed.name, `feed-${b.id}`, 'default name from the id');
  t.same((await store.findByTokenHash(hashFeedToken(a.token)))?.name, 'team-board');
  t.equal(await store.findByTokenHash(hashFeedToken(`${a.token}x`)), undefined);
  t.same((await store.list()).map((f) => f.name), ['jo', ...[b.feed.name, 'team-board'].sort()], 'by user, then name');
  t.same((await store.list('mara@contoso.com')).length, 2);
  t.notOk(JSON.stringify(await store.list()).includes(a.token), 'a listing never contains a token');
  await t.rejects(store.create({ name: 'team-board', user: 'x', calendarId: 'y', policy: POLICY }), /exists already/);
  await t.rejects(store.create({ name: '../etc', user: 'x', calendarId: 'y', policy: POLICY }), /not allowed/);
  t.same(await store.revoke('nope'), { ok: false, reason: 'not-found' });
  t.equal((await store.revoke(a.id)).ok, true, 'by id');
  t.equal(await store.findByTokenHash(hashFeedToken(a.token)), undefined, 'revoked: gone');
  t.equal((await store.revoke('jo')).ok, true, 'by name');
  t.equal(await store.findByTokenHash(hashFeedToken(c.token)), undefined);
  t.equal((await store.list()).length, 1);
  t.notOk(raw().includes(b.token), 'the table holds no token, only its hash');
});

t.test('config feeds: resolved to hashes, checked, merged in front of the store', async (t) => {
  const token = 'c0nfigToken_0123456789abcdef';
  const config = validateConfig({
    feeds: [
      { name: 'public-board', user: 'mara@contoso.com', calendar: 'Calendar', token: { env: 'FEED_TOKEN' }, detail: 'availability', daysAhead: 14, categories: { exclude: ['Personal'] } },
    ],
  });
  const configured = await resolveConfiguredFeeds(config.feeds, { baseDir: '/', env: { FEED_TOKEN: token } });
  t.equal(configured[0]!.tokenHash, hashFeedToken(token));
  t.same(configured[0]!.record.policy, { detail: 'availability', privateItems: 'busy', daysAhead: 14, categories: { exclude: ['Personal'] } });

  const memory = new MemoryFeedTokenStore();
  const merged = withConfiguredFeeds(memory, configured);
  t.same((await merged.findByTokenHash(hashFeedToken(token)))?.id, 'config:public-board');
  const created = await merged.create({ name: 'other', user: 'mara@contoso.com', calendarId: 'x', policy: POLICY });
  t.equal((await merged.findByTokenHash(hashFeedToken(created.token)))?.name, 'other');
  t.same((await merged.list()).map((f) => [f.name, f.source]), [['other', 'store'], ['public-board', 'config']]);
  await t.rejects(merged.create({ name: 'public-board', user: 'u', calendarId: 'c', policy: POLICY }), /declared in the configuration/);
  t.same(await merged.revoke('public-board'), { ok: false, reason: 'declared-in-config' });
  t.same(await merged.revoke('config:public-board'), { ok: false, reason: 'declared-in-config' });
  t.same(configuredFeedRecords(config.feeds)[0]!.tokenHash, undefined, 'listing needs no secret');

  const bad = validateConfig({
    feeds: [
      { name: 'a', user: 'u@x.org', calendar: 'c', token: 'short' },
      { name: 'b', user: 'u@x.org', calendar: 'c', token: 'short' },
    ],
  });
  // The schema checks the expression too; this is the second line of defence for other callers.
  const feeds = [bad.feeds[0]!, { ...bad.feeds[1]!, excludeSubject: '(' }];
  const error = await resolveConfiguredFeeds(feeds, { baseDir: '/' }).catch((e: unknown) => e);
  t.ok(error instanceof ConfigError);
  const message = (error as ConfigError).message;
  t.match(message, new RegExp(`feeds\\[0\\]\\.token: expected at least ${MIN_TOKEN_LENGTH} characters`));
  t.match(message, /feeds\[1\]\.token: the same token as an earlier feed/);
  t.match(message, /feeds\[1\]: excludeSubject is not a valid regular expression/);
  t.notMatch(message, /short/, 'the message never repeats a token');
});
