// The Graph transport against small node:http servers on 127.0.0.1: Retry-After per mailbox (a
// gate nothing passes early), bounded retries ending in a 'throttled' error, the 401 refresh-once
// hook, 401/403/410 diagnoses, the size limit, the per-mailbox cap, links to other hosts, logs;
// JSON batching (chunks of 20, answers in any order, per-sub-request statuses, throttled
// sub-requests retried behind the mailbox's gate, a 401 inside as the token's problem).
import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { GraphTransport, type GraphTransportOptions } from '../../src/graph/transport.js';
import type { UpstreamAuth } from '../../src/auth/upstream/types.js';
import { defaultRetryPolicy, failFast } from '../../src/upstream/retry.js';
import { EwsdavError } from '../../src/errors.js';
import type { UpstreamCallEvent } from '../../src/upstream/call-event.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => unknown;
interface Seen { url: string; method: string; headers: IncomingMessage['headers']; at: number; body: string }

async function serve(handler: Handler): Promise<{ url: string; requests: Seen[]; clock: { now: number } }> {
  const requests: Seen[] = [];
  const clock = { now: 1_000_000 };
  const server = createServer(async (req, res) => {
    const seen: Seen = { url: req.url ?? '', method: req.method ?? '', headers: req.headers, at: clock.now, body: '' };
    requests.push(seen);
    const n = requests.length;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.body = Buffer.concat(chunks).toString('utf8');
    await handler(req, res, n, seen.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests, clock };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const graphError = (code: string, message: string) => ({ error: { code, message } });

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token-payload.sig';
function bearer(onUnauthorized?: UpstreamAuth['onUnauthorized']): UpstreamAuth & { contexts: { url: string; mailbox: string; attempt: number }[] } {
  const contexts: { url: string; mailbox: string; attempt: number }[] = [];
  return {
    scheme: 'oauth', contexts, describe: () => 'mara@contoso.com',
    authorize: (ctx) => {
      contexts.push({ url: ctx.url.href, mailbox: ctx.mailbox, attempt: ctx.attempt });
      return { headers: { authorization: `Bearer ${TOKEN}-${ctx.attempt}` } };
    },
    ...(onUnauthorized ? { onUnauthorized } : {}),
  };
}

function transport(url: string, clock: { now: number }, options: Partial<GraphTransportOptions> = {}): GraphTransport & { waits: number[] } {
  const waits: number[] = [];
  // A fake clock: waiting advances it, so the server can see when each request would have arrived.
  const tr = new GraphTransport({ url, retry: failFast, now: () => clock.now, sleep: async (ms) => { waits.push(ms); clock.now += ms; }, ...options });
  t.teardown(() => tr.close());
  return Object.assign(tr, { waits });
}

const get = (tr: GraphTransport, auth: UpstreamAuth, path = '/me/calendars', mailbox = 'mara@contoso.com') => tr.get<{ value?: unknown[] }>({ auth, mailbox, operation: 'graph.calendars', path });

t.test('headers, URL, auth context, gzip', async (t) => {
  const srv = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify({ value: [{ id: 'x' }] }))));
  const auth = bearer();
  const out = await get(transport(srv.url, srv.clock), auth, '/me/calendars?$top=2');
  t.strictSame(out, { value: [{ id: 'x' }] });
  const { url, headers } = srv.requests[0]!;
  t.equal(url, '/v1.0/me/calendars?$top=2');
  t.equal(headers.authorization, `Bearer ${TOKEN}-1`);
  t.match(headers.prefer, /outlook\.timezone="UTC"/);
  t.match(headers.prefer, /IdType="ImmutableId"/);
  t.equal(headers.accept, 'application/json');
  t.strictSame(auth.contexts, [{ url: `${srv.url}/v1.0/me/calendars?$top=2`, mailbox: 'mara@contoso.com', attempt: 1 }], 'the provider sees the Graph URL and the mailbox');
});

