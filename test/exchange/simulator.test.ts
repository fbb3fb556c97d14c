// End to end against the EWS simulator (src/simulator) on 127.0.0.1: every operation through
// EwsCalendarSource and the paging drivers, and every error class, asserting on the simulator's
// request counters — never on time. Waits between retries go through an injected sleep that
// records what the retry policy asked for.

import t, { type Test } from 'tap';
import type { LookupFunction } from 'node:net';
import { startSimulator, DEMO_USER, type Simulator } from '../../src/simulator/index.js';
import { EwsTransport, type EwsTransportOptions } from '../../src/exchange/call.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import { EwsCalendarSource } from '../../src/exchange/source.js';
import { calendarView } from '../../src/exchange/paging.js';
import { getItem } from '../../src/exchange/operations/get-item.js';
import { getFolder } from '../../src/exchange/operations/get-folder.js';
import { defaultRetryPolicy, failFast } from '../../src/upstream/retry.js';
import { EwsdavError } from '../../src/errors.js';
import type { UpstreamCalendar } from '../../src/model/index.js';

const sim: Simulator = await startSimulator({ auth: { offer: ['Negotiate', 'NTLM', 'Basic'] } });
t.teardown(() => sim.close());

const goodAuth = new BasicAuth({ username: DEMO_USER.smtp, password: DEMO_USER.password });
const badAuth = new BasicAuth({ username: DEMO_USER.smtp, password: 'wrong-password-123' });
const SECRETS = ['wrong-password-123', Buffer.from(`${DEMO_USER.smtp}:wrong-password-123`).toString('base64'), Buffer.from(`${DEMO_USER.smtp}:${DEMO_USER.password}`).toString('base64')];

function setup(options: Partial<EwsTransportOptions> = {}, auth = goodAuth) {
  const sleeps: number[] = [];
  const transport = new EwsTransport({ url: sim.ewsUrl, sleep: async (ms) => void sleeps.push(ms), ...options });
  const source = new EwsCalendarSource({ transport, auth, mailbox: DEMO_USER.smtp });
  t.teardown(() => transport.close());
  return { transport, source, sleeps };
}

/** Requests the simulator saw while `fn` ran. */
async function counted<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; requests: number; statuses: Record<string, number> }> {
  sim.control.resetCounters();
  try {
    const value = await fn();
    const c = sim.control.counters();
    return { value, requests: c.requests, statuses: c.byStatus };
  } catch (error) {
    const c = sim.control.counters();
    return { error, requests: c.requests, statuses: c.byStatus };
  }
}

function ewsError(t: Test, value: unknown, code: string): EwsdavError {
  t.ok(value instanceof EwsdavError, `an EwsdavError (${String(value)})`);
  const err = value as EwsdavError;
  t.equal(err.code, code);
  const text = JSON.stringify({ message: err.message, details: err.details, hint: err.hint });
  t.notOk(SECRETS.some((s) => text.includes(s)), 'no secret in the error');
  return err;
}

t.afterEach(() => sim.control.clearFaults());

