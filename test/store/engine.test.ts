// Sync engine logic against an in-memory source and a manual clock: paging and batching,
// idle syncs, real-change detection, single-flight, failure policies, resync, list refresh.

import t from 'tap';
import pino from 'pino';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { SyncEngine, type SyncEngineConfig } from '../../src/store/sync/engine.js';
import { FakeSource, fakeRenderer, upstreamError } from '../support/store-fake-source.js';
import { ManualClock } from '../support/store-clock.js';

const USER = 'mara@contoso.com';
const CONFIG: SyncEngineConfig = { intervalSeconds: 60, staleAfterSeconds: 300, tombstoneDays: 30, getItemBatchSize: 100, syncPageSize: 512 };

function setup(config: Partial<SyncEngineConfig> = {}, items = 0) {
  const clock = new ManualClock();
  const store = new SqliteStore({ dataDir: ':memory:' });
  const source = new FakeSource(USER, clock);
  source.addCalendar('F-cal', 'Calendar', 'default');
  for (let i = 0; i < items; i++) source.put('F-cal', `i${i}`, `event ${i}`);
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const engine = new SyncEngine({ store, logger: pino({ level: 'silent' }), config: { ...CONFIG, ...config }, renderer: fakeRenderer, clock, random });
  const advance = (ms: number) => clock.advance(ms, () => engine.idle());
  const calId = async () => (await store.listCalendars(USER))[0]!.id;
  const etags = async () => new Map((await store.listObjects(USER, await calId())).map((o) => [o.name, o.etag]));
  const reset = () => Object.assign(source.calls, { list: 0, changes: 0, fetch: 0 });
  return { clock, store, source, engine, advance, calId, etags, reset };
}

t.test('initial sync pages and batches; idle sync is one page and no fetch; real changes only', async (t) => {
  const { store, source, engine, calId, etags, reset } = setup({}, 1200);
  await engine.addAccount(USER, source);
  const r1 = await engine.syncNow(USER);
  t.same(source.calls, { list: 1, changes: 3, fetch: 14 }, '⌈1200/512⌉ pages, 6+6+2 GetItem batches');
  t.equal(source.fetchedItems, 1200);
  t.match(r1.calendars[0], { outcome: 'ok', stats: { fullPass: true, complete: true, changed: 1200, pages: 3 } });
  const cal = await calId();
  const token1 = (await store.getCalendar(USER, cal))!.syncToken;
  const before = await etags();
  t.equal(before.size, 1200);

  reset();
  await engine.syncNow(USER, cal);
  t.same(source.calls, { list: 0, changes: 1, fetch: 0 }, 'idle: one SyncFolderItems, no GetItem');
  t.equal((await store.getCalendar(USER, cal))!.syncToken, token1, 'idle sync keeps the token');

  source.put('F-cal', 'i1', 'event 1 moved');
  source.put('F-cal', 'new', 'brand new');
  source.remove('F-cal', 'i2');
  source.put('F-cal', 'i3', 'event 3'); // new ChangeKey, byte-identical rendering
  reset();
  await engine.syncNow(USER, cal);
  t.same(source.calls, { list: 0, changes: 1, fetch: 1 });
  const after = await etags();
  const delta = await store.changesSince(USER, cal, token1);
  if (!delta.ok) throw new Error('token refused');
  t.same(delta.changed.map((c) => c.name).sort(), ['uid-i1.ics', 'uid-new.ics'], 'exactly the modified and added objects');
  t.same(delta.deleted, ['uid-i2.ics']);
  t.equal(after.get('uid-i3.ics'), before.get('uid-i3.ics'), 'byte-identical update keeps its ETag');
  let kept = 0;
  for (const [name, etag] of after) if (before.get(name) === etag) kept++;
  t.equal(kept, 1198, 'every other object keeps its ETag');
  const token2 = (await store.getCalendar(USER, cal))!.syncToken;
  t.not(token2, token1, 'token advanced');
  await engine.syncNow(USER, cal);
  t.equal((await store.getCalendar(USER, cal))!.syncToken, token2, 'and only once');
});

t.test('single-flight: 50 concurrent refreshes make one sync', async (t) => {
  const { source, engine, clock, reset } = setup({}, 10);
  await engine.addAccount(USER, source);
  await engine.syncNow(USER);
  await clock.advance(301_000);
  reset();
  let release!: () => void;
  source.gate = new Promise((r) => (release = r));
  const refreshes = Array.from({ length: 50 }, () => engine.refreshIfStale(USER));
  source.put('F-cal', 'late', 'x');
  release();
  source.gate = undefined;
  await Promise.all(refreshes);
  t.same(source.calls, { list: 0, changes: 1, fetch: 1 }, 'one pass for 50 triggers');
  reset();
  await Promise.all(Array.from({ length: 50 }, () => engine.refreshIfStale(USER)));
  t.same(source.calls, { list: 0, changes: 0, fetch: 0 }, 'fresh data: no sync at all');
});

