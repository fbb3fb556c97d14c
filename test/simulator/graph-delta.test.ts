// calendarView/delta of the simulator's Graph endpoints over plain fetch: the initial round in
// pages (skiptoken → deltaLink), incremental rounds after add / modify / delete / delete-occurrence
// / exception / series moves out of the window, and a client-side replica that must always equal
// a fresh calendarView. Tokens: tampered, other calendar, expired, refused → 410; the
// per-calendar switch; request counters.
import t from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { GraphTokens, graphGet, graphGetAll } from '../../src/simulator/graph/test-client.js';
import { startSimulator } from '../../src/simulator/index.js';

const MARA = CONTOSO.users.mara;
const MB = MARA.upn;
const W = 'W. Europe Standard Time';
const entra = await startEntra();
t.teardown(() => entra.close());
const sim = await startSimulator({
  now: '2026-03-01T12:00:00Z', secret: 'graph-delta', graph: { trust: entra.trust },
  mailboxes: {
    mailboxes: [{
      smtp: MB, displayName: 'Mara Example', timeZone: W, folders: [{ key: 'team', displayName: 'Team', parent: 'calendar' }],
      items: [
        { key: 'a', subject: 'A', start: '2026-03-03T10:00:00', end: '2026-03-03T11:00:00' },
        { key: 'b', subject: 'B', start: '2026-03-04T10:00:00', end: '2026-03-04T11:00:00' },
        { key: 'far', subject: 'Far away', start: '2027-03-04T10:00:00', end: '2027-03-04T11:00:00' },
        {
          key: 'weekly', subject: 'Weekly', start: '2026-03-02T09:00:00', end: '2026-03-02T09:30:00',
          recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday'], firstDayOfWeek: 'Sunday' }, range: { kind: 'NoEnd', startDate: '2026-03-02' } },
        },
        {
          key: 'daily', subject: 'Daily', start: '2026-03-10T07:00:00', end: '2026-03-10T07:15:00',
          recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'Numbered', startDate: '2026-03-10', numberOfOccurrences: 4 } },
        },
        { key: 'tm', folder: 'team', subject: 'Team thing', start: '2026-03-05T10:00:00', end: '2026-03-05T11:00:00' },
      ],
    }],
  },
});
t.teardown(() => sim.close());
const tokens = new GraphTokens(entra);
t.teardown(() => tokens.close());
const token = await tokens.delegated(MARA.upn, MARA.password);
const G = `${sim.graphUrl ?? ''}/v1.0/me`;
const WINDOW = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z';
const toGraph = (id: string): string => id.replace(/\+/g, '_').replace(/\//g, '-');
const itemId = (key: string): string => toGraph(sim.store.ids.item(MB, key));
const occId = (key: string, utc: string): string => toGraph(sim.store.ids.occurrence(MB, key, Date.parse(utc)));
type Row = Record<string, unknown>;

/** A client replica: id → subject, updated idempotently from delta rows. */
class Replica {
  readonly events = new Map<string, string>();
  deltaLink = '';
  apply(rows: Row[]): void {
    for (const r of rows) {
      if (r['@removed']) this.events.delete(String(r.id));
      else this.events.set(String(r.id), String(r.subject));
    }
  }
}

async function round(url: string, prefer = 'odata.maxpagesize=3'): Promise<{ rows: Row[]; pages: number; deltaLink: string }> {
  const r = await graphGetAll(url, token, { prefer });
  if (r.last.status !== 200) throw new Error(`delta failed: ${r.last.status} ${JSON.stringify(r.last.json)}`);
  return { rows: r.values, pages: r.pages, deltaLink: String(r.last.json['@odata.deltaLink'] ?? '') };
}

async function viewNow(path = ''): Promise<Map<string, string>> {
  const all = await graphGetAll(`${G}${path}/calendarView?${WINDOW}&$top=100`, token);
  return new Map(all.values.map((v) => [String(v.id), String(v.subject)]));
}

const replica = new Replica();

t.test('initial round: every in-window instance, paged by skiptoken, closed by a deltaLink', async (t) => {
  sim.control.resetCounters();
  const first = await graphGet(`${G}/calendarView/delta?${WINDOW}`, token, { prefer: 'odata.maxpagesize=3' });
  t.equal(first.status, 200);
  t.equal(first.headers.get('preference-applied'), 'odata.maxpagesize=3');
  t.match(first.json['@odata.nextLink'], new RegExp(`^${G.replace(/[.]/g, '\\.')}/calendarView/delta\\?\\$skiptoken=`));
  t.notOk('@odata.deltaLink' in first.json);
  t.equal((first.json.value as Row[]).length, 3);
  const r = await round(`${G}/calendarView/delta?${WINDOW}`);
  t.match(r.deltaLink, /\/calendarView\/delta\?\$deltatoken=/);
  t.equal(r.rows.length, 2 + 5 + 4, 'A, B, five Mondays, four dailies (not Far away, not Team)');
  t.ok(r.rows.every((v) => v['@odata.type'] === '#microsoft.graph.event' && v.type !== 'seriesMaster'));
  t.same(new Set(r.rows.map((v) => v.type)), new Set(['singleInstance', 'occurrence']));
  t.equal(r.pages, 4);
  replica.apply(r.rows);
  replica.deltaLink = r.deltaLink;
  t.same(replica.events, await viewNow(), 'replica = calendarView');
  t.equal(sim.control.counters().byOperation['graph:delta'], 5);
  t.equal(sim.control.counters().byMailboxOperation[MB]?.['graph:delta'], 5);
  const empty = await round(replica.deltaLink);
  t.same(empty.rows, [], 'nothing changed');
  replica.deltaLink = empty.deltaLink;
});

t.test('incremental rounds after add / modify / delete / delete-occurrence / exception', async (t) => {
  const step = async (what: string, change: () => void, check: (rows: Row[]) => void): Promise<void> => {
    change();
    const r = await round(replica.deltaLink);
    check(r.rows);
    replica.apply(r.rows);
    replica.deltaLink = r.deltaLink;
    t.same(replica.events, await viewNow(), `replica = calendarView after ${what}`);
  };
  await step('add', () => sim.control.addItem(MB, { key: 'c', subject: 'C', start: '2026-03-20T10:00:00', end: '2026-03-20T11:00:00' }), (rows) => {
    t.same(rows.map((r) => [r.id, r.subject]), [[itemId('c'), 'C']]);
  });
  await step('modify', () => sim.control.updateItem(MB, 'a', { subject: 'A2' }), (rows) => {
    t.match(rows, [{ id: itemId('a'), subject: 'A2', type: 'singleInstance' }]);
  });
  await step('delete', () => sim.control.deleteItem(MB, 'b'), (rows) => {
    t.same(rows, [{ '@odata.type': '#microsoft.graph.event', id: itemId('b'), '@removed': { reason: 'deleted' } }]);
  });
  await step('delete occurrence', () => sim.control.deleteOccurrence(MB, 'weekly', { originalStart: '2026-03-09T09:00:00' }), (rows) => {
    const removed = rows.filter((r) => r['@removed']).map((r) => r.id);
    t.same(removed, [occId('weekly', '2026-03-09T08:00:00Z')], 'the deleted occurrence by its own id');
    t.equal(rows.filter((r) => !r['@removed']).length, 4, 'the other in-window instances are re-reported');
  });
  await step('exception', () => sim.control.modifyOccurrence(MB, 'weekly', { originalStart: '2026-03-16T09:00:00' }, { subject: 'Weekly (moved)', start: '2026-03-17T09:00:00', end: '2026-03-17T10:00:00' }), (rows) => {
    t.match(rows.find((r) => r.type === 'exception'), { id: occId('weekly', '2026-03-16T08:00:00Z'), subject: 'Weekly (moved)', originalStart: '2026-03-16T08:00:00Z' });
  });
  await step('out of the window', () => sim.control.updateItem(MB, 'c', { start: '2026-05-20T10:00:00', end: '2026-05-20T11:00:00' }), (rows) => {
    t.same(rows.map((r) => [r.id, Boolean(r['@removed'])]), [[itemId('c'), true]]);
  });
  await step('into the window', () => sim.control.updateItem(MB, 'far', { start: '2026-03-25T10:00:00', end: '2026-03-25T11:00:00' }), (rows) => {
    t.match(rows, [{ id: itemId('far'), subject: 'Far away' }]);
  });
  await step('series moved', () => sim.control.updateItem(MB, 'daily', { start: '2026-03-11T07:00:00', end: '2026-03-11T07:15:00', recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'Numbered', startDate: '2026-03-11', numberOfOccurrences: 4 } } }), (rows) => {
    t.same(rows.filter((r) => r['@removed']).map((r) => r.id), [occId('daily', '2026-03-10T06:00:00Z')], 'the instance that no longer exists');
    t.equal(rows.filter((r) => !r['@removed']).length, 4);
  });
  await step('series deleted', () => sim.control.deleteItem(MB, 'weekly'), (rows) => {
    t.ok(rows.every((r) => r['@removed']));
    const ids = rows.map((r) => r.id);
    t.ok(ids.includes(itemId('weekly')), 'the master id');
    t.ok(ids.includes(occId('weekly', '2026-03-02T08:00:00Z')) && ids.includes(occId('weekly', '2026-03-16T08:00:00Z')), 'its instances and exception');
  });
  await step('a change in another calendar', () => sim.control.updateItem(MB, 'tm', { subject: 'Team 2' }), (rows) => t.same(rows, []));
});

