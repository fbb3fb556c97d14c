// JSON batching on the simulator's Graph endpoints over plain fetch (never src/graph): 20 event
// GETs in one POST /v1.0/$batch, per-request failures inside a 200 (404, injected 429 with
// Retry-After, 403 for a mailbox the token may not read, 405 for writes), whole-batch 400s (>20,
// duplicate ids, absolute urls, mixed dependsOn), sequential dependsOn with 424, the 4-lane
// concurrency per mailbox, latency once per batch, counters; and main.ts --graph in a child process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import t from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { GraphTokens, graphGet } from '../../src/simulator/graph/test-client.js';
import { basicAuth } from '../../src/simulator/auth.js';
import { startSimulator } from '../../src/simulator/index.js';

const { mara, pat } = CONTOSO.users;
const entra = await startEntra();
t.teardown(() => entra.close());
const items = Array.from({ length: 25 }, (_, i) => ({
  key: `e${i}`, subject: `Event ${i}`, start: `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T${String(8 + (i % 9)).padStart(2, '0')}:00:00Z`,
  end: `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T${String(8 + (i % 9)).padStart(2, '0')}:30:00Z`, sequence: i,
}));
const sim = await startSimulator({
  now: '2026-03-01T12:00:00Z', secret: 'graph-batch', graph: { trust: entra.trust }, auth: { schemes: [basicAuth] },
  mailboxes: {
    mailboxes: [
      { smtp: mara.upn, displayName: 'Mara', password: 'pw', items },
      { smtp: pat.upn, displayName: 'Pat', items: items.slice(0, 2) },
      { smtp: 'shared@contoso.com', displayName: 'Shared', delegates: [mara.upn], items: items.slice(0, 2) },
    ],
  },
});
t.teardown(() => sim.close());
const tokens = new GraphTokens(entra);
t.teardown(() => tokens.close());
const token = await tokens.delegated(mara.upn, mara.password);
const V = `${sim.graphUrl ?? ''}/v1.0`;
const graphId = (ewsId: string): string => ewsId.replace(/\+/g, '_').replace(/\//g, '-');
const ids = (mailbox: string): string[] => sim.control.items(mailbox).map((i) => graphId(i.itemId));
const maraIds = ids(mara.upn);
const SEQ = "Integer {00062002-0000-0000-C000-000000000046} Id 0x8201";

interface Sub { id: string; status: number; headers: Record<string, string>; body: Record<string, unknown> }
interface BatchResult { status: number; headers: Headers; json: { responses?: Sub[]; error?: { code: string; message: string } } }

async function batch(requests: unknown[], auth: string | null = token, extra: Record<string, string> = {}): Promise<BatchResult> {
  const res = await fetch(`${V}/$batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...extra },
    body: JSON.stringify({ requests }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as BatchResult['json'] };
}
const get = (id: string, url: string, headers?: Record<string, string>): Record<string, unknown> => ({ id, method: 'GET', url, ...(headers ? { headers } : {}) });
const byId = (r: BatchResult): Map<string, Sub> => new Map((r.json.responses ?? []).map((s) => [s.id, s]));
const code = (s: Sub | undefined): unknown => (s?.body.error as { code?: string } | undefined)?.code;

t.test('20 event GETs in one batch, with $select / $expand / Prefer, answered as direct requests', async (t) => {
  sim.control.resetCounters();
  const select = `$select=subject,start&$expand=singleValueExtendedProperties($filter=id eq '${SEQ}')`;
  const reqs = maraIds.slice(0, 20).map((id, i) => get(String(i + 1), `${i % 2 ? '' : '/'}me/events/${id}?${select}`, { Prefer: 'outlook.timezone="W. Europe Standard Time"' }));
  const r = await batch(reqs);
  t.equal(r.status, 200);
  t.match(r.headers.get('content-type'), /^application\/json/);
  const subs = r.json.responses ?? [];
  t.equal(subs.length, 20);
  t.same(subs.map((s) => s.id).sort(), reqs.map((q) => q.id).sort(), 'one response per id');
  t.same(subs.slice(0, 6).map((s) => s.id), ['1', '5', '9', '13', '17', '2'], 'lane by lane, not request order');
  t.ok(subs.every((s) => s.status === 200));
  const direct = await graphGet(`${V}/me/events/${maraIds[3] ?? ''}?${select}`, token, { prefer: 'outlook.timezone="W. Europe Standard Time"' });
  const four = byId(r).get('4');
  t.same(four?.body, { ...direct.json }, 'the body a direct GET gets');
  t.match(four?.headers, { 'Content-Type': /^application\/json/, 'Preference-Applied': 'outlook.timezone="W. Europe Standard Time"' });
  t.match(four?.body, { subject: String, start: { timeZone: 'W. Europe Standard Time' }, singleValueExtendedProperties: [{ value: String }] });
  const c = sim.control.counters();
  t.equal(c.byOperation['graph:batch'], 1);
  t.equal(c.byOperation['graph:event'], 21, '20 inside the batch + 1 direct');
  t.same(c.byMailboxOperation[mara.upn], { 'graph:batch': 1, 'graph:event': 21 });
  const log = sim.control.requestLog();
  t.match(log.find((e) => e.operation === 'graph:batch'), { method: 'POST', path: '/v1.0/$batch', status: 200, user: mara.upn, mailbox: mara.upn });
  t.match(log.find((e) => e.operation === 'graph:event'), { method: 'GET', path: /^\/v1\.0\/me\/events\//, status: 200, user: mara.upn, authScheme: 'Bearer' });
});

t.test('per-request failures stay inside a 200: 404, 400, 405, 403 for a mailbox the token may not read', async (t) => {
  sim.control.resetCounters();
  const gone = maraIds[0]?.replace(/^(.{20})./, (_, a: string) => `${a}${a.endsWith('A') ? 'B' : 'A'}`) ?? '';
  const r = await batch([
    get('ok', `/me/events/${maraIds[1] ?? ''}?$select=subject`),
    get('unknown', `/me/events/${graphId(sim.control.items(pat.upn)[0]?.itemId ?? '')}`),
    get('garbled', `/me/events/${gone}`),
    get('malformed', '/me/events/not+an+id'),
    get('segment', '/me/contacts'),
    { id: 'write', method: 'PATCH', url: `/me/events/${maraIds[1] ?? ''}`, headers: { 'Content-Type': 'application/json' }, body: { subject: 'x' } },
    get('delegate', '/users/shared@contoso.com/calendar'),
    get('foreign', `/users/${pat.upn}/calendar`),
    get('nobody', '/users/nobody@contoso.com/calendar'),
  ]);
  t.equal(r.status, 200);
  const m = byId(r);
  t.equal(m.get('ok')?.status, 200);
  t.equal(m.get('unknown')?.status, 404, "another mailbox's item under /me");
  t.equal(code(m.get('unknown')), 'ErrorItemNotFound');
  t.ok([400, 404].includes(m.get('garbled')?.status ?? 0));
  t.equal(m.get('malformed')?.status, 400);
  t.equal(code(m.get('malformed')), 'ErrorInvalidIdMalformed');
  t.equal(m.get('segment')?.status, 400);
  t.equal(m.get('write')?.status, 405);
  t.equal(m.get('delegate')?.status, 200, 'a mailbox mara is a delegate of');
  t.equal(m.get('foreign')?.status, 403);
  t.equal(code(m.get('foreign')), 'ErrorAccessDenied');
  t.equal(m.get('nobody')?.status, 404);
  t.equal(code(m.get('nobody')), 'ErrorInvalidUser');
  t.match(m.get('unknown')?.body, { error: { message: String, innerError: { 'request-id': String } } });
  t.equal(sim.control.counters().byOperation['graph:batch'], 1);
  t.equal(sim.control.counters().byOperation['graph:event'], 5, 'ok, unknown, garbled, malformed, and the PATCH (405)');
});

t.test('an injected 429 hits one sub-request (Retry-After inside); the others are 200', async (t) => {
  sim.control.resetCounters();
  sim.graph?.throttle({ status: 429, count: 1, retryAfterSeconds: 9, mailbox: mara.upn, operation: 'graph:event' });
  const r = await batch(maraIds.slice(0, 8).map((id, i) => get(String(i), `/me/events/${id}`)));
  t.equal(r.status, 200);
  const subs = r.json.responses ?? [];
  const throttled = subs.filter((s) => s.status === 429);
  t.equal(throttled.length, 1);
  t.equal(throttled[0]?.headers['Retry-After'], '9');
  t.equal(code(throttled[0]), 'TooManyRequests');
  t.equal(subs.filter((s) => s.status === 200).length, 7);
  t.same(sim.control.requestLog().map((e) => e.injected).filter(Boolean), ['http429']);
  // An operation-scoped throttle of another operation leaves event GETs alone.
  sim.graph?.throttle({ status: 503, operation: 'graph:calendar' });
  const r2 = await batch([get('a', `/me/events/${maraIds[0] ?? ''}`), get('b', '/me/calendar')]);
  t.same([byId(r2).get('a')?.status, byId(r2).get('b')?.status], [200, 503]);
  t.equal(byId(r2).get('b')?.headers['Retry-After'], '1');
});

t.test('malformed batches are refused as a whole with 400', async (t) => {
  sim.control.resetCounters();
  const reqs21 = Array.from({ length: 21 }, (_, i) => get(String(i), `/me/events/${maraIds[i] ?? ''}`));
  const big = await batch(reqs21);
  t.equal(big.status, 400);
  t.equal(big.json.error?.code, 'BadRequest');
  t.match(big.json.error?.message, /at most 20/);
  const dup = await batch([get('1', '/me/calendar'), get('1', '/me/calendars')]);
  t.equal(dup.status, 400);
  t.match(dup.json.error?.message, /unique/);
  t.equal((await batch([get('a', '/me/calendar'), get('A', '/me/calendars')])).status, 400, 'ids are not case-sensitive');
  t.equal((await batch([])).status, 400, 'empty');
  t.equal((await batch([get('1', 'https://graph.microsoft.com/v1.0/me/calendar')])).status, 400, 'absolute url');
  t.equal((await batch([{ id: '1', url: '/me/calendar' }])).status, 400, 'no method');
  t.equal((await batch([{ id: 2, method: 'GET', url: '/me/calendar' }])).status, 400, 'numeric id');
  const mixed = await batch([get('1', '/me/calendar'), { ...get('2', '/me/calendars'), dependsOn: ['1'] }, get('3', '/me/calendar')]);
  t.equal(mixed.status, 400);
  t.equal(mixed.json.error?.message, 'Batch should be either fully sequential or fully parallel.');
  t.equal((await batch([get('1', '/me/calendar'), { ...get('2', '/me/calendar'), dependsOn: ['9'] }])).status, 400, 'unknown dependsOn id');
  const notJson = await fetch(`${V}/$batch`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{' });
  t.equal(notJson.status, 400);
  t.equal((await fetch(`${V}/$batch`, { headers: { authorization: `Bearer ${token}` } })).status, 405, 'GET $batch');
  const anon = await batch([get('1', '/me/calendar')], null);
  t.equal(anon.status, 401, 'the token is checked for the batch as a whole');
  t.equal(anon.json.error?.code, 'InvalidAuthenticationToken');
  t.same(sim.control.counters().byOperation, { 'graph:batch': 12 }, 'no sub-request ran');
});

t.test('dependsOn: a fully sequential batch runs in order; after a failure the rest answer 424', async (t) => {
  const r = await batch([
    get('1', `/me/events/${maraIds[0] ?? ''}`),
    { ...get('2', `/me/events/${graphId(sim.control.items(pat.upn)[0]?.itemId ?? '')}`), dependsOn: ['1'] },
    { ...get('3', `/me/events/${maraIds[1] ?? ''}`), dependsOn: ['2'] },
  ]);
  t.equal(r.status, 200);
  t.same((r.json.responses ?? []).map((s) => [s.id, s.status]), [['1', 200], ['2', 404], ['3', 424]]);
  const ok = await batch([get('1', '/me/calendar'), { ...get('2', '/me/calendars'), dependsOn: ['1'] }]);
  t.same((ok.json.responses ?? []).map((s) => s.status), [200, 200]);
});

t.test('a token without calendar permission: every sub-request answers 403', async (t) => {
  const { alex } = CONTOSO.users;
  const userRead = await tokens.delegated(alex.upn, alex.password, 'https://graph.microsoft.com/User.Read', alex.otp);
  const r = await batch([get('1', '/me/calendar'), get('2', '/me/calendars')], userRead);
  t.equal(r.status, 200);
  t.same((r.json.responses ?? []).map((s) => s.status), [403, 403]);
});

t.test('app-only tokens: /me refused inside, mailboxes outside the app scope 403 inside', async (t) => {
  const app = await tokens.app();
  sim.graph?.setAppScope([pat.upn]);
  const r = await batch([get('me', '/me/calendar'), get('pat', `/users/${pat.upn}/calendar`), get('mara', `/users/${mara.upn}/calendar`)], app);
  sim.graph?.setAppScope(undefined);
  const m = byId(r);
  t.equal(m.get('me')?.status, 400);
  t.equal(m.get('pat')?.status, 200);
  t.equal(m.get('mara')?.status, 403);
  t.equal((m.get('mara')?.body.error as { message?: string } | undefined)?.message, 'Access to OData is disabled.');
});

t.test('4 lanes per mailbox: a batch holds up to 4 slots while it runs; latency once per batch', async (t) => {
  sim.control.resetCounters();
  sim.control.setLatency(300);
  const started = performance.now();
  const twenty = maraIds.slice(0, 20).map((id, i) => get(String(i), `/me/events/${id}`));
  const [b1, direct, b2, pats] = await Promise.all([
    batch(twenty),
    new Promise<Awaited<ReturnType<typeof graphGet>>>((r) => setTimeout(() => r(graphGet(`${V}/me/calendar`, token)), 100)),
    new Promise<BatchResult>((r) => setTimeout(() => r(batch(twenty.slice(0, 3))), 100)),
    batch([get('p', `/users/${pat.upn}/calendar`)], await tokens.app()),
  ]);
  const elapsed = performance.now() - started;
  sim.control.setLatency(0);
  t.ok((b1.json.responses ?? []).every((s) => s.status === 200), 'the first batch got its 4 lanes');
  t.ok(elapsed < 1500, `one latency per batch, not per sub-request (${Math.round(elapsed)} ms)`);
  t.equal(direct.status, 429, 'a direct request while the batch holds the mailbox');
  t.equal((direct.json.error as { code?: string }).code, 'ApplicationThrottled');
  const refused = b2.json.responses ?? [];
  t.equal(b2.status, 200);
  t.ok(refused.length === 3 && refused.every((s) => s.status === 429 && code(s) === 'ApplicationThrottled' && s.headers['Retry-After'] === '1'), 'a second concurrent batch: its sub-requests find no lane');
  t.equal(byId(pats).get('p')?.status, 200, 'another mailbox has its own slots');
  t.equal(sim.graph?.state().concurrencyRefusals, 4);
  t.ok(sim.control.requestLog().filter((e) => e.injected === 'concurrency').length === 4);
  // Partial lanes: with 2 slots taken by others, half the lanes of a 4-request batch are refused.
  sim.graph?.reset();
  sim.graph?.setConcurrencyLimit(2);
  const partial = await batch(maraIds.slice(0, 4).map((id, i) => get(String(i), `/me/events/${id}`)));
  sim.graph?.setConcurrencyLimit(4);
  t.same((partial.json.responses ?? []).map((s) => s.status).sort(), [200, 200, 429, 429]);
  t.equal((await graphGet(`${V}/me/calendar`, token)).status, 200, 'slots are given back');
});

t.test('main.ts --graph --json in a child process', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--graph', '--json', '--graph-user', 'demo@example.com'], {
    cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', () => reject(new Error('main.ts exited before printing')));
  });
  const info = JSON.parse(line) as { url: string; ewsUrl: string; graphUrl: string; entraUrl: string; authority: string; caCertPath: string; clientId: string; graphTokens: Record<string, string> };
  t.match(info, { url: /^http:\/\/127\.0\.0\.1:\d+$/, graphUrl: info.url, entraUrl: /^https:\/\/127\.0\.0\.1:\d+$/, authority: /^https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/, caCertPath: /ca\.pem$/, clientId: CONTOSO.publicApp });
  const demoToken = info.graphTokens['demo@example.com'] ?? '';
  t.match(demoToken, /^eyJ/);
  const cal = await graphGet(`${info.graphUrl}/v1.0/me/calendar`, demoToken);
  t.equal(cal.status, 200);
  t.match(cal.json, { owner: { address: 'demo@example.com' } });
  const res = await fetch(`${info.graphUrl}/v1.0/$batch`, {
    method: 'POST', headers: { authorization: `Bearer ${demoToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ requests: [get('1', '/me/calendars?$select=name'), get('2', '/users/alex@example.com/calendar')] }),
  });
  const subs = ((await res.json()) as { responses: Sub[] }).responses;
  t.same(subs.map((s) => [s.id, s.status]).sort(), [['1', 200], ['2', 403]], "demo may not read alex's mailbox");
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM stops it');
});
