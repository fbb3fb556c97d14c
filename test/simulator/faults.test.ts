// Fault injection, counters, the HTTP control API and the request log.
import t from 'tap';
import { startSimulator } from '../../src/simulator/index.js';
import { ALEX, calendarView, envelope, first, messages, soap, syncBody, text } from './helpers.js';

const sim = await startSimulator({ now: '2026-05-06T10:00:00Z' });
t.teardown(() => sim.close());
const getCal = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>';

t.beforeEach(() => {
  sim.control.clearFaults();
  sim.control.resetCounters();
});

t.test('ErrorServerBusy as SOAP fault and as response message', async (t) => {
  sim.control.injectFault({ kind: 'serverBusy', count: 1, backOffMs: 30000 });
  const f = await soap(sim.ewsUrl, getCal);
  t.equal(f.status, 500);
  t.equal(first(f.doc, 'faultcode')?.text, 'a:ErrorServerBusy');
  t.equal(first(f.doc, 'Value')?.attrs.get('Name'), 'BackOffMilliseconds');
  t.equal(text(f.doc, 'Value'), '30000');
  t.equal((await soap(sim.ewsUrl, getCal)).status, 200, 'only the next request');

  sim.control.injectFault({ kind: 'serverBusy', form: 'message', operation: 'SyncFolderItems', backOffMs: 5000 });
  t.equal((await soap(sim.ewsUrl, getCal)).status, 200, 'other operations unaffected');
  const m = await soap(sim.ewsUrl, syncBody(10));
  t.equal(m.status, 200);
  t.same(messages(m.doc).map((x) => [x.cls, x.code]), [['Error', 'ErrorServerBusy']]);
  t.equal(text(m.doc, 'Value'), '5000');
  t.equal(text(m.doc, 'IncludesLastItemInRange'), 'true');
  t.same(messages(m.doc)[0]?.node.children.map((c) => c.local), ['MessageText', 'ResponseCode', 'DescriptiveLinkKey', 'MessageXml', 'SyncState', 'IncludesLastItemInRange']);
});

t.test('HTTP faults: 401, 403, 503, HTML 500, dropped connection, per mailbox', async (t) => {
  sim.control.injectFault({ kind: 'http401' });
  const r401 = await soap(sim.ewsUrl, getCal);
  t.equal(r401.status, 401);
  t.match(r401.headers.get('www-authenticate'), /^Basic realm=/);
  sim.control.injectFault({ kind: 'http403' });
  const r403 = await soap(sim.ewsUrl, getCal);
  t.equal(r403.status, 403);
  t.equal(r403.text, '', 'empty body as Exchange Online');
  sim.control.injectFault({ kind: 'http503', retryAfterSeconds: 7 });
  const r503 = await soap(sim.ewsUrl, getCal);
  t.equal(r503.status, 503);
  t.equal(r503.headers.get('retry-after'), '7');
  sim.control.injectFault({ kind: 'http500html' });
  const r500 = await soap(sim.ewsUrl, getCal);
  t.equal(r500.status, 500);
  t.match(r500.text, /Server Error in '\/EWS' Application/);
  sim.control.injectFault({ kind: 'drop' });
  await t.rejects(soap(sim.ewsUrl, getCal), 'socket destroyed mid-request');
  sim.control.injectFault({ kind: 'http403', mailbox: 'alex@example.com', count: 5 });
  t.equal((await soap(sim.ewsUrl, getCal)).status, 200, 'demo unaffected');
  t.equal((await soap(sim.ewsUrl, getCal, { auth: ALEX })).status, 403, 'alex blocked');
  t.equal(sim.control.faults()[0]?.remaining, 4);
  sim.control.injectFault({ kind: 'http503', durationMs: 60_000 });
  t.equal((await soap(sim.ewsUrl, getCal)).status, 503);
  t.equal((await soap(sim.ewsUrl, getCal)).status, 503, 'still within the duration');
  sim.control.clearFaults();
  t.equal((await soap(sim.ewsUrl, getCal)).status, 200);
  sim.control.injectFault({ kind: 'latency', latencyMs: 20, count: 1 });
  t.equal((await soap(sim.ewsUrl, getCal)).status, 200, 'latency only delays');
  const log = sim.control.requestLog();
  t.same(log.map((e) => e.injected ?? '-'), ['http401', 'http403', 'http503', 'http500html', 'drop', '-', 'http403', 'http503', 'http503', '-', '-']);
});

t.test('counters per operation and per mailbox; HTTP control API', async (t) => {
  await soap(sim.ewsUrl, getCal);
  await soap(sim.ewsUrl, getCal, { auth: ALEX });
  await soap(sim.ewsUrl, calendarView('2026-05-01T00:00:00Z', '2026-05-08T00:00:00Z', 10));
  const c = sim.control.counters();
  t.equal(c.requests, 3);
  t.same(c.byOperation, { GetFolder: 2, FindItem: 1 });
  t.same(c.byMailbox, { 'demo@example.com': 2, 'alex@example.com': 1 });
  t.same(c.byMailboxOperation['demo@example.com'], { GetFolder: 1, FindItem: 1 });

  const json = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: r.status === 204 ? undefined : (await r.json()) as unknown };
  };
  t.match((await json('GET', '/_sim/counters')).body, { requests: 3 });
  t.equal((await json('POST', '/_sim/faults', { kind: 'http503', count: 2 })).status, 201);
  t.equal((await soap(sim.ewsUrl, getCal)).status, 503);
  t.equal((await json('DELETE', '/_sim/faults')).status, 204);
  t.equal((await soap(sim.ewsUrl, getCal)).status, 200);
  const added = await json('POST', '/_sim/items', { mailbox: 'alex@example.com', item: { subject: 'Via HTTP', start: '2026-05-07T10:00:00Z', end: '2026-05-07T11:00:00Z' } });
  t.equal(added.status, 201);
  const list = await json('GET', '/_sim/items?mailbox=alex@example.com');
  t.ok((list.body as Array<{ subject: string }>).some((i) => i.subject === 'Via HTTP'));
  const bad = await json('POST', '/_sim/items', { mailbox: 'alex@example.com', item: { subject: 'x', start: 'nope', end: 'nope' } });
  t.equal(bad.status, 400);
  t.equal((await json('POST', '/_sim/occurrences', { mailbox: 'alex@example.com', item: 'alex-1on1', instanceIndex: 2, patch: { subject: 'Moved 1:1' } })).status, 200);
  t.equal((await json('DELETE', '/_sim/occurrences', { mailbox: 'alex@example.com', item: 'alex-1on1', instanceIndex: 3 })).status, 200);
  t.equal((await json('POST', '/_sim/clock', { now: '2027-01-01T00:00:00Z' })).status, 200);
  t.match((await json('GET', '/_sim/clock')).body, { now: '2027-01-01T00:00:00Z' });
  t.equal((await json('GET', '/_sim/nothing')).status, 404);
  t.equal((await json('DELETE', '/_sim/counters')).status, 204);
  t.match((await json('GET', '/_sim/counters')).body, { requests: 0 });
  const ews = await fetch(`${sim.url}/_sim/counters`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope(getCal) });
  t.equal(ews.status, 400, 'SOAP is not served on control paths (not JSON)');
});
