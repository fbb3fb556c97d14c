// /metrics of the assembled bridge in front of the EWS simulator: scraped over HTTP, read with a
// strict Prometheus text parser, and each counter checked to move by exactly what the test did —
// CalDAV requests, sync passes, EWS calls (cross-checked against the simulator's own counters),
// throttling (retried inside a call, and long enough to pause the mailbox) and failed logins.

import t from 'tap';
import { DEMO_USER, startSimulator } from '../../src/simulator/index.js';
import { allSamples, parsePrometheusText, sum, type Family } from './prom-text.js';
import { basic, PROPFIND_ETAGS, startBridge, SYNC_COLLECTION, until } from './support.js';

const METRICS_TOKEN = 'metrics-token-for-tests';
const sim = await startSimulator({ demo: true });
t.teardown(() => sim.close());
const { bridge, origin, close } = await startBridge(sim.ewsUrl, {
  login: { mode: 'passthrough', rateLimit: { maxFailures: 3, windowSeconds: 600 } },
  server: { host: '127.0.0.1', port: 0, metrics: { token: METRICS_TOKEN } },
});
t.teardown(close);
const USER = DEMO_USER.smtp;
const auth = basic(USER, DEMO_USER.password);

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parsePrometheusText(await res.text());
}

/** Counter deltas between two scrapes, summed over the samples matching `labels`. */
const delta = (before: Map<string, Family>, after: Map<string, Family>, name: string, labels: Record<string, string> = {}): number =>
  sum(after, name, labels) - sum(before, name, labels);

const HTTP = 'ewsdav_http_request_duration_seconds_count';
const EWS = 'ewsdav_upstream_call_duration_seconds_count';

t.test('the parser is strict', async (t) => {
  const ok = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 2\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n';
  t.equal(sum(parsePrometheusText(ok), 'h_count'), 2);
  const bad: Record<string, string> = {
    'no final newline': 'x 1',
    'bad label quoting': 'x{a=1} 1\n',
    'duplicate series': 'x{a="1"} 1\nx{a="1"} 2\n',
    'TYPE after samples': 'x 1\n# TYPE x gauge\n',
    'interleaved families': '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{c="d"} 2\n',
    'negative counter': '# TYPE c_total counter\nc_total -1\n',
    '+Inf bucket differs from _count': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
    'buckets not cumulative': '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
    'histogram without _sum': '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n',
    'not a number': 'x one\n',
  };
  for (const [why, text] of Object.entries(bad)) t.throws(() => parsePrometheusText(text), why);
});