t.test('Exchange down: store keeps serving, backoff, recovery to normal intervals', async (t) => {
  const { source, engine, store, advance, calId, etags, reset } = setup({ backoffBaseSeconds: 15, backoffMaxSeconds: 600 }, 20);
  await engine.addAccount(USER, source);
  engine.start();
  await advance(10_000);
  t.equal(source.calls.changes, 1, 'started: first sync ran');
  const served = await etags();
  const token = (await store.getCalendar(USER, await calId()))!.syncToken;

  source.down = upstreamError('EWSDAV_ERR_UPSTREAM_NETWORK');
  reset();
  await advance(180_000); // three intervals
  const attemptsDown = source.calls.changes + source.calls.list;
  t.ok(attemptsDown >= 2 && attemptsDown <= 4, `backed off: ${attemptsDown} attempts in three intervals`);
  t.same(await etags(), served, 'same ETags served while down');
  t.equal((await store.getCalendar(USER, await calId()))!.syncToken, token);
  const st = engine.status()[0]!;
  t.equal(st.state, 'backoff');
  t.match(st.error, { category: 'transient' });
  t.match(await store.getAccount(USER), { state: 'error', errorClass: 'transient' });
  await engine.refreshIfStale(USER);
  t.equal(source.calls.changes + source.calls.list, attemptsDown, 'client reads do not hammer a down Exchange');

  source.down = undefined;
  source.put('F-cal', 'after', 'after outage');
  await advance(900_000);
  t.equal((await etags()).size, 21, 'recovered and caught up');
  t.equal(engine.status()[0]!.state, 'ok');
  reset();
  await advance(600_000);
  t.ok(source.calls.changes >= 9 && source.calls.changes <= 11, `normal interval again (${source.calls.changes} syncs in 10 min)`);
  await engine.stop();
});

t.test('throttled: no request to the mailbox before BackOffMilliseconds', async (t) => {
  const { source, engine, clock, advance, store } = setup({}, 300);
  await engine.addAccount(USER, source);
  source.faults.fetch.push(upstreamError('EWSDAV_ERR_UPSTREAM_THROTTLED', 45_000));
  engine.start();
  await advance(1);
  const throttledAt = clock.now();
  const n = source.requestTimes.length;
  t.equal(engine.status()[0]!.state, 'throttled');
  await engine.refreshIfStale(USER);
  const r = await engine.syncNow(USER);
  t.match(r.calendars[0], { outcome: 'skipped', skipped: 'throttled' }, 'even syncNow waits for the gate');
  await advance(44_000);
  t.equal(source.requestTimes.length, n, 'nothing sent during the back-off');
  await advance(3_000);
  t.ok(source.requestTimes.length > n, 'resumed after the back-off');
  t.ok(source.requestTimes.slice(n).every((at) => at >= throttledAt + 45_000), 'first retry not before BackOffMilliseconds');
  t.equal((await store.listObjects(USER, (await store.listCalendars(USER))[0]!.id)).length, 300);
  await engine.stop();
});

t.test('auth failure stops the account until new credentials; forbidden is reported', async (t) => {
  const { source, engine, advance, store, reset } = setup({}, 5);
  await engine.addAccount(USER, source);
  engine.start();
  await advance(10_000);
  source.down = upstreamError('EWSDAV_ERR_UPSTREAM_AUTH');
  await advance(70_000);
  reset();
  await advance(3_600_000);
  t.same(source.calls, { list: 0, changes: 0, fetch: 0 }, 'no retry loop after 401 (lockout)');
  t.match(await store.getAccount(USER), { state: 'needs-credentials', needsCredentials: true, errorClass: 'auth' });
  t.equal(engine.status()[0]!.state, 'needs-credentials');
  t.match((await engine.syncNow(USER)).calendars[0], { outcome: 'skipped', skipped: 'needs-credentials' });

  source.down = undefined;
  await engine.setCredentials(USER, source);
  await advance(10_000);
  t.ok(source.calls.changes >= 1, 'new credentials: syncing again');
  t.match(await store.getAccount(USER), { state: 'ok', needsCredentials: false });

  source.down = new (await import('../../src/errors.js')).EwsdavError('EWSDAV_ERR_UPSTREAM_FORBIDDEN', 'EWS is disabled for this mailbox (EWSEnabled=false).');
  await advance(70_000);
  t.match(engine.status()[0], { error: { category: 'forbidden', message: /EWSEnabled/ } });
  t.match(await store.getAccount(USER), { errorClass: 'forbidden', errorMessage: /EWSEnabled/ });
  reset();
  await advance(1_800_000);
  t.equal(source.calls.changes, 0, 'forbidden: no retry loop either');
  await engine.stop();
});