t.test('changes while a round is paged are not lost', async (t) => {
  const first = await graphGet(replica.deltaLink, token, { prefer: 'odata.maxpagesize=1' });
  t.equal(first.status, 200);
  sim.control.addItem(MB, { key: 'd', subject: 'D', start: '2026-03-21T10:00:00', end: '2026-03-21T11:00:00' });
  const full = await round(`${G}/calendarView/delta?${WINDOW}`, 'odata.maxpagesize=2');
  const fresh = new Replica();
  fresh.apply(full.rows);
  t.same(fresh.events, await viewNow(), 'a new initial round sees the new item');
  sim.control.updateItem(MB, 'a', { subject: 'A3' });
  const mid = await graphGet(`${G}/calendarView/delta?${WINDOW}`, token, { prefer: 'odata.maxpagesize=2' });
  const rows = [...(mid.json.value as Row[])];
  sim.control.addItem(MB, { key: 'e', subject: 'E', start: '2026-03-22T10:00:00', end: '2026-03-22T11:00:00' });
  sim.control.deleteItem(MB, 'd');
  const rest = await round(String(mid.json['@odata.nextLink']), 'odata.maxpagesize=2');
  const r2 = new Replica();
  r2.apply([...rows, ...rest.rows]);
  const next = await round(rest.deltaLink);
  r2.apply(next.rows);
  t.same(r2.events, await viewNow(), 'whatever changed during the round arrives by the next one');
});