t.test('verify, listCalendars, changes and fetchObjects', async (t) => {
  const { source } = setup();
  const v = await counted(() => source.verify());
  t.match(v.value, { serverVersion: /^15\.20\./, schemaVersion: 'V2018_01_08' });
  t.equal(v.requests, 1, 'a Basic-auth EWS call costs exactly one HTTP request');
  t.same(v.statuses, { 200: 1 }, 'no 401 round trip first');
  const log = sim.control.requestLog().at(-1)!;
  t.equal(log.anchorMailbox, DEMO_USER.smtp, 'X-AnchorMailbox on every call');
  t.match(log.userAgent, /^ewsdav\/\d+\.\d+\.\d+$/, 'stable User-Agent');

  const calendars = await source.listCalendars();
  t.equal(calendars[0]!.kind, 'default');
  t.ok(calendars.some((c) => c.kind === 'birthdays' && c.readOnly), 'birthdays: read-only');
  t.ok(calendars.some((c) => c.kind === 'secondary' && c.parentId === calendars[0]!.upstreamId), 'sub-calendar of the default one');
  const cal = calendars[0]!;

  const pages = [];
  for await (const page of source.changes(cal, undefined, { pageSize: 4 })) pages.push(page);
  t.ok(pages.length >= 2, 'several SyncFolderItems pages');
  t.ok(pages.slice(0, -1).every((p) => !p.complete) && pages.at(-1)!.complete, 'complete only on the last page');
  const refs = pages.flatMap((p) => p.upserted);
  t.equal(refs.length, cal.itemCount, 'first sync: every stored item as created');

  const results = await source.fetchObjects(cal, refs);
  t.equal(results.length, refs.length, 'one result per ref, in order');
  t.ok(results.every((r, i) => r.ref.id === refs[i]!.id));
  const series = results.find((r) => r.ok && r.object.overrides.length > 0);
  t.ok(series?.ok && series.object.recurrence && series.object.overrides.every((o) => o.recurrenceId), 'series with overrides');
  t.ok(results.some((r) => r.ok && r.object.master.start.kind === 'date'), 'all-day event as dates');

  // Delta: one update, one delete.
  const state = pages.at(-1)!.state;
  const items = sim.control.items(DEMO_USER.smtp);
  const [changed, removed] = [items[0]!, items[1]!];
  sim.control.updateItem(DEMO_USER.smtp, changed.key, { subject: 'Renamed by the test' });
  sim.control.deleteItem(DEMO_USER.smtp, removed.key);
  const delta = [];
  for await (const page of source.changes(cal, state)) delta.push(page);
  t.same(delta.flatMap((p) => p.upserted.map((r) => r.id)), [changed.itemId], 'the update');
  t.same(delta.flatMap((p) => p.deleted), [removed.itemId], 'the delete');
  const [gone, renamed] = await source.fetchObjects(cal, [{ id: removed.itemId }, { id: changed.itemId }]);
  t.same(gone, { ok: false, ref: { id: removed.itemId }, reason: 'not-found' }, 'a vanished item is not-found, not an exception');
  t.ok(renamed!.ok && renamed!.object.master.summary === 'Renamed by the test');
});

t.test('GetItem by occurrence and by master; CalendarView paging', async (t) => {
  const { transport } = setup();
  const call = { auth: goodAuth, mailbox: DEMO_USER.smtp };
  const now = Date.parse(sim.control.now());
  const view = await counted(() => calendarView(transport, call, { folder: { distinguished: 'calendar' }, start: now - 30 * 86_400_000, end: now + 800 * 86_400_000, pageSize: 3 }));
  const items = view.value!;
  t.ok(view.requests >= 3, `windowed and continued: ${view.requests} FindItem calls`);
  t.equal(new Set(items.map((i) => i.itemId)).size, items.length, 'de-duplicated by ItemId');
  const occurrence = items.find((i) => i.itemType === 'Occurrence');
  t.ok(occurrence, 'the view expands series');
  if (!occurrence) return;
  const [byMaster, byIndex] = await Promise.all([
    transport.call(getItem, { ids: [{ kind: 'master', occurrenceId: occurrence.itemId }] }, call),
    transport.call(getItem, { ids: [{ kind: 'item', id: occurrence.itemId }] }, call),
  ]);
  const master = byMaster[0]!;
  t.ok(master.ok && master.item.itemType === 'RecurringMaster', 'RecurringMasterItemId → the master');
  t.ok(byIndex[0]!.ok && byIndex[0]!.item.itemType === 'Occurrence');
  if (!master.ok) return;
  const first = await transport.call(getItem, { ids: [{ kind: 'occurrence', masterId: master.item.itemId, instanceIndex: 1 }] }, call);
  t.ok(first[0]!.ok && first[0]!.item.itemType !== 'RecurringMaster', 'OccurrenceItemId → an instance');
});

t.test('batches: 250 ids are three GetItem calls, one slot per id', async (t) => {
  const { transport } = setup();
  const call = { auth: goodAuth, mailbox: DEMO_USER.smtp };
  const ids = sim.control.items(DEMO_USER.smtp).map((i) => i.itemId);
  const wanted = Array.from({ length: 250 }, (_, i) => ({ kind: 'item' as const, id: ids[i % ids.length]! }));
  const res = await counted(() => transport.call(getItem, { ids: wanted }, call));
  t.equal(res.requests, 3);
  t.equal(res.value!.length, 250);
  t.ok(res.value!.every((s, i) => s.ok && s.item.itemId === wanted[i]!.id), 'in request order');
});

