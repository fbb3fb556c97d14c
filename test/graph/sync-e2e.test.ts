// The store issue's sync tests through Microsoft Graph (Graph issue, "Done when"): simulator
// Graph endpoints over HTTP → GraphCalendarSource → SyncEngine → SqliteStore. Assertions are on
// the simulator's request counters, never on elapsed time; where time matters the engine runs on
// a manual clock.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t, { type Test } from 'tap';
import { generateItems } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { SyncEngine, type SyncEngineConfig } from '../../src/store/sync/engine.js';
import type { Clock } from '../../src/store/sync/clock.js';
import { E2E_CONFIG } from '../support/store-e2e.js';
import { ManualClock } from '../support/store-clock.js';
import { graphSourceFor, startGraphRig } from '../support/graph-e2e.js';

const USER = 'mara@contoso.com';
const N = 2000;
const NOW = Date.parse('2026-02-01T09:00:00Z');
const rig = await startGraphRig({
  demo: false,
  secret: 'graph-sync-e2e',
  now: NOW,
  mailboxes: {
    mailboxes: [{
      smtp: USER, displayName: 'Mara', timeZone: 'W. Europe Standard Time',
      folders: [{ key: 'team', displayName: 'Team', folderClass: 'IPF.Appointment', parent: 'calendar' }],
      items: generateItems(N, { seed: 7 }),
    }],
  },
});
t.teardown(() => rig.close());
const { sim } = rig;

