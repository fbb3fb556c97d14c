// kill -9 during the initial and during an incremental sync, then restart on the same data
// folder: the store must equal an uninterrupted run, nothing committed is fetched again, and
// the restart continues from the stored SyncState (no full resync).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import type { Simulator } from '../../src/simulator/server.js';
import { E2E_USER, openBridge, startMailbox } from '../support/store-e2e.js';

const N = 1000;
const CHILD = new URL('../support/store-crash-child.ts', import.meta.url).pathname;
let sim: Simulator;
let root: string;

t.before(async () => {
  // A little latency so a kill lands mid-sync.
  sim = await startMailbox(N, { latencyMs: 4 });
  root = mkdtempSync(join(tmpdir(), 'ewsdav-crash-'));
});
t.teardown(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

interface ChildRun {
  start: string;
  done: boolean;
  fetched: string[];
}

/** Runs the child; with `killAt`, SIGKILLs it once the store holds that many more objects than `base`. */
function runChild(dataDir: string, killAt?: { changesAtLeast: number }): Promise<ChildRun> {
  const fetchLog = join(dataDir, '..', `fetch-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(fetchLog, '');
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, EWS_URL: sim.ewsUrl, DATA_DIR: dataDir, FETCH_LOG: fetchLog, PAGE_SIZE: '200' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let poll: NodeJS.Timeout | undefined;
  if (killAt) {
    let db: Database.Database | undefined;
    const baseline = new Map<string, number>();
    poll = setInterval(() => {
      try {
        db ??= new Database(join(dataDir, 'store.db'), { readonly: true, fileMustExist: true });
        const seq = (db.prepare('SELECT coalesce(sum(seq), 0) AS s FROM calendars').get() as { s: number }).s;
        if (!baseline.has('seq')) baseline.set('seq', seq);
        if (seq - baseline.get('seq')! >= killAt.changesAtLeast) {
          child.kill('SIGKILL');
          clearInterval(poll);
          db.close();
        }
      } catch {
        // store.db not created yet, or the schema not yet migrated: poll again.
      }
    }, 2);
  }
  return new Promise((resolve) => {
    child.on('exit', () => {
      if (poll) clearInterval(poll);
      const fetched = readFileSync(fetchLog, 'utf8').split('\n').filter(Boolean);
      resolve({ start: /^start (.*)$/m.exec(out)?.[1] ?? '', done: /^done /m.test(out), fetched });
    });
  });
}

function snapshot(dataDir: string): { objects: string[]; changes: string[]; seq: number; states: number } {
  const db = new Database(join(dataDir, 'store.db'), { readonly: true });
  try {
    const objects = (db.prepare('SELECT name, etag, upstream_id FROM objects ORDER BY name').all() as { name: string; etag: string }[]).map((o) => `${o.name} ${o.etag}`);
    const changes = (db.prepare('SELECT name, op FROM changes ORDER BY name').all() as { name: string; op: string }[]).map((c) => `${c.name} ${c.op}`);
    const seq = (db.prepare('SELECT sum(seq) AS s FROM calendars').get() as { s: number }).s;
    const states = (db.prepare('SELECT count(*) AS n FROM calendars WHERE sync_state IS NOT NULL AND in_full_pass = 0').get() as { n: number }).n;
    return { objects, changes, seq, states };
  } finally {
    db.close();
  }
}

/** Upstream ids of objects written after change `afterSeq` (the Team calendar stays empty). */
function committedIds(dataDir: string, afterSeq = 0): Set<string> {
  const db = new Database(join(dataDir, 'store.db'), { readonly: true });
  try {
    const rows = db.prepare(
      `SELECT o.upstream_id FROM changes c JOIN objects o ON o.calendar = c.calendar AND o.name = c.name WHERE c.seq > ? AND c.op = 'put'`,
    ).all(afterSeq) as { upstream_id: string }[];
    return new Set(rows.map((r) => r.upstream_id));
  } finally {
    db.close();
  }
}

async function referenceRun(name: string): Promise<ReturnType<typeof snapshot>> {
  const dir = join(root, name);
  const b = openBridge(sim, dir, { config: { syncPageSize: 200 } });
  await b.engine.addAccount(E2E_USER, b.source);
  await b.engine.syncNow(E2E_USER);
  await b.close();
  return snapshot(dir);
}

t.test('kill -9 during the initial sync, restart', async (t) => {
  const dir = join(root, 'initial');
  const killed = await runChild(dir, { changesAtLeast: 400 });
  t.notOk(killed.done, 'killed before finishing');
  const committed = committedIds(dir);
  t.ok(committed.size >= 400 && committed.size < N, `${committed.size} objects committed before the kill`);

  const resumed = await runChild(dir);
  t.ok(resumed.done);
  t.equal(resumed.start, 'state true', 'continues the interrupted full pass from its stored SyncState');
  t.same(resumed.fetched.filter((id) => committed.has(id)), [], 'nothing committed is fetched again');
  t.equal(new Set([...committed, ...resumed.fetched]).size, N, 'together every item fetched once');
  const expected = await referenceRun('initial-reference');
  const got = snapshot(dir);
  t.same(got.objects, expected.objects, 'same objects and ETags as an uninterrupted run');
  t.same(got.changes, expected.changes, 'same change log (no duplicate, no loss)');
  t.equal(got.seq, expected.seq, 'same number of changes');
  t.equal(got.states, 2);
});

t.test('kill -9 during an incremental sync, restart', async (t) => {
  const dir = join(root, 'incremental');
  t.ok((await runChild(dir)).done, 'initial sync');
  const base = snapshot(dir);
  // 600 changed items (3 pages of 200) upstream, then a sync killed midway.
  const items = sim.control.items(E2E_USER, 'calendar').filter((i) => i.calendarItemType === 'Single').slice(0, 600);
  for (const [i, item] of items.entries()) sim.control.updateItem(E2E_USER, item.key, { subject: `changed ${i}` });
  const killed = await runChild(dir, { changesAtLeast: 200 });
  t.notOk(killed.done, 'killed before finishing');
  const mid = snapshot(dir);
  t.ok(mid.seq - base.seq >= 200 && mid.seq - base.seq < 600, `${mid.seq - base.seq} changes committed before the kill`);
  const committed = committedIds(dir, base.seq);
  t.equal(committed.size, mid.seq - base.seq);

  const resumed = await runChild(dir);
  t.ok(resumed.done);
  t.equal(resumed.start, 'state false', 'incremental again from the stored SyncState');
  t.ok(resumed.fetched.length <= 600 - (mid.seq - base.seq) + 200, `fetched ${resumed.fetched.length}: only what was not committed (± one page)`);
  t.same(resumed.fetched.filter((id) => committed.has(id)), [], 'committed items are not fetched again');
  const expected = await referenceRun('incremental-reference');
  const got = snapshot(dir);
  t.same(got.objects, expected.objects, 'same objects and ETags as an uninterrupted run');
  t.equal(got.seq - base.seq, 600, 'each change recorded exactly once');
});
