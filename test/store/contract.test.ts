// The store contract against the SQLite store, plus what only a file-backed store can show:
// the same data and tokens after reopening, and the pragmas chosen for crash safety.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { calendarStoreContract, obj, page, upstreamCalendar } from '../support/store-contract.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ewsdav-store-'));
}

t.test('contract: SqliteStore (file)', async (t) => {
  calendarStoreContract(
    t,
    async () => new SqliteStore({ dataDir: tempDir() }),
    async (s) => {
      const store = s as SqliteStore;
      const file = store.db.name;
      store.close();
      rmSync(join(file, '..'), { recursive: true, force: true });
    },
  );
});

t.test('contract: SqliteStore (:memory:)', async (t) => {
  calendarStoreContract(t, async () => new SqliteStore({ dataDir: ':memory:' }), async (s) => (s as SqliteStore).close());
});

t.test('reopen: same calendars, objects, tokens; WAL + synchronous FULL; schema version', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const user = 'mara@contoso.com';
  let store = new SqliteStore({ dataDir: dir });
  await store.ensureAccount(user);
  const { added } = await store.replaceCalendars(user, [upstreamCalendar('F', 'Work')]);
  const cal = added[0]!;
  await store.beginFullPass(user, cal);
  await store.applyPage(user, cal, page({ state: 'S1', upserts: [obj(1), obj(2)] }), 1);
  const before = { cal: await store.getCalendar(user, cal), objects: await store.listObjects(user, cal) };
  t.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(store.db.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL');
  t.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  store.close();
  store = new SqliteStore({ dataDir: dir });
  t.teardown(() => store.close());
  t.same({ cal: await store.getCalendar(user, cal), objects: await store.listObjects(user, cal) }, before);
  t.equal((await store.getSyncInfo(user, cal))?.syncState, 'S1');
  const delta = await store.changesSince(user, cal, before.cal!.syncToken);
  t.ok(delta.ok, 'tokens survive a restart');
});

t.test('a newer schema is refused, not downgraded', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteStore({ dataDir: dir });
  store.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  store.close();
  t.throws(() => new SqliteStore({ dataDir: dir }), /newer than this ewsdav/);
});