function bridge(t: Test, options: { clock?: Clock; config?: Partial<SyncEngineConfig> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-graph-e2e-'));
  const store = new SqliteStore({ dataDir: dir });
  const source = graphSourceFor(rig, USER, { now: () => NOW });
  const base = { store, logger: pino({ level: 'silent' }), config: { ...E2E_CONFIG, ...options.config } };
  const engine = new SyncEngine(options.clock ? { ...base, clock: options.clock } : base);
  t.teardown(async () => {
    await engine.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, source, engine };
}

const ops = () => sim.control.counters().byOperation;
const graphOps = () => Object.fromEntries(Object.entries(ops()).filter(([op]) => op.startsWith('graph:')));
async function etags(store: SqliteStore, cal: string): Promise<Map<string, string>> {
  return new Map((await store.listObjects(USER, cal)).map((o) => [o.name, o.etag]));
}
async function defaultCalendar(store: SqliteStore): Promise<string> {
  return (await store.listCalendars(USER)).find((c) => c.kind === 'default')!.id;
}

t.test('initial sync, idle sync, add/modify/delete, a deleted occurrence', async (t) => {
  const b = bridge(t);
  await b.engine.addAccount(USER, b.source);
  sim.control.resetCounters();
  const r = await b.engine.syncNow(USER);
  t.equal(r.calendars.filter((c) => c.outcome === 'ok').length, 2, 'Calendar and Team synced');
  const initial = graphOps();
  const series = sim.control.items(USER, 'calendar').filter((i) => i.calendarItemType === 'RecurringMaster').length;
  // A series' instances are asked from the occurrence before the window to the one after it, in
  // spans of at most 1,825 days: with the default 1,461-day window, one or two per series.
  const spans = new Map<string, Set<string>>();
  let firstPages = 0;
  let longest = 0;
  for (const e of sim.control.requestLog()) {
    if (e.operation !== 'graph:instances') continue;
    const url = new URL(e.path, 'http://graph.invalid/v1.0/');
    if (url.searchParams.has('$skip')) continue; // a further page (nextLink)
    firstPages++;
    const id = url.pathname.split('/events/')[1]!.split('/')[0]!;
    const [from, to] = [Date.parse(url.searchParams.get('startDateTime')!), Date.parse(url.searchParams.get('endDateTime')!)];
    longest = Math.max(longest, to - from);
    spans.set(id, (spans.get(id) ?? new Set()).add(`${from}..${to}`));
  }
  t.equal(spans.size, series, 'the instances of every series listed');
  t.ok([...spans.values()].every((s) => s.size <= 2), 'in one or two spans each');
  t.ok(longest <= 1825 * 86_400_000, `none longer than 1,825 days (${longest / 86_400_000})`);
  t.ok((initial['graph:batch'] ?? 0) <= Math.ceil(N / 20) + Math.ceil(firstPages / 20) + 2, `batches ${initial['graph:batch']} ≤ ⌈${N}/20⌉ + ⌈${firstPages}/20⌉ + slack (${JSON.stringify(initial)})`);
  t.ok((initial['graph:instances'] ?? 0) <= 2 * firstPages, `one instances listing per span asked, paging aside (${initial['graph:instances']} for ${firstPages})`);
  const cal = await defaultCalendar(b.store);
  t.equal((await b.store.listObjects(USER, cal)).length, N, 'every item stored');

  sim.control.resetCounters();
  await b.engine.syncNow(USER);
  t.same(graphOps(), { 'graph:calendars': 1, 'graph:delta': 2 }, 'idle: the calendar list and one delta request per calendar, nothing fetched');

  const before = await etags(b.store, cal);
  const token = (await b.store.getCalendar(USER, cal))!.syncToken;
  const items = sim.control.items(USER, 'calendar');
  const singles = items.filter((i) => i.calendarItemType === 'Single');
  const [modified, deleted] = [singles[0]!, singles[1]!];
  const seriesItem = items.find((i) => i.calendarItemType === 'RecurringMaster')!;
  sim.control.updateItem(USER, modified.key, { subject: 'Moved by the simulator' });
  sim.control.deleteItem(USER, deleted.key);
  const added = sim.control.addItem(USER, { subject: 'Added', start: '2026-05-04T09:00:00Z', end: '2026-05-04T10:00:00Z' });
  sim.control.deleteOccurrence(USER, seriesItem.key, { instanceIndex: 2 });
  sim.control.resetCounters();
  await b.engine.syncNow(USER, cal);
  const delta = await b.store.changesSince(USER, cal, token);
  if (!delta.ok) throw new Error('token refused');
  const addedUid = sim.control.items(USER, 'calendar').find((i) => i.key === added.key)!.uid;
  t.same(delta.changed.map((c) => c.uid).sort(), [modified.uid, addedUid, seriesItem.uid].sort(), 'exactly the modified, the added and the series that lost an occurrence');
  t.equal(delta.deleted.length, 1, 'and the deleted one');
  const after = await etags(b.store, cal);
  let kept = 0;
  for (const [name, etag] of after) if (before.get(name) === etag) kept++;
  t.equal(kept, N - 3, 'all other objects keep their ETags');
  t.match((await b.store.getObjects(USER, cal, [...after.keys()].filter((n) => before.get(n) !== after.get(n)))).map((o) => o.ical).join(), /EXDATE/, 'the deleted occurrence is an EXDATE');
  const token2 = (await b.store.getCalendar(USER, cal))!.syncToken;
  await b.engine.syncNow(USER, cal);
  t.equal((await b.store.getCalendar(USER, cal))!.syncToken, token2, 'token advanced once');
});

t.test('50 concurrent refreshes of stale data → one sync', async (t) => {
  const b = bridge(t, { config: { staleAfterSeconds: 0 } });
  await b.engine.addAccount(USER, b.source);
  await b.engine.syncNow(USER);
  sim.control.resetCounters();
  await Promise.all(Array.from({ length: 50 }, () => b.engine.refreshIfStale(USER, undefined)));
  t.equal(graphOps()['graph:delta'], 2, 'one delta request per calendar for 50 client reads');
});

t.test('429 with Retry-After: nothing is sent to the mailbox before it passes', async (t) => {
  const clock = new ManualClock();
  const b = bridge(t, { clock });
  const advance = (ms: number) => clock.advance(ms, () => b.engine.idle());
  await b.engine.addAccount(USER, b.source);
  await b.engine.syncNow(USER);
  sim.graph!.throttle({ status: 429, count: 1, retryAfterSeconds: 30, mailbox: USER });
  const cal = await defaultCalendar(b.store);
  const r = await b.engine.syncNow(USER, cal);
  t.match(r.calendars[0], { outcome: 'error', error: { category: 'throttled' } }, 'throttled once');
  const seen = sim.control.counters().requests;
  b.engine.start();
  await advance(28_000);
  await b.engine.refreshIfStale(USER);
  t.match((await b.engine.syncNow(USER)).calendars, [{ outcome: 'skipped', skipped: 'throttled' }, { outcome: 'skipped', skipped: 'throttled' }]);
  t.equal(sim.control.counters().requests, seen, 'nothing sent before Retry-After: timers, client reads and syncNow all wait');
  await advance(3_000);
  t.ok(sim.control.counters().requests > seen, 'resumed after it');
  t.equal(b.engine.status()[0]!.state, 'ok');
});

t.test('410 on the delta link: resync without spurious ETag changes', async (t) => {
  const b = bridge(t);
  await b.engine.addAccount(USER, b.source);
  await b.engine.syncNow(USER);
  const cal = await defaultCalendar(b.store);
  const before = await etags(b.store, cal);
  const token = (await b.store.getCalendar(USER, cal))!.syncToken;
  sim.graph!.expireDeltaTokens();
  sim.control.resetCounters();
  const r = await b.engine.syncNow(USER, cal);
  t.match(r.calendars[0], { outcome: 'ok', resynced: true, stats: { fullPass: true, complete: true, changed: 0, deleted: 0 } });
  t.same(await etags(b.store, cal), before, 'ETags kept');
  const delta = await b.store.changesSince(USER, cal, token);
  t.ok(delta.ok && delta.changed.length === 0 && delta.deleted.length === 0, 'clients see no change');
});