t.test('401: never retried, exactly one request, schemes reported', async (t) => {
  const { source } = setup({ retry: defaultRetryPolicy({ maxAttempts: 5 }) }, badAuth);
  const res = await counted(() => source.verify());
  const err = ewsError(t, res.error, 'EWSDAV_ERR_UPSTREAM_AUTH');
  t.equal(res.requests, 1, 'one request: a wrong password must not lock the account');
  t.same(err.details.offeredSchemes, ['Negotiate', 'NTLM', 'Basic']);
  t.equal(err.category, 'auth');
  t.match(err.hint, /user name/);
});

t.test('401 from Exchange Online with Basic → BASIC_REFUSED (host name resolved to 127.0.0.1)', async (t) => {
  const port = new URL(sim.url).port;
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  const { source } = setup({ url: `http://outlook.office365.com:${port}/EWS/Exchange.asmx`, connect: { lookup } }, badAuth);
  const res = await counted(() => source.verify());
  const err = ewsError(t, res.error, 'EWSDAV_ERR_UPSTREAM_BASIC_REFUSED');
  t.equal(res.requests, 1);
  t.match(err.hint, /OAuth/);
  t.match(err.hint, /On-premises Exchange still accepts Basic/);
  t.ok(Array.isArray(err.details.offeredSchemes));
  // The same name with good credentials works: the override is only a resolver.
  const ok = await counted(() => setup({ url: `http://outlook.office365.com:${port}/EWS/Exchange.asmx`, connect: { lookup } }).source.verify());
  t.equal(ok.requests, 1);
  t.ok(ok.value?.serverVersion);
});

t.test('403 and the injected 401: not retried', async (t) => {
  const { source } = setup();
  sim.control.injectFault({ kind: 'http403', count: 5 });
  const forbidden = await counted(() => source.verify());
  const err = ewsError(t, forbidden.error, 'EWSDAV_ERR_UPSTREAM_FORBIDDEN');
  t.equal(forbidden.requests, 1);
  t.match(err.hint, /EWSEnabled/);
  t.match(err.hint, /EwsAllowedAppIDs/);
  t.match(err.hint, /F1\/F3\/Kiosk/);
  sim.control.clearFaults();
  sim.control.injectFault({ kind: 'http401', count: 5 });
  const unauth = await counted(() => source.verify());
  ewsError(t, unauth.error, 'EWSDAV_ERR_UPSTREAM_AUTH');
  t.equal(unauth.requests, 1);
});

t.test('ErrorServerBusy in both forms: BackOffMilliseconds honoured, then success', async (t) => {
  for (const form of ['fault', 'message'] as const) {
    const { source, sleeps } = setup();
    const cal = (await source.listCalendars())[0]!;
    sim.control.injectFault({ kind: 'serverBusy', form, backOffMs: 1500, count: 2, operation: 'SyncFolderItems' });
    const res = await counted(async () => {
      const pages = [];
      for await (const p of source.changes(cal, undefined)) pages.push(p);
      return pages;
    });
    t.equal(res.requests, 3, `${form}: two throttled answers, then the page`);
    t.equal(sleeps.length, 2);
    t.ok(sleeps.every((ms) => ms >= 1500), `${form}: waited at least BackOffMilliseconds (${sleeps.join(', ')})`);
    t.equal(res.value?.at(-1)?.complete, true);
    t.ok(res.value!.flatMap((p) => p.upserted).length === cal.itemCount, `${form}: the retried sync is complete`);
  }
});

t.test('a back-off longer than the in-call limit goes to the sync engine', async (t) => {
  const { source, sleeps } = setup({ retry: defaultRetryPolicy({ maxThrottleWaitMs: 10_000 }) });
  sim.control.injectFault({ kind: 'serverBusy', form: 'fault', backOffMs: 60_000, count: 1 });
  const res = await counted(() => source.verify());
  const err = ewsError(t, res.error, 'EWSDAV_ERR_UPSTREAM_THROTTLED');
  t.equal(err.retryAfterMs, 60_000);
  t.equal(res.requests, 1);
  t.same(sleeps, []);
});

