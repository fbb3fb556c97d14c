// The CalendarStore + SyncTarget contract (sabre's AbstractPDOTestCase idea): one suite, run
// unchanged against every store implementation; an implementation's test only supplies `open`.

import type { Test } from 'tap';
import type { UpstreamCalendar } from '../../src/model/index.js';
import type { CalendarStore } from '../../src/store/types.js';
import type { PageWrite, PreparedObject, SyncTarget } from '../../src/store/sync-target.js';

export type ContractStore = CalendarStore & SyncTarget;

const USER = 'mara@contoso.com';

export function upstreamCalendar(upstreamId: string, name: string, kind: UpstreamCalendar['kind'] = 'secondary'): UpstreamCalendar {
  return { upstreamId, name, kind, readOnly: kind === 'birthdays', mailbox: USER };
}

export function obj(n: number | string, text = 'v1', extra: Partial<PreparedObject> = {}): PreparedObject {
  const uid = typeof n === 'number' ? `uid-${n}` : n;
  return {
    upstreamId: `item-${uid}`, changeKey: `ck-${uid}-${text}`, uid,
    ical: `BEGIN:VCALENDAR\r\nUID:${uid}\r\nSUMMARY:${text}\r\nEND:VCALENDAR\r\n`, ...extra,
  };
}

export function page(p: Partial<PageWrite>): PageWrite {
  return { state: 'S', complete: true, upserts: [], unchanged: [], deleted: [], ...p };
}

/** A store with one account and calendar 'Work' holding uid-1..uid-n. */
async function seeded(open: () => Promise<ContractStore>, n = 3): Promise<{ store: ContractStore; cal: string }> {
  const store = await open();
  await store.ensureAccount(USER);
  const { added } = await store.replaceCalendars(USER, [upstreamCalendar('F-work', 'Work')]);
  const cal = added[0]!;
  await store.beginFullPass(USER, cal);
  const upserts = Array.from({ length: n }, (_, i) => obj(i + 1));
  await store.applyPage(USER, cal, page({ state: 'S1', upserts }), 1000);
  return { store, cal };
}

