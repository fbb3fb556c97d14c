// The sync engine end to end: EWS simulator over HTTP → EwsCalendarSource → SyncEngine →
// SqliteStore. Assertions are on the simulator's request counters (DESIGN "Testing"); where
// time matters the engine runs on a manual clock.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { objectBounds } from '../../src/ical/index.js';
import { icalRenderer } from '../../src/store/sync/render.js';
import { SyncEngine } from '../../src/store/sync/engine.js';
import type { Simulator } from '../../src/simulator/server.js';
import { E2E_CONFIG, E2E_USER, openBridge, startMailbox, type Bridge } from '../support/store-e2e.js';
import { ManualClock } from '../support/store-clock.js';
import pino from 'pino';

const N = 2000;
let sim: Simulator;

t.before(async () => {
  sim = await startMailbox(N);
});
t.teardown(() => sim.close());

function bridge(t: Test, options: Parameters<typeof openBridge>[2] = {}): Bridge {
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-e2e-'));
  const b = openBridge(sim, dir, options);
  t.teardown(async () => {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return b;
}

const ops = () => sim.control.counters().byOperation;
async function etags(b: Bridge, cal: string): Promise<Map<string, string>> {
  return new Map((await b.store.listObjects(E2E_USER, cal)).map((o) => [o.name, o.etag]));
}
async function defaultCalendar(b: Bridge): Promise<string> {
  return (await b.store.listCalendars(E2E_USER)).find((c) => c.kind === 'default')!.id;
}

t.test('initial sync, idle sync, add/modify/delete', async (t) => {
  const b = bridge(t);
  // Bounds are a cheap superset of src/ical's exact ones: checked on the first 300 objects.
  let checked = 0;
  const renderer = {
    render: icalRenderer.render,
    bounds: (obj: Parameters<typeof objectBounds>[0]) => {
      const approx = icalRenderer.bounds(obj);
      if (checked++ < 300) {
        const exact = objectBounds(obj);
        if (!(approx.firstStart <= exact.firstStart) || !(approx.lastEnd === undefined || (exact.lastEnd !== undefined && approx.lastEnd >= exact.lastEnd))) {
          t.fail(`bounds not a superset for ${obj.uid}: ${JSON.stringify({ approx, exact })}`);
        }
      }
      return approx;
    },
  };
  const engine = new SyncEngine({ store: b.store, logger: pino({ level: 'silent' }), config: E2E_CONFIG, renderer });
  t.teardown(() => engine.stop());
  await engine.addAccount(E2E_USER, b.source);
  sim.control.resetCounters();
  const r = await engine.syncNow(E2E_USER);
  const c1 = ops();
  t.ok((c1.SyncFolderItems ?? 0) <= Math.ceil(N / 512) + 1, `SyncFolderItems ${c1.SyncFolderItems} ≤ ⌈${N}/512⌉ + 1 (the empty Team calendar)`);
  // Each GetItem batch of masters may need one more GetItem for its modified occurrences.
  t.ok((c1.GetItem ?? 0) <= 2 * Math.ceil(N / 100), `GetItem ${c1.GetItem} ≤ ⌈${N}/100⌉ batches + occurrence fetches`);
  t.equal(r.calendars.filter((c) => c.outcome === 'ok').length, 2);
  const cal = await defaultCalendar(b);
  const objects = await b.store.listObjects(E2E_USER, cal);
  t.equal(objects.length, N, 'every item stored');
  t.ok(checked >= 300);

  sim.control.resetCounters();
  await engine.syncNow(E2E_USER);
  t.same({ sfi: ops().SyncFolderItems, gi: ops().GetItem ?? 0 }, { sfi: 2, gi: 0 }, 'idle: one SyncFolderItems per calendar, no GetItem');

  const before = await etags(b, cal);
  const token = (await b.store.getCalendar(E2E_USER, cal))!.syncToken;
  const items = sim.control.items(E2E_USER, 'calendar');
  const single = items.filter((i) => i.calendarItemType === 'Single');
  const modified = single[0]!;
  const deleted = single[1]!;
  sim.control.updateItem(E2E_USER, modified.key, { subject: 'Moved by the simulator' });
  sim.control.deleteItem(E2E_USER, deleted.key);
  const added = sim.control.addItem(E2E_USER, { subject: 'Added', start: '2026-05-04T09:00:00Z', end: '2026-05-04T10:00:00Z' });
  sim.control.resetCounters();
  await engine.syncNow(E2E_USER, cal);
  t.same({ sfi: ops().SyncFolderItems, gi: ops().GetItem }, { sfi: 1, gi: 1 }, 'one page, one GetItem for the two changed items');
  const after = await etags(b, cal);
  const delta = await b.store.changesSince(E2E_USER, cal, token);
  if (!delta.ok) throw new Error('token refused');
  const addedUid = sim.control.items(E2E_USER, 'calendar').find((i) => i.key === added.key)!.uid;
  t.same(delta.changed.map((c) => c.uid).sort(), [modified.uid, addedUid].sort(), 'exactly the modified and the added object');
  t.equal(delta.deleted.length, 1);
  t.equal(after.size, N);
  let kept = 0;
  for (const [name, etag] of after) if (before.get(name) === etag) kept++;
  t.equal(kept, N - 2, 'all other objects keep their ETags');
  const token2 = (await b.store.getCalendar(E2E_USER, cal))!.syncToken;
  await engine.syncNow(E2E_USER, cal);
  t.equal((await b.store.getCalendar(E2E_USER, cal))!.syncToken, token2, 'token advanced once');
});

t.test('50 concurrent refreshes of stale data → one sync', async (t) => {
  const b = bridge(t, { config: { staleAfterSeconds: 0 } });
  await b.engine.addAccount(E2E_USER, b.source);
  await b.engine.syncNow(E2E_USER);
  sim.control.resetCounters();
  await Promise.all(Array.from({ length: 50 }, () => b.engine.refreshIfStale(E2E_USER, undefined)));
  t.equal(ops().SyncFolderItems, 2, 'one SyncFolderItems per calendar for 50 client reads');
});

t.test('Exchange down for three intervals: same ETags, backoff, recovery', async (t) => {
  const clock = new ManualClock();
  const b = bridge(t, { clock });
  const advance = (ms: number) => clock.advance(ms, () => b.engine.idle());
  await b.engine.addAccount(E2E_USER, b.source);
  b.engine.start();
  await advance(10_000);
  const cal = await defaultCalendar(b);
  const served = await etags(b, cal);
  t.equal(served.size, N);
  const fault = sim.control.injectFault({ kind: 'drop', count: 1_000_000, mailbox: E2E_USER });
  sim.control.resetCounters();
  await advance(180_000);
  const attempts = sim.control.counters().requests;
  t.ok(attempts >= 1 && attempts <= 6, `backed off: ${attempts} attempts in three intervals (2 calendars)`);
  t.equal(b.engine.status()[0]!.state, 'backoff');
  t.same(await etags(b, cal), served, 'the store keeps serving the same ETags');
  sim.control.clearFaults(fault.id);
  await advance(900_000);
  t.equal(b.engine.status()[0]!.state, 'ok', 'recovered');
  t.same(await etags(b, cal), served, 'nothing changed upstream: ETags unchanged after recovery');
});

t.test('throttled (ErrorServerBusy, BackOffMilliseconds=N): no request before N ms', async (t) => {
  const clock = new ManualClock();
  const b = bridge(t, { clock });
  const advance = (ms: number) => clock.advance(ms, () => b.engine.idle());
  await b.engine.addAccount(E2E_USER, b.source);
  await b.engine.syncNow(E2E_USER);
  sim.control.injectFault({ kind: 'serverBusy', operation: 'SyncFolderItems', backOffMs: 30_000, form: 'message', count: 1 });
  const cal = await defaultCalendar(b);
  const r = await b.engine.syncNow(E2E_USER, cal);
  t.match(r.calendars[0], { outcome: 'error', error: { category: 'throttled' } }, 'throttled once');
  t.equal(b.engine.status()[0]!.state, 'throttled');
  const seen = sim.control.counters().requests;
  b.engine.start();
  await advance(28_000);
  await b.engine.refreshIfStale(E2E_USER);
  t.match((await b.engine.syncNow(E2E_USER)).calendars, [{ outcome: 'skipped', skipped: 'throttled' }, { outcome: 'skipped', skipped: 'throttled' }]);
  t.equal(sim.control.counters().requests, seen, 'nothing sent before BackOffMilliseconds: timers, client reads and syncNow all wait');
  await advance(3_000);
  t.ok(sim.control.counters().requests > seen, 'resumed after it');
  t.equal(b.engine.status()[0]!.state, 'ok');
});

t.test('invalid SyncState: resync without GetItem for unchanged items, ETags kept', async (t) => {
  const b = bridge(t);
  await b.engine.addAccount(E2E_USER, b.source);
  await b.engine.syncNow(E2E_USER);
  const cal = await defaultCalendar(b);
  const before = await etags(b, cal);
  const token = (await b.store.getCalendar(E2E_USER, cal))!.syncToken;
  b.store.db.prepare('UPDATE calendars SET sync_state = ? WHERE id = ?').run('H4sIAAAAAAAEAAsuSSxJBQBSnKTjBgAAAA==', cal);
  sim.control.resetCounters();
  const r = await b.engine.syncNow(E2E_USER, cal);
  t.match(r.calendars[0], { outcome: 'ok', resynced: true, stats: { fullPass: true, complete: true, changed: 0, deleted: 0 } });
  t.equal(ops().GetItem ?? 0, 0, 'unchanged ChangeKeys: nothing refetched');
  t.same(await etags(b, cal), before, 'ETags kept');
  const delta = await b.store.changesSince(E2E_USER, cal, token);
  t.ok(delta.ok && delta.changed.length === 0 && delta.deleted.length === 0, 'clients see no change');
});
