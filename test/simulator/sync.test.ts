// SyncFolderItems: paging, state validation, changes after mutations (EWS-NOTES §10).
import { gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { startSimulator } from '../../src/simulator/index.js';
import { all, basic, first, itemShape, messages, soap, syncBody, text } from './helpers.js';

const sim = await startSimulator({ mailboxFile: 'fixtures/simulator/basic-mailbox.json', now: '2026-05-01T00:00:00Z' });
t.teardown(() => sim.close());
const MB = 'mara@contoso.com';
const auth = basic(MB, 'secret');
const sync = (max: number, state?: string, folder?: string, shape?: string) => soap(sim.ewsUrl, syncBody(max, state, folder, shape), { auth });

interface Page { state: string; last: boolean; changes: Array<{ kind: string; id: string; subject?: string }> }
async function page(max: number, state?: string, folder?: string): Promise<Page> {
  const r = await sync(max, state, folder, itemShape('IdOnly', ['item:Subject']));
  const msg = messages(r.doc)[0];
  if (msg?.code !== 'NoError') throw new Error(`sync failed: ${msg?.code}`);
  const changes = (first(msg.node, 'Changes')?.children ?? []).map((c) => ({
    kind: c.local, id: first(c, 'ItemId')?.attrs.get('Id') ?? '', subject: text(c, 'Subject'),
  }));
  return { state: text(msg.node, 'SyncState') ?? '', last: text(msg.node, 'IncludesLastItemInRange') === 'true', changes };
}
async function drain(state?: string, max = 2): Promise<{ state: string; changes: Page['changes']; pages: number }> {
  const changes: Page['changes'] = [];
  let pages = 0;
  for (;;) {
    const p = await page(max, state);
    pages++;
    changes.push(...p.changes);
    state = p.state;
    if (p.last) return { state, changes, pages };
  }
}

t.test('first sync pages through every stored item as Create', async (t) => {
  const r = await sync(2);
  const msg = messages(r.doc)[0];
  t.equal(msg?.code, 'NoError');
  t.match(text(msg?.node, 'SyncState'), /^H4sI/, 'gzip-like opaque state');
  t.equal(text(msg?.node, 'IncludesLastItemInRange'), 'false');
  const { changes, pages } = await drain();
  t.equal(changes.length, 6, 'the six items of the calendar folder (not Team)');
  t.ok(changes.every((c) => c.kind === 'Create'));
  t.equal(pages, 3);
  t.equal(new Set(changes.map((c) => c.id)).size, 6);
  const again = await drain((await drain()).state);
  t.same(again.changes, [], 'nothing new after a complete pass');
});

t.test('changes after mutations', async (t) => {
  const base = (await drain()).state;
  const added = sim.control.addItem(MB, { subject: 'New one', start: '2026-05-20T10:00:00', end: '2026-05-20T11:00:00' });
  sim.control.updateItem(MB, 'planning', { subject: 'Planning v2' });
  sim.control.deleteItem(MB, 'holiday');
  const r1 = await drain(base, 512);
  t.same(r1.changes.map((c) => [c.kind, c.subject]).sort(), [['Create', 'New one'], ['Delete', undefined], ['Update', 'Planning v2']]);
  const del = r1.changes.find((c) => c.kind === 'Delete');
  t.ok(del?.id, 'Delete carries the ItemId');

  const before = (await soap(sim.ewsUrl, `<m:GetItem>${itemShape('IdOnly')}<m:ItemIds><t:ItemId Id="${added.itemId}"/></m:ItemIds></m:GetItem>`, { auth }));
  const ck1 = first(before.doc, 'ItemId')?.attrs.get('ChangeKey');
  sim.control.updateItem(MB, added.itemId, { location: 'Elsewhere' });
  const after = (await soap(sim.ewsUrl, `<m:GetItem>${itemShape('IdOnly')}<m:ItemIds><t:ItemId Id="${added.itemId}"/></m:ItemIds></m:GetItem>`, { auth }));
  t.not(first(after.doc, 'ItemId')?.attrs.get('ChangeKey'), ck1, 'new ChangeKey on every change');

  // An exception changes → the master is updated; a deleted occurrence likewise.
  const s2 = (await drain(r1.state)).state;
  sim.control.modifyOccurrence(MB, 'weekly', { instanceIndex: 2 }, { subject: 'Weekly special', location: 'Roof' });
  const r2 = await drain(s2);
  t.same(r2.changes.map((c) => [c.kind, c.subject]), [['Update', 'Weekly']], 'exception change = Update of the master');
  sim.control.deleteOccurrence(MB, 'weekly', { originalStart: '2026-05-18T09:00:00' });
  const r3 = await drain(r2.state);
  t.same(r3.changes.map((c) => c.kind), ['Update']);
  const master = await soap(sim.ewsUrl, `<m:GetItem>${itemShape('IdOnly', ['calendar:DeletedOccurrences', 'calendar:ModifiedOccurrences'])}<m:ItemIds><t:ItemId Id="${r3.changes[0]?.id}"/></m:ItemIds></m:GetItem>`, { auth });
  t.same(all(first(master.doc, 'DeletedOccurrences'), 'Start').map((n) => n.text), ['2026-05-13T07:00:00Z', '2026-05-18T07:00:00Z']);
  t.equal(all(first(master.doc, 'ModifiedOccurrences'), 'Occurrence').length, 2);

  // Created and deleted between two syncs: never seen.
  const ghost = sim.control.addItem(MB, { subject: 'Ghost', start: '2026-05-21T10:00:00', end: '2026-05-21T11:00:00' });
  sim.control.deleteItem(MB, ghost.key);
  t.same((await drain(r3.state)).changes, []);
});

t.test('paging does not lose changes made between pages', async (t) => {
  const base = (await drain()).state;
  for (let i = 0; i < 5; i++) sim.control.addItem(MB, { subject: `Batch ${i}`, start: '2026-05-22T10:00:00', end: '2026-05-22T11:00:00' });
  const p1 = await page(2, base);
  t.equal(p1.changes.length, 2);
  t.notOk(p1.last);
  sim.control.updateItem(MB, 'planning', { subject: 'Planning v3' });
  const rest = await drain(p1.state, 2);
  const subjects = [...p1.changes, ...rest.changes].map((c) => c.subject);
  for (let i = 0; i < 5; i++) t.ok(subjects.includes(`Batch ${i}`), `Batch ${i} delivered`);
  t.ok(subjects.includes('Planning v3'));
});

t.test('SyncState validation, MaxChangesReturned facets, folders', async (t) => {
  const { state } = await drain();
  // Change one character in the middle (never a no-op: the gzip trailer near the end may
  // already read "AAAA" when the state is small).
  const mid = Math.floor(state.length / 2);
  const tampered = `${state.slice(0, mid)}${state[mid] === 'B' ? 'C' : 'B'}${state.slice(mid + 1)}`;
  const r = await sync(10, tampered);
  t.same(messages(r.doc).map((m) => [m.cls, m.code]), [['Error', 'ErrorInvalidSyncStateData']]);
  t.equal(text(messages(r.doc)[0]?.node, 'MessageText'), 'Synchronization state data is corrupt or otherwise invalid.');
  // A well-formed gzip with a forged position but the old signature.
  const json = JSON.parse(gunzipSync(Buffer.from(state, 'base64')).toString()) as { s: number };
  json.s = 1;
  const forged = gzipSync(Buffer.from(JSON.stringify(json))).toString('base64');
  t.equal(messages((await sync(10, forged)).doc)[0]?.code, 'ErrorInvalidSyncStateData', 'forged position');
  const team = `<t:FolderId Id="${sim.control.folderId(MB, 'team')}"/>`;
  t.equal(messages((await sync(10, state, team)).doc)[0]?.code, 'ErrorInvalidSyncStateData', 'state of another folder');
  t.equal(messages((await sync(10, 'not-base64!')).doc)[0]?.code, 'ErrorInvalidSyncStateData');
  const teamSync = await page(10, undefined, team);
  t.same(teamSync.changes.map((c) => c.subject), ['Team item']);

  for (const bad of [0, 513]) {
    const x = await sync(bad);
    t.equal(x.status, 500, `MaxChangesReturned ${bad}`);
    t.equal(text(x.doc, 'ResponseCode'), 'ErrorSchemaValidation');
  }
  const missingFolder = await sync(10, undefined, '<t:FolderId Id="AQMkAbogus="/>');
  t.equal(messages(missingFolder.doc)[0]?.code, 'ErrorInvalidIdMalformed');
  const other = sim.control.addFolder(MB, { displayName: 'Temp' });
  sim.store.mailbox(MB)?.folders.delete(other.key);
  t.equal(messages((await sync(10, undefined, `<t:FolderId Id="${other.folderId}"/>`)).doc)[0]?.code, 'ErrorSyncFolderNotFound');
  const body = await sync(10, undefined, undefined, itemShape('IdOnly', ['item:Body']));
  t.equal(messages(body.doc)[0]?.code, 'ErrorInvalidPropertyRequest', 'bodies need GetItem');
  const errSlot = messages(r.doc)[0]?.node;
  t.same(errSlot?.children.map((c) => c.local), ['MessageText', 'ResponseCode', 'DescriptiveLinkKey', 'SyncState', 'IncludesLastItemInRange']);
});