t.test('503 with Retry-After and IIS 500 pages are retried', async (t) => {
  const { source, sleeps } = setup();
  sim.control.injectFault({ kind: 'http503', retryAfterSeconds: 3, count: 1 });
  sim.control.injectFault({ kind: 'http500html', count: 1 });
  const res = await counted(() => source.verify());
  t.ok(res.value?.serverVersion);
  t.equal(res.requests, 3);
  t.ok(sleeps[0]! >= 3000, 'Retry-After honoured');
  t.equal(sleeps.length, 2);

  const { source: once } = setup({ retry: failFast });
  sim.control.injectFault({ kind: 'http503', retryAfterSeconds: 3, count: 1 });
  const err = ewsError(t, (await counted(() => once.verify())).error, 'EWSDAV_ERR_UPSTREAM_UNAVAILABLE');
  t.equal(err.retryAfterMs, 3000);
});

t.test('dropped connection, timeout, oversize response', async (t) => {
  const { source: once } = setup({ retry: failFast });
  sim.control.injectFault({ kind: 'drop', count: 1 });
  const dropped = ewsError(t, (await counted(() => once.verify())).error, 'EWSDAV_ERR_UPSTREAM_NETWORK');
  t.match(dropped.message, /127\.0\.0\.1:\d+/);
  t.equal(dropped.category, 'transient');

  const { source: retrying } = setup();
  sim.control.injectFault({ kind: 'drop', count: 1 });
  const retried = await counted(() => retrying.verify());
  t.ok(retried.value?.serverVersion, 'a dropped connection is retried');

  const { source: impatient } = setup({ retry: failFast, timeoutMs: 200 });
  sim.control.injectFault({ kind: 'latency', latencyMs: 1500, count: 1 });
  const slow = ewsError(t, (await counted(() => impatient.verify())).error, 'EWSDAV_ERR_UPSTREAM_TIMEOUT');
  t.equal(slow.category, 'transient');

  const { source: small } = setup({ maxResponseBytes: 2048 });
  const cal = { upstreamId: 'x', name: 'x', kind: 'default', readOnly: false, mailbox: DEMO_USER.smtp } satisfies UpstreamCalendar;
  const ids = sim.control.items(DEMO_USER.smtp).map((i) => ({ id: i.itemId }));
  const big = await counted(() => small.fetchObjects(cal, ids));
  ewsError(t, big.error, 'EWSDAV_ERR_UPSTREAM_TOO_LARGE');
  t.equal(big.requests, 1, 'not retried');
});

t.test('refused port and unresolvable host', async (t) => {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refused = setup({ url: `http://127.0.0.1:${port}/EWS/Exchange.asmx`, retry: failFast });
  const err = ewsError(t, await refused.source.verify().catch((e: unknown) => e), 'EWSDAV_ERR_UPSTREAM_NETWORK');
  t.equal(err.details.cause, 'ECONNREFUSED');
  t.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));

  const lookup: LookupFunction = (host, _options, callback) => {
    const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host });
    callback(e, '', 4);
  };
  const unresolvable = setup({ url: 'https://mail.contoso.invalid/EWS/Exchange.asmx', connect: { lookup }, retry: failFast });
  const dns = ewsError(t, await unresolvable.source.verify().catch((e: unknown) => e), 'EWSDAV_ERR_UPSTREAM_NETWORK');
  t.equal(dns.details.cause, 'ENOTFOUND');
  t.match(dns.message, /mail\.contoso\.invalid:443/);
  t.match(dns.hint, /host name/);
});

t.test('GetFolder of another mailbox without rights', async (t) => {
  const { transport } = setup({ retry: failFast });
  const res = await transport
    .call(getFolder, { folders: [{ distinguished: 'calendar', mailbox: 'alex@example.com' }] }, { auth: goodAuth, mailbox: DEMO_USER.smtp })
    .catch((e: unknown) => e);
  t.ok(res instanceof EwsdavError && ['EWSDAV_ERR_UPSTREAM_ACCESS_DENIED', 'EWSDAV_ERR_UPSTREAM_MAILBOX'].includes(res.code), `mapped: ${String(res)}`);
  const shared = await transport.call(getFolder, { folders: [{ distinguished: 'calendar', mailbox: 'shared@example.com' }] }, { auth: goodAuth, mailbox: DEMO_USER.smtp });
  t.ok(shared.folders[0]!.ok, 'a delegate reads the shared calendar');
});