t.test('429 Retry-After closes the mailbox until it passes; other mailboxes go on', async (t) => {
  const srv = await serve((req, res, n) => (n === 1 ? json(res, 429, graphError('TooManyRequests', 'Too many requests'), { 'retry-after': '3' }) : json(res, 200, { value: [], who: req.headers['x-test'] })));
  const events: UpstreamCallEvent[] = [];
  const tr = transport(srv.url, srv.clock, { retry: defaultRetryPolicy({ random: () => 0 }), observe: (e) => events.push(e) });
  const auth = bearer();
  const throttledAt = srv.clock.now;
  await get(tr, auth);
  // A second request to the same mailbox after the 429 must also wait at the gate.
  srv.clock.now = throttledAt + 1000;
  await get(tr, auth);
  await get(tr, auth, '/users/lee%40contoso.com/calendars', 'lee@contoso.com');
  const mara = srv.requests.filter((r) => !r.url.includes('lee'));
  t.equal(mara.length, 3);
  t.ok(mara.slice(1).every((r) => r.at >= throttledAt + 3000), 'nothing reached the throttled mailbox before Retry-After passed');
  t.strictSame(events.map((e) => [e.operation, e.result]).slice(0, 2), [['graph.calendars', 'throttled'], ['graph.calendars', 'ok']]);
  t.equal(events[0]!.retryInMs, 3000);
});

t.test('throttled past the retry budget: a throttled error with retryAfterMs', async (t) => {
  const srv = await serve((_req, res) => json(res, 503, graphError('ServiceUnavailable', 'busy'), { 'retry-after': '2' }));
  const tr = transport(srv.url, srv.clock, { retry: defaultRetryPolicy({ maxAttempts: 3, random: () => 0 }) });
  const err = await get(tr, bearer()).catch((e: unknown) => e);
  t.match(err, { category: 'throttled', code: 'EWSDAV_ERR_UPSTREAM_THROTTLED', retryAfterMs: 2000, details: { status: 503, upstreamCode: 'ServiceUnavailable' } });
  t.equal(srv.requests.length, 3, 'bounded');
  const tooLong = await serve((_req, res) => json(res, 429, graphError('TooManyRequests', 'x'), { 'retry-after': '600' }));
  const err2 = await get(transport(tooLong.url, tooLong.clock, { retry: defaultRetryPolicy() }), bearer()).catch((e: unknown) => e);
  t.match(err2, { category: 'throttled', retryAfterMs: 600_000 }, 'a long wait is handed to the engine at once');
  t.equal(tooLong.requests.length, 1);
});