t.test('per-calendar delta and its switch', async (t) => {
  const team = toGraph(sim.control.folderId(MB, 'team'));
  const r = await round(`${G}/calendars/${team}/calendarView/delta?${WINDOW}`);
  t.same(r.rows.map((x) => x.subject), ['Team 2']);
  const other = new URL(r.deltaLink).searchParams.get('$deltatoken') ?? '';
  t.match((await graphGet(`${G}/calendarView/delta?$deltatoken=${other}`, token)).json, { error: { code: 'SyncStateNotFound' } }, 'a token of another calendar');
  const def = await graphGet(`${G}/calendar`, token);
  t.equal((await graphGet(`${G}/calendars/${String(def.json.id)}/calendarView/delta?${WINDOW}`, token)).status, 200, 'the default calendar by id');
  sim.graph?.setPerCalendarDelta(false);
  const off = await graphGet(`${G}/calendars/${team}/calendarView/delta?${WINDOW}`, token);
  t.equal(off.status, 400);
  t.match(off.json, { error: { code: 'BadRequest', message: "Resource not found for the segment 'delta'." } });
  t.equal((await graphGet(`${G}/calendarView/delta?${WINDOW}`, token)).status, 200, '/me/calendarView/delta still works');
  sim.graph?.setPerCalendarDelta(true);
});

t.test('410 for tampered, expired and refused tokens; 400 for options delta does not take', async (t) => {
  const start = await round(`${G}/calendarView/delta?${WINDOW}`);
  const link = new URL(start.deltaLink);
  const tok = link.searchParams.get('$deltatoken') ?? '';
  const flip = tok.slice(0, 10) + (tok[10] === 'A' ? 'B' : 'A') + tok.slice(11);
  const tampered = await graphGet(`${link.origin}${link.pathname}?$deltatoken=${flip}`, token);
  t.equal(tampered.status, 410);
  t.match(tampered.json, { error: { code: 'SyncStateNotFound' } });
  t.equal((await graphGet(`${link.origin}${link.pathname}?$deltatoken=garbage`, token)).status, 410);
  t.equal((await graphGet(`${link.origin}${link.pathname}?$skiptoken=${tok}`, token)).status, 410, 'a deltatoken is no skiptoken');
  t.equal((await graphGet(start.deltaLink, token)).status, 200, 'the real one works (replays allowed)');
  sim.graph?.failNextDeltaTokens(1);
  t.equal((await graphGet(start.deltaLink, token)).status, 410, 'failNext');
  t.equal((await graphGet(start.deltaLink, token)).status, 200, 'only once');
  sim.graph?.setDeltaTokensRefused(true);
  t.equal((await graphGet(start.deltaLink, token)).status, 410);
  t.equal((await graphGet(`${G}/calendarView/delta?${WINDOW}`, token)).status, 200, 'a new round needs no token');
  sim.graph?.setDeltaTokensRefused(false);
  sim.graph?.expireDeltaTokens();
  t.equal((await graphGet(start.deltaLink, token)).status, 410, 'expired');
  const again = await round(`${G}/calendarView/delta?${WINDOW}`);
  t.equal((await graphGet(again.deltaLink, token)).status, 200, 'tokens issued afterwards work');
  for (const opt of ['$select=subject', '$filter=subject eq \'A\'', '$orderby=start/dateTime', '$expand=singleValueExtendedProperties', '$top=5']) {
    const r = await graphGet(`${G}/calendarView/delta?${WINDOW}&${opt}`, token);
    t.equal(r.status, 400, `${opt} refused`);
  }
  t.match((await graphGet(`${G}/calendarView/delta`, token)).json, { error: { code: 'ErrorInvalidParameter' } }, 'window required');
  const tz = await graphGet(`${G}/calendarView/delta?${WINDOW}`, token, { prefer: `outlook.timezone="${W}"` });
  t.match((tz.json.value as Row[])[0], { start: { timeZone: W } }, 'outlook.timezone honoured on delta');
});