t.test('/metrics needs the token and speaks the text format', async (t) => {
  t.equal((await fetch(`${origin}/metrics`)).status, 401);
  t.equal((await fetch(`${origin}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const res = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  t.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusText(await res.text());
  for (const name of ['ewsdav_http_request_duration_seconds', 'ewsdav_upstream_call_duration_seconds', 'ewsdav_upstream_retries_total', 'ewsdav_upstream_throttled_total', 'ewsdav_sync_runs_total', 'ewsdav_sync_pauses_total', 'ewsdav_sync_lag_seconds', 'ewsdav_sync_accounts', 'ewsdav_login_failures_total']) {
    t.ok(families.get(name)?.help, `${name} is declared with HELP and TYPE`);
  }
});

let calendars: string[] = [];

t.test('login, CalDAV requests and a full sync move the counters by what happened', async (t) => {
  const m0 = await scrape();
  const sim0 = sim.control.counters();
  const first = await fetch(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: auth, depth: '0' } });
  t.equal(first.status, 207);
  await until(() => bridge.engine.status().some((a) => a.user === USER), 'the account to be added');
  const report = await bridge.engine.syncNow(USER);
  calendars = report.calendars.map((c) => c.calendarId);
  t.ok(calendars.length >= 2, `the demo mailbox has several calendars (${calendars.length})`);
  t.ok(report.calendars.every((c) => c.outcome === 'ok'), 'every pass succeeded');

  const home = await fetch(`${origin}/dav/calendars/${encodeURIComponent(USER)}/`, { method: 'PROPFIND', headers: { authorization: auth, depth: '1', 'content-type': 'application/xml' }, body: PROPFIND_ETAGS });
  t.equal(home.status, 207);
  await home.text();
  for (const id of calendars) {
    const res = await fetch(`${origin}/dav/calendars/${encodeURIComponent(USER)}/${id}/`, { method: 'REPORT', headers: { authorization: auth, depth: '0', 'content-type': 'application/xml' }, body: SYNC_COLLECTION() });
    t.equal(res.status, 207);
    await res.text();
  }
  const m1 = await scrape();

  t.equal(delta(m0, m1, HTTP, { method: 'PROPFIND', status: '207' }), 2, 'two PROPFINDs');
  t.equal(delta(m0, m1, HTTP, { route: '/dav/*', method: 'REPORT', status: '207' }), calendars.length, 'one REPORT per calendar, labelled by route pattern');
  t.equal(delta(m0, m1, HTTP, { route: '/metrics' }), 1, 'the first scrape is counted by the second');

  // Every EWS request the simulator saw is one observed attempt, under the same operation name.
  const sim1 = sim.control.counters();
  const ops = Object.keys(sim1.byOperation);
  t.ok(ops.includes('SyncFolderItems') && ops.includes('GetFolder'), `operations seen: ${ops.join(', ')}`);
  for (const op of ops) {
    t.equal(delta(m0, m1, EWS, { operation: op }), (sim1.byOperation[op] ?? 0) - (sim0.byOperation[op] ?? 0), `${op}: metrics agree with the simulator`);
  }
  t.equal(delta(m0, m1, EWS), sim1.requests - sim0.requests, 'no attempt unaccounted for');
  t.equal(delta(m0, m1, EWS, { result: 'ok' }), sim1.requests - sim0.requests, 'all of them ok');
  t.ok(sum(m1, 'ewsdav_upstream_call_duration_seconds_sum') > 0, 'durations are recorded');

  // The first pass-through login waits for the first sync (so a wizard sees calendars), and the
  // test's syncNow makes a second: two ok passes per calendar.
  t.equal(delta(m0, m1, 'ewsdav_sync_runs_total', { result: 'ok' }), 2 * calendars.length, 'one ok pass per calendar per sync');
  t.equal(sum(m1, 'ewsdav_sync_accounts', { state: 'ok' }), 1);
  const lags = m1.get('ewsdav_sync_lag_seconds')!.samples;
  t.same(lags.map((s) => s.labels.calendar).sort(), [...calendars].sort(), 'one lag series per calendar, labelled with the calendar id');
  t.ok(lags.every((s) => s.value >= 0 && s.value < 3600), 'lag is the age of the last complete sync');
});

t.test('a short throttle is retried inside the call; a long one pauses the mailbox once', async (t) => {
  const [cal, other] = calendars as [string, string];
  const m0 = await scrape();
  sim.control.injectFault({ kind: 'serverBusy', operation: 'SyncFolderItems', backOffMs: 20, count: 1 });
  const retried = await bridge.engine.syncNow(USER, cal);
  t.equal(retried.calendars[0]?.outcome, 'ok', 'ErrorServerBusy with a short BackOffMilliseconds: waited and retried');
  const m1 = await scrape();
  t.equal(delta(m0, m1, 'ewsdav_upstream_throttled_total', { operation: 'SyncFolderItems' }), 1);
  t.equal(delta(m0, m1, 'ewsdav_upstream_retries_total', { operation: 'SyncFolderItems', result: 'throttled' }), 1);
  t.equal(delta(m0, m1, EWS, { operation: 'SyncFolderItems', result: 'throttled' }), 1);
  t.equal(delta(m0, m1, 'ewsdav_sync_runs_total', { result: 'ok' }), 1);
  t.equal(delta(m0, m1, 'ewsdav_sync_pauses_total'), 0, 'no pause: the call succeeded');

  // Longer than the transport waits inside a call: the engine closes the mailbox's gate.
  const before = sim.control.counters().requests;
  sim.control.injectFault({ kind: 'serverBusy', operation: 'SyncFolderItems', backOffMs: 600_000, count: 1 });
  const throttled = await bridge.engine.syncNow(USER, cal);
  t.equal(throttled.calendars[0]?.error?.category, 'throttled');
  const skipped = await bridge.engine.syncNow(USER, other);
  t.equal(skipped.calendars[0]?.skipped, 'throttled', 'the other calendar waits for the gate');
  await bridge.engine.syncNow(USER, cal);
  t.equal(sim.control.counters().requests - before, 1, 'one request, then silence until BackOffMilliseconds has passed');
  const m2 = await scrape();
  t.equal(delta(m1, m2, 'ewsdav_upstream_throttled_total', { operation: 'SyncFolderItems' }), 1);
  t.equal(delta(m1, m2, 'ewsdav_upstream_retries_total'), 0, 'a ten-minute wait is not done inside a call');
  t.equal(delta(m1, m2, 'ewsdav_sync_runs_total', { result: 'throttled' }), 1);
  t.equal(delta(m1, m2, 'ewsdav_sync_runs_total', { result: 'skipped' }), 2);
  t.equal(delta(m1, m2, 'ewsdav_sync_pauses_total', { reason: 'throttled' }), 1, 'one pause, however many passes it stops');
  t.equal(sum(m2, 'ewsdav_sync_accounts', { state: 'throttled' }), 1);
  t.equal(sum(m2, 'ewsdav_sync_accounts', { state: 'ok' }), 0);
});

t.test('failed logins are counted by reason', async (t) => {
  const m0 = await scrape();
  const sim0 = sim.control.counters().requests;
  const propfind = (authorization: string) => fetch(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization, depth: '0' } });
  t.equal((await propfind(basic(USER, 'wrong-1'))).status, 401);
  t.equal((await propfind(basic(USER, 'wrong-2'))).status, 401);
  t.equal((await propfind(basic('nobody@example.com', ''))).status, 401);
  t.equal((await propfind(basic(USER, 'wrong-3'))).status, 429, 'the fourth failure from this address is limited');
  t.equal((await fetch(`${origin}/dav/`, { method: 'PROPFIND' })).status, 401, 'no credentials: a challenge, not a failure');
  const m1 = await scrape();
  t.equal(delta(m0, m1, 'ewsdav_login_failures_total', { reason: 'upstream-rejected' }), 2);
  t.equal(delta(m0, m1, 'ewsdav_login_failures_total', { reason: 'unknown-user' }), 1);
  t.equal(delta(m0, m1, 'ewsdav_login_failures_total', { reason: 'rate-limited' }), 1);
  t.equal(delta(m0, m1, 'ewsdav_login_failures_total'), 4);
  t.equal(delta(m0, m1, EWS, { operation: 'GetFolder', result: 'auth' }), 2, 'each wrong password cost one verification, no retry');
  t.equal(sim.control.counters().requests - sim0, 2);
  t.equal(delta(m0, m1, HTTP, { method: 'PROPFIND', status: '401' }), 4);
  t.equal(delta(m0, m1, HTTP, { method: 'PROPFIND', status: '429' }), 1);
});

t.test('labels stay bounded: no user, mailbox, token or path in any label', async (t) => {
  const families = await scrape();
  for (const s of allSamples(families)) {
    for (const [name, value] of Object.entries(s.labels)) {
      if (/@|example\.com|demo%40|wrong-|Bearer|feeds\//.test(value)) t.fail(`${s.name}{${name}="${value}"} carries an identifier`);
    }
  }
  const routes = new Set(allSamples(families).filter((s) => s.name === HTTP).map((s) => s.labels.route));
  t.same([...routes].sort(), ['/dav/*', '/metrics'], `routes are patterns: ${[...routes].join(', ')}`);
});