t.test('401: the provider may renew once; then a diagnosis', async (t) => {
  const srv = await serve((req, res) => (req.headers.authorization?.endsWith('-2') ? json(res, 200, { value: [] }) : json(res, 401, graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'), { 'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' })));
  const seen: string[][] = [];
  const auth = bearer(async (_ctx, info) => {
    seen.push([...info.offeredSchemes]);
    return 'retry';
  });
  t.strictSame(await get(transport(srv.url, srv.clock), auth), { value: [] });
  t.strictSame(seen, [['Bearer']]);
  t.strictSame(auth.contexts.map((c) => c.attempt), [1, 2]);

  const wrong = await serve((_req, res) => json(res, 401, graphError('InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.')));
  let asked = 0;
  const err = await get(transport(wrong.url, wrong.clock), bearer(async () => (asked++, 'retry'))).catch((e: unknown) => e);
  t.ok(err instanceof EwsdavError);
  t.match(err, { category: 'auth', code: 'EWSDAV_ERR_UPSTREAM_AUTH', details: { upstreamCode: 'InvalidAuthenticationToken', hint: /another resource.*Calendars\.Read/s } });
  t.equal(wrong.requests.length, 2, 'exactly one retry');
  t.equal(asked, 1);
});

t.test('403, 404, 410, 400 as typed errors', async (t) => {
  const srv = await serve((req, res) => {
    if (req.url!.includes('odata')) return json(res, 403, graphError('ErrorAccessDenied', 'Access to OData is disabled.'));
    if (req.url!.includes('denied')) return json(res, 403, graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.'));
    if (req.url!.includes('gone')) return json(res, 410, graphError('SyncStateNotFound', 'The sync state generation is not found.'));
    if (req.url!.includes('missing')) return json(res, 404, graphError('ErrorItemNotFound', 'The specified object was not found in the store.'));
    return json(res, 400, graphError('BadRequest', "Resource not found for the segment 'delta'."));
  });
  const tr = transport(srv.url, srv.clock);
  const fail = (path: string) => get(tr, bearer(), path).catch((e: unknown) => e);
  t.match(await fail('/users/x/odata'), { category: 'forbidden', code: 'EWSDAV_ERR_UPSTREAM_FORBIDDEN', details: { hint: /ManagementScope|ApplicationAccessPolicy/ } });
  t.match(await fail('/users/x/denied'), { category: 'forbidden', code: 'EWSDAV_ERR_UPSTREAM_ACCESS_DENIED' });
  t.match(await fail('/me/gone'), { category: 'invalid-state', code: 'EWSDAV_ERR_SYNC_STATE_INVALID', details: { upstreamCode: 'SyncStateNotFound' } });
  t.match(await fail('/me/missing'), { category: 'not-found' });
  t.match(await fail('/me/calendars/x/calendarView/delta'), { category: 'permanent', details: { status: 400, upstreamCode: 'BadRequest' } });
});

t.test('response size limit, unreadable JSON, network errors, foreign links', async (t) => {
  const srv = await serve((req, res) => (req.url!.includes('bad') ? res.writeHead(200, { 'content-type': 'application/json' }).end('{"value": [') : json(res, 200, { value: Array.from({ length: 500 }, (_, i) => ({ id: `item-${i}` })) })));
  t.match(await get(transport(srv.url, srv.clock, { maxResponseBytes: 4096 }), bearer()).catch((e: unknown) => e), { code: 'EWSDAV_ERR_UPSTREAM_TOO_LARGE', details: { limit: 4096 } });
  t.match(await get(transport(srv.url, srv.clock), bearer(), '/me/bad').catch((e: unknown) => e), { code: 'EWSDAV_ERR_UPSTREAM_RESPONSE' });
  t.match(await get(transport(srv.url, srv.clock), bearer(), 'https://evil.example/v1.0/me/calendars').catch((e: unknown) => e), { code: 'EWSDAV_ERR_UPSTREAM_RESPONSE', message: /another host/ });
  const silent = await serve(() => undefined);
  const port = new URL(silent.url).port;
  await new Promise((r) => setTimeout(r, 10));
  const refused = await get(transport(`http://127.0.0.1:1`, srv.clock), bearer()).catch((e: unknown) => e);
  t.match(refused, { category: 'transient', code: 'EWSDAV_ERR_UPSTREAM_NETWORK', message: /Microsoft Graph/, details: { hint: /graph\.url/ } });
  const slow = await get(transport(`http://127.0.0.1:${port}`, srv.clock, { timeoutMs: 200 }), bearer()).catch((e: unknown) => e);
  t.match(slow, { category: 'transient', code: 'EWSDAV_ERR_UPSTREAM_TIMEOUT' });
});

t.test('at most 4 requests in flight per mailbox', async (t) => {
  let inFlight = 0;
  let max = 0;
  const srv = await serve(async (_req, res) => {
    max = Math.max(max, ++inFlight);
    await new Promise((r) => setTimeout(r, 20));
    inFlight--;
    json(res, 200, { value: [] });
  });
  const tr = transport(srv.url, srv.clock);
  await Promise.all(Array.from({ length: 10 }, () => get(tr, bearer())));
  t.equal(max, 4);
});

t.test('logs name the request, never the token', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }));
  const srv = await serve((_req, res, n) => (n === 1 ? json(res, 401, graphError('InvalidAuthenticationToken', 'expired')) : json(res, 200, { value: [] })));
  await get(transport(srv.url, srv.clock, { logger }), bearer(async () => 'retry'));
  await get(transport(srv.url, srv.clock, { logger }), bearer()).catch(() => undefined);
  const text = lines.join('');
  t.match(text, /graph\.calendars/);
  t.notMatch(text, /secret-token-payload/);
  t.notMatch(text, /authorization/i);
});