export function calendarStoreContract(t: Test, open: () => Promise<ContractStore>, close: (s: ContractStore) => Promise<void>): void {
  t.test('calendars: listing, stable ids, renames, removal, per user', async (t) => {
    const store = await open();
    t.teardown(() => close(store));
    await store.ensureAccount(USER);
    await store.ensureAccount('other@contoso.com');
    const r = await store.replaceCalendars(USER, [upstreamCalendar('F-team', 'Team'), upstreamCalendar('F-cal', 'Calendar', 'default')]);
    t.equal(r.added.length, 2);
    const list = await store.listCalendars(USER);
    t.same(list.map((c) => c.displayName), ['Calendar', 'Team'], 'default calendar first');
    for (const c of list) t.match(c.id, /^[a-z2-7]{16}$/, 'id is URL-safe base32');
    t.same(await store.listCalendars('other@contoso.com'), [], 'other users see nothing');
    const team = list[1]!;
    const r2 = await store.replaceCalendars(USER, [upstreamCalendar('F-team', 'Team (renamed)'), upstreamCalendar('F-cal', 'Calendar', 'default')]);
    t.same(r2.added, []);
    const renamed = await store.getCalendar(USER, team.id);
    t.equal(renamed?.displayName, 'Team (renamed)', 'rename keeps the id');
    t.equal(renamed?.syncToken, team.syncToken, 'rename does not move the token');
    const r3 = await store.replaceCalendars(USER, [upstreamCalendar('F-cal', 'Calendar', 'default')]);
    t.same(r3.removed, [team.id]);
    t.equal(await store.getCalendar(USER, team.id), undefined);
    t.equal(await store.getCalendar('other@contoso.com', list[0]!.id), undefined, 'ids are scoped by user');
  });

  t.test('objects: names, ETags quoted/strong/stable, multiget, ranges', async (t) => {
    const { store, cal } = await seeded(open);
    t.teardown(() => close(store));
    const metas = await store.listObjects(USER, cal);
    t.same(metas.map((m) => m.name), ['uid-1.ics', 'uid-2.ics', 'uid-3.ics']);
    for (const m of metas) {
      t.match(m.etag, /^"[A-Za-z0-9_-]+"$/, 'strong quoted ETag');
      t.equal(m.size, Buffer.byteLength(obj(m.uid.slice(4) === '' ? 0 : Number(m.uid.slice(4))).ical));
    }
    const one = await store.getObject(USER, cal, 'uid-2.ics');
    t.equal(one?.ical, obj(2).ical);
    t.equal(one?.etag, metas[1]!.etag);
    t.same((await store.getObjects(USER, cal, ['uid-3.ics', 'nope.ics', 'uid-1.ics'])).map((o) => o.name), ['uid-1.ics', 'uid-3.ics']);
    t.same(await store.getObjects(USER, cal, []), []);
    t.equal(await store.getObject(USER, cal, 'nope.ics'), undefined);

    await store.applyPage(USER, cal, page({ state: 'S2', upserts: [obj('a/b c%', 'x'), obj('uid-1', 'x', { upstreamId: 'dup-item' })] }), 2000);
    const names = (await store.listObjects(USER, cal)).map((m) => m.name);
    t.equal(names.length, 5);
    t.ok(names.some((n) => /^h-[a-z2-7]+\.ics$/.test(n)), 'unsafe UID gets a hashed name');
    t.ok(names.some((n) => /^d-[a-z2-7]+\.ics$/.test(n)), 'second item with a taken UID gets its own name');

    const stable = (await store.listObjects(USER, cal)).find((m) => m.name === 'uid-2.ics')!;
    t.equal(stable.etag, metas[1]!.etag, 'ETag stable across other writes');
    await store.applyPage(USER, cal, page({ state: 'S3', upserts: [obj(2, 'v2')] }), 3000);
    const changed = (await store.getObject(USER, cal, 'uid-2.ics'))!;
    t.not(changed.etag, stable.etag, 'ETag changes with the bytes');
    t.equal(changed.lastModified, 3000);

    await store.applyPage(USER, cal, page({
      state: 'S4',
      upserts: [obj('r1', 'x', { firstStart: 100, lastEnd: 200 }), obj('r2', 'x', { firstStart: 300 }), obj('r3', 'x', { firstStart: 500, lastEnd: 600 })],
    }), 4000);
    const inRange = async (s: number | undefined, e: number | undefined) =>
      (await store.objectsInRange(USER, cal, s, e)).map((o) => o.uid).filter((u) => u.startsWith('r')).sort();
    t.same(await inRange(150, 250), ['r1'], 'overlap, endless series starts later');
    t.same(await inRange(1000, 2000), ['r2'], 'endless series reaches any later range');
    t.same(await inRange(201, 300), [], 'no overlap');
    t.same(await inRange(0, 100), [], 'range end is exclusive');
    t.same(await inRange(200, 300), ['r1'], 'an end exactly at the range start passes the prefilter (zero-length events)');
    t.same(await inRange(undefined, undefined), ['r1', 'r2', 'r3']);
    t.ok((await store.objectsInRange(USER, cal, 150, 250)).some((o) => o.uid === 'uid-1'), 'unknown bounds always pass the prefilter');
  });

  t.test('changesSince: initial, limit and truncation, tombstones', async (t) => {
    const { store, cal } = await seeded(open, 5);
    t.teardown(() => close(store));
    const all = await store.changesSince(USER, cal, undefined);
    if (!all.ok) throw new Error('initial refused');
    t.equal(all.changed.length, 5);
    t.same(all.deleted, []);
    t.notOk(all.truncated);
    t.equal(all.syncToken, (await store.getCalendar(USER, cal))!.syncToken);
    t.match(all.syncToken, /^https:\/\/ewsdav\.invalid\/sync\/[a-z2-7]+-5$/);

    const first = await store.changesSince(USER, cal, undefined, 2);
    if (!first.ok) throw new Error('refused');
    t.ok(first.truncated, 'limit + 1 detects truncation');
    t.same(first.changed.map((c) => c.name), ['uid-1.ics', 'uid-2.ics']);
    const rest = await store.changesSince(USER, cal, first.syncToken, 10);
    if (!rest.ok) throw new Error('refused');
    t.same(rest.changed.map((c) => c.name), ['uid-3.ics', 'uid-4.ics', 'uid-5.ics']);
    t.notOk(rest.truncated);
    const exact = await store.changesSince(USER, cal, first.syncToken, 3);
    t.ok(exact.ok && !exact.truncated, 'an exact fit is not truncated');

    await store.applyPage(USER, cal, page({ state: 'S2', upserts: [obj(2, 'v2'), obj(6)], deleted: ['item-uid-4'] }), 2000);
    const delta = await store.changesSince(USER, cal, all.syncToken);
    if (!delta.ok) throw new Error('refused');
    t.same(delta.changed.map((c) => c.name).sort(), ['uid-2.ics', 'uid-6.ics']);
    t.same(delta.deleted, ['uid-4.ics'], 'deletion reported as tombstone');
    const none = await store.changesSince(USER, cal, delta.syncToken);
    t.same(none, { ok: true, syncToken: delta.syncToken, changed: [], deleted: [], truncated: false });
    const fresh = await store.changesSince(USER, cal, undefined);
    t.ok(fresh.ok && fresh.deleted.length === 0 && fresh.changed.length === 5, 'initial sync omits tombstones');

    await store.applyPage(USER, cal, page({ state: 'S3', upserts: [obj(4, 'back')] }), 2500);
    const back = await store.changesSince(USER, cal, delta.syncToken);
    t.ok(back.ok && back.changed.map((c) => c.name).join() === 'uid-4.ics' && back.deleted.length === 0, 're-created object replaces its tombstone');
  });

  t.test('changesSince: invalid tokens, pruning', async (t) => {
    const { store, cal } = await seeded(open);
    t.teardown(() => close(store));
    const token = (await store.getCalendar(USER, cal))!.syncToken;
    const epoch = /sync\/([a-z2-7]+)-/.exec(token)![1]!;
    for (const bad of ['', 'garbage', `${token}x`, token.replace('https', 'http'), `https://ewsdav.invalid/sync/${epoch}-99`, 'https://ewsdav.invalid/sync/aaaaaaaa-1', `https://ewsdav.invalid/sync/${epoch}-01`]) {
      t.same(await store.changesSince(USER, cal, bad), { ok: false, reason: 'invalid-token' }, `refused: ${JSON.stringify(bad)}`);
    }
    t.same(await store.changesSince(USER, 'nope', undefined), { ok: false, reason: 'invalid-token' }, 'unknown calendar');
    t.ok((await store.changesSince(USER, cal, `https://ewsdav.invalid/sync/${epoch}-0`)).ok, 'token 0 of this epoch is valid');

    await store.applyPage(USER, cal, page({ state: 'S2', deleted: ['item-uid-1'] }), 10_000);
    const afterDelete = (await store.getCalendar(USER, cal))!.syncToken;
    await store.applyPage(USER, cal, page({ state: 'S3', deleted: ['item-uid-2'] }), 20_000);
    t.equal(await store.pruneTombstones(15_000), 1);
    t.same(await store.changesSince(USER, cal, token), { ok: false, reason: 'invalid-token' }, 'token older than a pruned tombstone');
    const ok = await store.changesSince(USER, cal, afterDelete);
    t.ok(ok.ok && ok.deleted.join() === 'uid-2.ics', 'later token still valid');

    await store.replaceCalendars(USER, []);
    const { added } = await store.replaceCalendars(USER, [upstreamCalendar('F-work', 'Work')]);
    t.equal(added[0], cal, 'same folder → same id');
    t.same(await store.changesSince(USER, cal, afterDelete), { ok: false, reason: 'invalid-token' }, 'token of a removed calendar');
  });

  t.test('ctag and token move only on a real change; calendar props', async (t) => {
    const { store, cal } = await seeded(open);
    t.teardown(() => close(store));
    const before = (await store.getCalendar(USER, cal))!;
    const etags = await store.listObjects(USER, cal);
    const out = await store.applyPage(USER, cal, page({ state: 'S2', upserts: [obj(1, 'v1', { changeKey: 'new-key' }), obj(2)] }), 5000);
    t.same(out && { changed: out.changed, identical: out.identical }, { changed: 0, identical: 2 });
    const after = (await store.getCalendar(USER, cal))!;
    t.equal(after.ctag, before.ctag, 'byte-identical re-delivery keeps the ctag');
    t.equal(after.syncToken, before.syncToken);
    t.same(await store.listObjects(USER, cal), etags, 'and ETags, sizes, lastModified');
    t.equal(after.lastSync, 5000, 'but records the sync');
    t.same(await store.knownChangeKeys(USER, cal, ['item-uid-1', 'item-uid-9']), new Map([['item-uid-1', 'new-key']]));
    t.equal((await store.getSyncInfo(USER, cal))?.syncState, 'S2', 'state stored with its page');

    await store.setCalendarProperties(USER, cal, { color: '#FF0000FF', order: 3 });
    let c = (await store.getCalendar(USER, cal))!;
    t.same([c.color, c.order, c.ctag], ['#FF0000FF', 3, before.ctag], 'props set, ctag unchanged');
    await store.setCalendarProperties(USER, cal, { order: null });
    c = (await store.getCalendar(USER, cal))!;
    t.same([c.color, c.order], ['#FF0000FF', undefined], 'null clears, undefined keeps');
    await store.applyPage(USER, cal, page({ state: 'S3', upserts: [obj(1, 'v2')] }), 6000);
    c = (await store.getCalendar(USER, cal))!;
    t.not(c.ctag, before.ctag, 'a real change moves the ctag');
    t.not(c.syncToken, before.syncToken);
  });

  t.test('one page naming an item twice, or deleting and re-creating a UID, writes what the last mention says', async (t) => {
    const { store, cal } = await seeded(open, 2);
    t.teardown(() => close(store));
    const token = (await store.getCalendar(USER, cal))!.syncToken;
    const out = await store.applyPage(USER, cal, page({
      state: 'S2',
      // uid-9 arrives twice (a later version in the same page); uid-1 is deleted and its UID
      // re-created by another item; uid-2 changes its UID (a new resource for clients).
      upserts: [obj(9, 'a'), obj(9, 'b'), obj('uid-1', 'again', { upstreamId: 'item-new-1' }), obj('uid-2b', 'x', { upstreamId: 'item-uid-2' })],
      deleted: ['item-uid-1'],
    }), 2000);
    t.same(out && [out.changed, out.deleted], [4, 2]);
    const metas = await store.listObjects(USER, cal);
    t.same(metas.map((m) => m.name).sort(), ['uid-1.ics', 'uid-2b.ics', 'uid-9.ics'], 'the freed name is reused, no duplicate name');
    t.equal((await store.getObject(USER, cal, 'uid-9.ics'))?.ical, obj(9, 'b').ical, 'the later version wins');
    t.same(await store.knownChangeKeys(USER, cal, ['item-uid-9', 'item-new-1', 'item-uid-1']), new Map([['item-uid-9', 'ck-uid-9-b'], ['item-new-1', 'ck-uid-1-again']]));
    const delta = await store.changesSince(USER, cal, token);
    if (!delta.ok) throw new Error('token refused');
    t.same([delta.changed.map((c) => c.name).sort(), delta.deleted], [['uid-1.ics', 'uid-2b.ics', 'uid-9.ics'], ['uid-2.ics']], 'one change per name');
  });

  t.test('aliases: stored with their object, replaced on re-delivery, dropped with it', async (t) => {
    const { store, cal } = await seeded(open, 2);
    t.teardown(() => close(store));
    t.same(await store.resolveAliases(USER, cal, ['occ-a', 'item-uid-1']), new Map(), 'none before');
    await store.applyPage(USER, cal, page({ state: 'S2', upserts: [obj(1, 'v1', { aliases: ['occ-a', 'occ-b'] })] }), 5000);
    t.same(await store.resolveAliases(USER, cal, ['occ-a', 'occ-b', 'occ-z']), new Map([['occ-a', 'item-uid-1'], ['occ-b', 'item-uid-1']]));
    t.same(await store.resolveAliases(USER, 'nope', ['occ-a']), new Map(), 'scoped to the calendar');
    await store.applyPage(USER, cal, page({ state: 'S3', upserts: [obj(1, 'v1', { aliases: ['occ-c'] })] }), 6000);
    t.same(await store.resolveAliases(USER, cal, ['occ-a', 'occ-c']), new Map([['occ-c', 'item-uid-1']]), 'byte-identical re-delivery still replaces them');
    await store.applyPage(USER, cal, page({ state: 'S4', upserts: [obj(1, 'v2')] }), 7000);
    t.same(await store.resolveAliases(USER, cal, ['occ-c']), new Map([['occ-c', 'item-uid-1']]), 'a result without aliases keeps the stored ones');
    await store.applyPage(USER, cal, page({ state: 'S5', deleted: ['item-uid-1'] }), 8000);
    t.same(await store.resolveAliases(USER, cal, ['occ-c']), new Map(), 'gone with the object');
  });

  t.test('full pass: resumable, keeps unchanged, deletes unseen only at the end', async (t) => {
    const { store, cal } = await seeded(open, 4);
    t.teardown(() => close(store));
    const before = await store.listObjects(USER, cal);
    const token = (await store.getCalendar(USER, cal))!.syncToken;
    await store.beginFullPass(USER, cal);
    const info = await store.getSyncInfo(USER, cal);
    t.same([info?.syncState, info?.inFullPass], [undefined, true]);
    t.equal((await store.listObjects(USER, cal)).length, 4, 'objects stay served during the pass');
    await store.applyPage(USER, cal, page({ state: 'P1', complete: false, upserts: [obj(1)], unchanged: ['item-uid-2'] }), 7000);
    t.equal((await store.listObjects(USER, cal)).length, 4, 'nothing deleted before the pass completes');
    const mid = await store.getSyncInfo(USER, cal);
    t.same([mid?.syncState, mid?.inFullPass], ['P1', true], 'pass resumable from its state');
    const out = await store.applyPage(USER, cal, page({ state: 'P2', complete: true, upserts: [obj(3, 'v2')] }), 8000);
    t.same(out && [out.changed, out.deleted, out.identical], [1, 1, 0], "counts are per page");
    const after = await store.listObjects(USER, cal);
    t.same(after.map((m) => m.name), ['uid-1.ics', 'uid-2.ics', 'uid-3.ics']);
    t.equal(after[0]!.etag, before[0]!.etag, 'unchanged objects keep ETags');
    t.equal(after[1]!.etag, before[1]!.etag);
    const delta = await store.changesSince(USER, cal, token);
    t.ok(delta.ok && delta.changed.map((c) => c.name).join() === 'uid-3.ics' && delta.deleted.join() === 'uid-4.ics', 'resync reports exactly the difference');
    t.equal((await store.getSyncInfo(USER, cal))?.inFullPass, false);
  });

  t.test('accounts and verifiers', async (t) => {
    const store = await open();
    t.teardown(() => close(store));
    t.same(await store.ensureAccount(USER), { user: USER, state: 'new', needsCredentials: false });
    await store.updateAccount(USER, { state: 'needs-credentials', needsCredentials: true, errorClass: 'auth', errorMessage: 'no', lastAttempt: 5 });
    t.same(await store.getAccount(USER), { user: USER, state: 'needs-credentials', needsCredentials: true, errorClass: 'auth', errorMessage: 'no', lastAttempt: 5 });
    await store.updateAccount(USER, { state: 'ok', needsCredentials: false, errorClass: undefined, errorMessage: undefined, lastSuccess: 9 });
    t.same(await store.getAccount(USER), { user: USER, state: 'ok', needsCredentials: false, lastAttempt: 5, lastSuccess: 9 });
    t.equal(await store.getVerifier(USER), undefined);
    await store.saveVerifier(USER, 'scrypt$16384$8$1$c2FsdA$aGFzaA', 1);
    t.equal(await store.getVerifier(USER), 'scrypt$16384$8$1$c2FsdA$aGFzaA');
    await store.removeAccount(USER);
    t.equal(await store.getAccount(USER), undefined);
  });
}