t.test('invalid SyncState: full resync keeps ETags, fetches only changed items, deletes the unseen', async (t) => {
  const { source, engine, store, calId, etags, reset } = setup({}, 700);
  await engine.addAccount(USER, source);
  await engine.syncNow(USER);
  const cal = await calId();
  const token = (await store.getCalendar(USER, cal))!.syncToken;
  const before = await etags();
  source.put('F-cal', 'i5', 'changed while state lost');
  source.remove('F-cal', 'i6');
  source.minValidVersion = Number.MAX_SAFE_INTEGER;
  reset();
  const r = await engine.syncNow(USER, cal);
  source.minValidVersion = 0;
  t.match(r.calendars[0], { outcome: 'ok', resynced: true, stats: { fullPass: true, complete: true, changed: 1, deleted: 1, skipped: 698 } });
  t.equal(source.fetchedItems - 700, 1, 'only the changed item was fetched again');
  const after = await etags();
  t.equal(after.size, 699);
  t.not(after.get('uid-i5.ics'), before.get('uid-i5.ics'));
  t.equal([...after].filter(([n, e]) => before.get(n) === e).length, 698, 'unchanged objects keep ETags');
  const delta = await store.changesSince(USER, cal, token);
  t.ok(delta.ok && delta.changed.length === 1 && delta.deleted.join() === 'uid-i6.ics', 'clients see exactly the difference');
});

t.test('calendar list: filters, new and removed folders; item gone at fetch time', async (t) => {
  const { source, engine, store, reset } = setup({}, 3);
  source.addCalendar('F-team', 'Team');
  source.addCalendar('F-bday', 'Birthdays', 'birthdays');
  source.put('F-team', 't1', 'team');
  await engine.addAccount(USER, source, { include: ['*'], exclude: ['Birth*'] });
  const r = await engine.syncNow(USER);
  t.equal(r.list?.added.length, 2);
  t.same((await store.listCalendars(USER)).map((c) => c.displayName), ['Calendar', 'Team']);
  source.calendars.splice(1, 1);
  source.addCalendar('F-new', 'Newly shared');
  source.put('F-new', 'n1', 'x');
  reset();
  const r2 = await engine.syncNow(USER);
  t.same((await store.listCalendars(USER)).map((c) => c.displayName), ['Calendar', 'Newly shared']);
  t.equal(r2.list?.removed.length, 1);
  const newId = r2.list!.added[0]!;
  t.equal((await store.listObjects(USER, newId)).length, 1, 'new folder synced');

  await engine.addAccount(USER, source, { include: ['Calendar'] });
  await engine.syncNow(USER);
  t.same((await store.listCalendars(USER)).map((c) => c.displayName), ['Calendar'], 'include by name');
  const cal = (await store.listCalendars(USER))[0]!.id;
  await engine.addAccount(USER, source, { include: [cal] });
  await engine.syncNow(USER);
  t.same((await store.listCalendars(USER)).map((c) => c.id), [cal], 'include by calendar id');

  // SyncFolderItems lists it, GetItem no longer finds it (ErrorItemNotFound): not stored.
  source.put('F-cal', 'ghost', 'x');
  const orig = source.fetchObjects.bind(source);
  source.fetchObjects = async (c, refs) => (await orig(c, refs)).map((res) => (res.ref.id === 'ghost' ? { ok: false, ref: res.ref, reason: 'not-found' } : res));
  await engine.syncNow(USER, cal);
  t.equal((await store.listObjects(USER, cal)).length, 3, 'vanished item is not stored');
});

t.test('a pass interrupted after some pages resumes without refetching committed pages', async (t) => {
  const { source, engine, store, calId, reset } = setup({ syncPageSize: 100, lookaheadPages: 0 }, 450);
  await engine.addAccount(USER, source);
  source.faults.fetch.push(...[]);
  let fetches = 0;
  const orig = source.fetchObjects.bind(source);
  source.fetchObjects = async (c, refs) => {
    if (++fetches === 3) throw upstreamError('EWSDAV_ERR_UPSTREAM_NETWORK');
    return orig(c, refs);
  };
  const r = await engine.syncNow(USER);
  t.match(r.calendars[0], { outcome: 'error', error: { category: 'transient' } });
  const cal = await calId();
  t.equal((await store.listObjects(USER, cal)).length, 200, 'two pages committed with their state');
  t.match(await store.getSyncInfo(USER, cal), { syncState: 'v200', inFullPass: true });
  reset();
  const before = source.fetchedItems;
  await engine.syncNow(USER, cal);
  t.equal(source.fetchedItems - before, 250, 'only the uncommitted 250 fetched');
  t.equal((await store.listObjects(USER, cal)).length, 450);
  t.equal((await store.getSyncInfo(USER, cal))?.inFullPass, false);
});

t.test('stop() is graceful; status for readyz', async (t) => {
  const { source, engine, clock } = setup({}, 50);
  await engine.addAccount(USER, source);
  t.match(engine.status(), [{ user: USER, mailbox: USER, state: 'never-synced' }]);
  let release!: () => void;
  source.gate = new Promise((r) => (release = r));
  engine.start();
  await clock.advance(1);
  const stopping = engine.stop();
  release();
  await stopping;
  t.same(clock.pending().length, 0, 'no timers left');
  t.notOk(engine.status()[0]!.calendars.some((c) => c.syncing));
});