// --- JSON batching -------------------------------------------------------------------------------

interface SubRequest { id: string; method: string; url: string; headers?: Record<string, string> }
interface Sub { id: string; status: number; headers?: Record<string, string>; body?: unknown }
const subRequests = (body: string): SubRequest[] => (JSON.parse(body) as { requests: SubRequest[] }).requests;
/** A batch server: `answer` decides each sub-request; responses go back in reverse order. */
const batchServer = (answer: (sub: SubRequest, n: number) => Omit<Sub, 'id'>, direct: Handler = (_req, res) => json(res, 200, { value: [] })) =>
  serve((req, res, n, body) => {
    if (!req.url!.endsWith('/$batch')) return direct(req, res, n, body);
    const responses = subRequests(body).map((r) => ({ id: r.id, ...answer(r, n) })).reverse();
    return json(res, 200, { responses });
  });
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/me/events/ev${i}?$select=id`, operation: 'graph.event' }));
const batch = (tr: GraphTransport, auth: UpstreamAuth, list: { path: string; operation: string }[], mailbox = 'mara@contoso.com') =>
  tr.batch<{ id: string }>({ auth, mailbox, items: list });
const idOf = (url: string) => /events\/(ev\d+)/.exec(url)![1]!;

t.test('batch: chunks of 20, Microsoft\'s request shape, answers matched by id', async (t) => {
  const srv = await batchServer((r) => (r.url.includes('ev7?') ? { status: 404, body: graphError('ErrorItemNotFound', 'The specified object was not found in the store.') }
    : r.url.includes('ev8?') ? { status: 403, body: graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.') }
      : { status: 200, headers: { 'Content-Type': 'application/json' }, body: { id: idOf(r.url) } }));
  const auth = bearer();
  const out = await batch(transport(srv.url, srv.clock), auth, items(45));
  t.equal(srv.requests.length, 3, '⌈45/20⌉ POSTs');
  t.ok(srv.requests.every((r) => r.method === 'POST' && r.url === '/v1.0/$batch'));
  t.equal(srv.requests[0]!.headers['content-type'], 'application/json');
  t.equal(srv.requests[0]!.headers.authorization, `Bearer ${TOKEN}-1`);
  t.strictSame(srv.requests.map((r) => subRequests(r.body).length), [20, 20, 5]);
  const first = subRequests(srv.requests[0]!.body)[0]!;
  t.strictSame(first.method, 'GET');
  t.equal(first.url, '/me/events/ev0?$select=id', 'url relative to /v1.0');
  t.match(first.headers?.prefer, /outlook\.timezone="UTC"/, 'the standard Prefer values on every sub-request');
  t.ok(srv.requests.every((r) => new Set(subRequests(r.body).map((s) => s.id)).size === subRequests(r.body).length), 'ids unique within a batch');
  t.equal(out.length, 45);
  t.strictSame(out.filter((r) => r.ok).map((r) => (r.ok ? r.value.id : '')), items(45).map((_, i) => `ev${i}`).filter((id) => id !== 'ev7' && id !== 'ev8'), 'in the order asked');
  t.match(out[7], { ok: false, error: { category: 'not-found', details: { upstreamCode: 'ErrorItemNotFound', operation: 'graph.event', status: 404 } } });
  t.match(out[8], { ok: false, error: { category: 'forbidden', code: 'EWSDAV_ERR_UPSTREAM_ACCESS_DENIED' } });
  t.strictSame(await batch(transport(srv.url, srv.clock), auth, []), [], 'nothing to ask: no request');
  t.equal(srv.requests.length, 3);
});

t.test('batch: throttled sub-requests close the gate and are sent again once it passes', async (t) => {
  const throttled = new Set(['ev3', 'ev11']);
  const srv = await batchServer((r, n) => (n === 1 && throttled.has(idOf(r.url))
    ? { status: 429, headers: { 'Retry-After': '5' }, body: graphError('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.') }
    : { status: 200, body: { id: idOf(r.url) } }));
  const events: UpstreamCallEvent[] = [];
  const tr = transport(srv.url, srv.clock, { retry: defaultRetryPolicy({ random: () => 0 }), observe: (e) => events.push(e) });
  const auth = bearer();
  const throttledAt = srv.clock.now;
  const out = await batch(tr, auth, items(15));
  t.ok(out.every((r) => r.ok), 'every sub-request answered in the end');
  t.equal(srv.requests.length, 2);
  t.strictSame(subRequests(srv.requests[1]!.body).map((s) => idOf(s.url)).sort(), ['ev11', 'ev3'], 'only the throttled ones again');
  t.ok(srv.requests[1]!.at >= throttledAt + 5000, 'not before Retry-After');
  t.match(events.filter((e) => e.result === 'throttled'), [{ operation: 'graph.event', attempt: 1, retryInMs: 5000 }, { operation: 'graph.event', attempt: 1, retryInMs: 5000 }]);
  t.match(events.filter((e) => e.operation === 'graph.batch').map((e) => e.result), ['ok', 'ok']);

  // Given up at once (failFast): the gate the sub-response closed still holds back the next request.
  const once = await batchServer(() => ({ status: 429, headers: { 'Retry-After': '7' }, body: graphError('TooManyRequests', 'x') }));
  const tr2 = transport(once.url, once.clock);
  const at = once.clock.now;
  t.match(await batch(tr2, auth, items(2)).catch((e: unknown) => e), { category: 'throttled', retryAfterMs: 7000 });
  await get(tr2, auth, '/users/lee%40contoso.com/calendars', 'lee@contoso.com');
  t.equal(once.requests[1]!.at, at, 'another mailbox goes on at once');
  await get(tr2, auth);
  t.ok(once.requests[2]!.at >= at + 7000, 'the throttled mailbox waits for the Retry-After of the sub-response');
});

t.test('batch: throttled past the retry budget is a throttled error', async (t) => {
  const srv = await batchServer((r) => (r.url.includes('ev1?') ? { status: 503, headers: { 'Retry-After': '2' }, body: graphError('ServiceNotAvailable', 'busy') } : { status: 200, body: { id: idOf(r.url) } }));
  const err = await batch(transport(srv.url, srv.clock, { retry: defaultRetryPolicy({ maxAttempts: 3, random: () => 0 }) }), bearer(), items(4)).catch((e: unknown) => e);
  t.match(err, { category: 'throttled', code: 'EWSDAV_ERR_UPSTREAM_THROTTLED', retryAfterMs: 2000, details: { status: 503, operation: 'graph.event' } });
  t.equal(srv.requests.length, 3, 'bounded');
  t.strictSame(srv.requests.slice(1).map((r) => subRequests(r.body).length), [1, 1]);
  const noTime = await batchServer(() => ({ status: 429, body: graphError('TooManyRequests', 'x') }));
  t.match(await batch(transport(noTime.url, noTime.clock), bearer(), items(2)).catch((e: unknown) => e), { category: 'throttled', retryAfterMs: 30_000 }, 'a pause even without Retry-After');
});

t.test('batch: a transient sub-response backs off and is retried; a 400 is the item\'s', async (t) => {
  const srv = await batchServer((r, n) => (n === 1 && r.url.includes('ev0?') ? { status: 500, body: graphError('InternalServerError', 'x') }
    : r.url.includes('ev2?') ? { status: 400, body: graphError('BadRequest', 'nope') } : { status: 200, body: { id: idOf(r.url) } }));
  const tr = transport(srv.url, srv.clock, { retry: defaultRetryPolicy({ random: () => 0 }) });
  const out = await batch(tr, bearer(), items(3));
  t.match(out, [{ ok: true, value: { id: 'ev0' } }, { ok: true }, { ok: false, error: { category: 'permanent', details: { status: 400 } } }]);
  t.equal(srv.requests.length, 2);
  t.equal(tr.waits.length, 1, 'one back-off');
});

t.test('batch: a 401 inside is the token\'s problem (refresh once, then a diagnosis)', async (t) => {
  const srv = await batchServer((r, n) => (n === 1 && r.url.includes('ev1?') ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm=""' }, body: graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.') } : { status: 200, body: { id: idOf(r.url) } }));
  const seen: string[][] = [];
  const auth = bearer(async (_ctx, info) => (seen.push([...info.offeredSchemes]), 'retry'));
  const out = await batch(transport(srv.url, srv.clock), auth, items(3));
  t.ok(out.every((r) => r.ok));
  t.strictSame(seen, [['Bearer']], 'the provider was asked once');
  t.strictSame(auth.contexts.map((c) => c.attempt), [1, 2]);
  t.equal(srv.requests[1]!.headers.authorization, `Bearer ${TOKEN}-2`, 'the batch again with the renewed token');

  const always = await batchServer(() => ({ status: 401, body: graphError('InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.') }));
  const err = await batch(transport(always.url, always.clock), bearer(async () => 'retry'), items(2)).catch((e: unknown) => e);
  t.match(err, { category: 'auth', code: 'EWSDAV_ERR_UPSTREAM_AUTH', details: { status: 401, upstreamCode: 'InvalidAuthenticationToken', hint: /another resource/ } });
  t.equal(always.requests.length, 2);
});

t.test('batch: holds the mailbox\'s 4 slots; one batch at a time per mailbox', async (t) => {
  let inFlight = 0;
  let max = 0;
  const order: string[] = [];
  const srv = await serve(async (req, res, _n, body) => {
    // A batch counts as the 4 sub-requests Graph runs of it at once.
    const weight = req.url!.endsWith('/$batch') ? Math.min(4, subRequests(body).length) : 1;
    inFlight += weight;
    max = Math.max(max, inFlight);
    order.push(req.url!.endsWith('/$batch') ? 'batch' : 'get');
    await new Promise((r) => setTimeout(r, 15));
    inFlight -= weight;
    if (!req.url!.endsWith('/$batch')) return json(res, 200, { value: [] });
    json(res, 200, { responses: subRequests(body).map((s) => ({ id: s.id, status: 200, body: { id: idOf(s.url) } })) });
  });
  const tr = transport(srv.url, srv.clock);
  const auth = bearer();
  const [a, b] = await Promise.all([batch(tr, auth, items(30)), batch(tr, auth, items(10)), get(tr, auth), get(tr, auth), get(tr, auth)]);
  t.equal(max, 4, 'never more than 4 (batch sub-requests counted) in flight for the mailbox');
  t.equal(order.filter((o) => o === 'batch').length, 2, 'concurrent callers share batches: 40 items, 2 batches');
  t.strictSame(a.map((r) => (r.ok ? r.value.id : '')), items(30).map((_, i) => `ev${i}`), 'each caller gets its own results in order');
  t.strictSame(b.map((r) => (r.ok ? r.value.id : '')), items(10).map((_, i) => `ev${i}`));
});

t.test('batch: callers share batches per mailbox, token and signal only', async (t) => {
  const srv = await batchServer((r) => ({ status: 200, body: { id: idOf(r.url) } }));
  const tr = transport(srv.url, srv.clock);
  const auth = bearer();
  const other = bearer();
  const controller = new AbortController();
  await Promise.all([
    batch(tr, auth, items(5)), batch(tr, auth, items(5)), batch(tr, auth, items(5), 'lee@contoso.com'), batch(tr, other, items(5)),
    tr.batch({ auth, mailbox: 'mara@contoso.com', items: items(5), signal: controller.signal }),
  ]);
  t.equal(srv.requests.length, 4, 'the two plain calls for mara share one batch; lee, the other token and the other signal have their own');
  t.strictSame(srv.requests.map((r) => subRequests(r.body).length).sort(), [10, 5, 5, 5].sort());
  controller.abort(new Error('stop'));
  const aborted = await tr.batch({ auth, mailbox: 'mara@contoso.com', items: items(2), signal: controller.signal }).catch((e: unknown) => e);
  t.match(aborted, { message: 'stop' }, 'an aborted caller gets its reason');
});
