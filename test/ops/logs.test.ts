// Nothing secret reaches a log (DESIGN.md), and no response shows a stack trace or an internal
// path. A full run at level trace — discovery, sync, feeds, failed logins, an upstream 401, a
// broken store, a config error — with known secrets in every place one can sit: Exchange
// passwords (pass-through and accounts), client passwords, feed tokens (stored and configured),
// Authorization headers and the metrics token. Every log line, CLI output and response body is
// kept and searched for each secret and for the base64 forms Basic headers carry.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLogger } from '../../src/log.js';
import { StoredFeedTokens } from '../../src/feed/stored-tokens.js';
import { generateItems, startSimulator } from '../../src/simulator/index.js';
import { basic, PROPFIND_ETAGS, startBridge, SYNC_COLLECTION, until } from './support.js';

const PT_USER = 'pt.user@contoso.test';
const ACC_USER = 'acc.user@contoso.test';
const BAD_USER = 'bad.user@contoso.test';
const SECRET = {
  ptPassword: 'Pt-Exchange-Pass-8c1d5e',
  accPassword: 'Acc-Exchange-Pass-41b9f2',
  accClientPassword: 'Acc-Client-Pass-e07a33',
  badRealPassword: 'Bad-Real-Pass-77aa01',
  badConfiguredPassword: 'Bad-Stale-Pass-5d6e2a',
  badClientPassword: 'Bad-Client-Pass-0b0c0d',
  wrongPtPassword: 'Wrong-Pt-Pass-9a8b7c',
  wrongClientPassword: 'Wrong-Client-Pass-c4d5e6',
  metricsToken: 'Metrics-Token-3f2e1d0c',
  configuredFeedToken: 'Cfg-Feed-Token-2b7e151628aed2a6abf71588',
  bearer: 'Bearer-Blob-6bc1bee22e409f96',
  envSecret: 'Env-Secret-Value-ae2d8a57',
  fileSecret: 'File-Secret-Value-1e03ac9c',
} as const;

const lines: string[] = [];
const logger = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } });
/** Every response body the test received, with what was asked, for the stack-trace check. */
const bodies: { what: string; status: number; body: string }[] = [];
const extraOutput: string[] = [];
const secrets: string[] = [...Object.values(SECRET)];

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const body = await res.text();
  bodies.push({ what: `${init.method ?? 'GET'} ${url}`, status: res.status, body });
  return { status: res.status, body, headers: res.headers };
}

const sim = await startSimulator({
  demo: false,
  mailboxes: {
    mailboxes: [
      { smtp: PT_USER, password: SECRET.ptPassword, displayName: 'Pt', timeZone: 'W. Europe Standard Time', items: generateItems(30, { seed: 3 }) },
      { smtp: ACC_USER, password: SECRET.accPassword, displayName: 'Acc', timeZone: 'W. Europe Standard Time', items: generateItems(30, { seed: 4 }) },
      { smtp: BAD_USER, password: SECRET.badRealPassword, displayName: 'Bad', timeZone: 'W. Europe Standard Time', items: [] },
    ],
  },
});
t.teardown(() => sim.close());

t.test('pass-through bridge: discovery, sync, feeds, metrics, failed logins', async (t) => {
  const { bridge, origin, close } = await startBridge(sim.ewsUrl, {
    login: { mode: 'passthrough', rateLimit: { maxFailures: 50, windowSeconds: 60 } },
    server: { host: '127.0.0.1', port: 0, metrics: { token: SECRET.metricsToken } },
    logging: { level: 'trace' },
  }, { logger });
  t.teardown(close);
  const auth = basic(PT_USER, SECRET.ptPassword);
  const home = `${origin}/dav/calendars/${encodeURIComponent(PT_USER)}/`;

  t.equal((await request(`${origin}/.well-known/caldav`, { method: 'PROPFIND', headers: { authorization: auth } })).status, 301);
  t.equal((await request(`${origin}/`, { method: 'PROPFIND', headers: { authorization: auth, depth: '0' } })).status, 207);
  await until(() => bridge.engine.status().some((a) => a.user === PT_USER), 'the pass-through account');
  const report = await bridge.engine.syncNow(PT_USER);
  t.ok(report.calendars.length > 0 && report.calendars.every((c) => c.outcome === 'ok'), 'synced');
  const listing = await request(home, { method: 'PROPFIND', headers: { authorization: auth, depth: '1', 'content-type': 'application/xml' }, body: PROPFIND_ETAGS });
  t.equal(listing.status, 207);
  const calendarId = report.calendars[0]!.calendarId;
  const cal = `${home}${calendarId}/`;
  const sync = await request(cal, { method: 'REPORT', headers: { authorization: auth, depth: '0', 'content-type': 'application/xml' }, body: SYNC_COLLECTION() });
  t.equal(sync.status, 207);
  const href = /<(?:\w+:)?href>([^<]+\.ics)<\/(?:\w+:)?href>/.exec(sync.body)?.[1];
  t.ok(href, 'an object href');
  t.equal((await request(`${origin}${href}`, { headers: { authorization: auth } })).status, 200);
  t.equal((await request(`${origin}/ics/${encodeURIComponent(PT_USER)}/${calendarId}.ics`, { headers: { authorization: auth } })).status, 200);

  // A feed token issued through the store API, fetched by its secret URL.
  const { token } = await new StoredFeedTokens(bridge.store.feedTokens).create({ user: PT_USER, calendarId, policy: { detail: 'full', privateItems: 'busy' } });
  secrets.push(token);
  const feed = await request(`${origin}/feeds/${token}.ics`);
  t.equal(feed.status, 200);
  t.equal((await request(`${origin}/feeds/${token}.ics`, { headers: { 'if-none-match': feed.headers.get('etag') ?? '' } })).status, 304);
  t.equal((await request(`${origin}/feeds/${token}.ics?token=${token}`)).status, 200, 'a token in the query is redacted too');
  t.equal((await request(`${origin}/feeds/${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}.ics`)).status, 404);

  // Failed logins: a wrong Exchange password (an upstream 401), other schemes, a blob in Bearer.
  t.equal((await request(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(PT_USER, SECRET.wrongPtPassword), depth: '0' } })).status, 401);
  t.equal((await request(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: `Bearer ${SECRET.bearer}` } })).status, 401);
  t.equal((await request(`${origin}/ics/${encodeURIComponent(PT_USER)}/${calendarId}.ics`, { headers: { authorization: basic(PT_USER, SECRET.wrongPtPassword) } })).status, 401);
  t.equal((await request(`${origin}/metrics`, { headers: { authorization: `Bearer ${SECRET.bearer}` } })).status, 401);
  t.equal((await request(`${origin}/metrics`, { headers: { authorization: `Bearer ${SECRET.metricsToken}` } })).status, 200);

  // Requests that fail in the DAV layer or the router: each answer must be plain.
  const xml = { authorization: auth, 'content-type': 'application/xml' };
  const failing: [string, RequestInit, number][] = [
    [cal, { method: 'REPORT', headers: { ...xml, depth: '0' }, body: '<d:sync-collection xmlns:d="DAV:"><d:sync-token>' }, 400],
    [cal, { method: 'REPORT', headers: { ...xml, depth: '0' }, body: SYNC_COLLECTION('http://example.invalid/sync/bogus') }, 403],
    [cal, { method: 'PROPFIND', headers: { ...xml, depth: '0' }, body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop>&e;</d:prop></d:propfind>' }, 400],
    [cal, { method: 'PROPFIND', headers: { ...xml, depth: '0' }, body: 'x'.repeat(2 * 1024 * 1024) }, 413],
    [cal, { method: 'PROPFIND', headers: { ...xml, depth: 'sideways' } }, 400],
    [`${origin}/dav/calendars/${encodeURIComponent(ACC_USER)}/`, { method: 'PROPFIND', headers: { ...xml, depth: '0' } }, 403],
    [`${origin}/dav/calendars/${encodeURIComponent(PT_USER)}/nope/x.ics`, { headers: { authorization: auth } }, 404],
    [`${origin}/nowhere/at/all`, {}, 404],
    [`${origin}/feeds/short.ics`, {}, 404],
  ];
  for (const [url, init, status] of failing) t.equal((await request(url, init)).status, status, `${init.method ?? 'GET'} ${url.slice(origin.length, origin.length + 60)}`);
});

t.test('accounts bridge: configured secrets, an upstream 401 during sync, readiness, a broken store', async (t) => {
  const env = { EWSDAV_TEST_ACC_PASSWORD: SECRET.accPassword };
  const secretFile = join(mkdtempSync(join(tmpdir(), 'ewsdav-secret-')), 'client-password');
  writeFileSync(secretFile, `${SECRET.accClientPassword}\n`);
  const { bridge, origin, close } = await startBridge(sim.ewsUrl, {
    login: { mode: 'accounts', rateLimit: { maxFailures: 50, windowSeconds: 60 } },
    accounts: [
      { id: 'acc', username: ACC_USER, password: { env: 'EWSDAV_TEST_ACC_PASSWORD' }, clientPassword: { file: secretFile } },
      { id: 'bad', username: BAD_USER, password: SECRET.badConfiguredPassword, clientPassword: SECRET.badClientPassword },
    ],
    feeds: [{ name: 'cfg', user: ACC_USER, calendar: 'Calendar', token: SECRET.configuredFeedToken }],
    logging: { level: 'trace' },
  }, { logger, env });
  t.teardown(close);
  t.equal((await bridge.engine.syncNow(ACC_USER)).calendars.every((c) => c.outcome === 'ok'), true);
  const bad = await bridge.engine.syncNow(BAD_USER);
  t.equal(bad.list, undefined, 'Exchange refused the configured password (HTTP 401)');
  t.equal(bridge.engine.status().find((a) => a.user === BAD_USER)?.state, 'needs-credentials');
  const ready = await request(`${origin}/readyz`);
  t.equal(ready.status, 503, 'not ready while an account needs credentials');
  t.match(JSON.parse(ready.body), { ready: false, accounts: [{ user: ACC_USER, ready: true }, { user: BAD_USER, state: 'needs-credentials', errorCategory: 'auth' }] });

  const auth = basic(ACC_USER, SECRET.accClientPassword);
  t.equal((await request(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: auth, depth: '0' } })).status, 207);
  t.equal((await request(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(ACC_USER, SECRET.wrongClientPassword), depth: '0' } })).status, 401);
  t.equal((await request(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(ACC_USER, SECRET.accPassword), depth: '0' } })).status, 401, 'the Exchange password is not a client password');
  t.equal((await request(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(BAD_USER, SECRET.badClientPassword), depth: '0' } })).status, 207);
  t.equal((await request(`${origin}/feeds/${SECRET.configuredFeedToken}.ics`)).status, 200, 'the configured feed');

  // The store fails under a request: a 500 that says nothing about why.
  bridge.store.close();
  const broken = await request(`${origin}/dav/calendars/${encodeURIComponent(ACC_USER)}/`, { method: 'PROPFIND', headers: { authorization: auth, depth: '1' } });
  t.equal(broken.status, 500);
  t.equal((await request(`${origin}/feeds/${SECRET.configuredFeedToken}.ics`)).status, 500);
  t.equal((await request(`${origin}/readyz`)).status, 503);
  t.ok(lines.some((l) => /"level":50/.test(l) && /database connection is not open/.test(l)), 'the cause is in the log');
});

t.test('config errors name keys, never secret values', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-badcfg-'));
  const file = join(dir, 'config.json');
  writeFileSync(join(dir, 'token'), SECRET.fileSecret);
  writeFileSync(file, JSON.stringify({
    exchange: { url: sim.ewsUrl, auth: 'basic' },
    login: { mode: 'accounts' },
    server: { metrics: { token: { value: SECRET.metricsToken }, tokn: SECRET.metricsToken } },
    accounts: [{ id: 'a', username: ACC_USER, passwrod: SECRET.accPassword, password: { evn: SECRET.envSecret }, clientPassword: { file: 'token', extra: SECRET.fileSecret } }],
    feeds: [{ name: 'f', user: ACC_USER, calendar: 'Calendar', token: SECRET.configuredFeedToken.slice(0, 10) }],
  }));
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', file], { encoding: 'utf8', timeout: 60_000 });
  t.equal(bad.status, 1, 'serve refuses to start');
  t.match(bad.stderr, /Invalid configuration/);
  t.match(bad.stderr, /accounts\[0\]\.passwrod: unknown key/);
  extraOutput.push(bad.stdout, bad.stderr);

  // Valid shape, but a referenced secret is missing at start: the message names the variable.
  writeFileSync(file, JSON.stringify({
    exchange: { url: sim.ewsUrl, auth: 'basic' },
    login: { mode: 'accounts' },
    store: { dataDir: join(dir, 'data') },
    accounts: [{ id: 'a', username: ACC_USER, password: SECRET.accPassword, clientPassword: { env: 'EWSDAV_TEST_UNSET_SECRET' } }],
  }));
  const missing = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', file], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, EWSDAV_TEST_UNSET_SECRET: '' } });
  t.equal(missing.status, 1);
  t.match(missing.stderr, /EWSDAV_TEST_UNSET_SECRET/);
  extraOutput.push(missing.stdout, missing.stderr);
});

t.test('no secret in any log line or output, in clear or in base64', async (t) => {
  const everything = [...lines, ...extraOutput].join('\n');
  t.ok(lines.length > 50, `a real run was logged (${lines.length} lines)`);
  for (const what of ['incoming request', 'request completed', 'ews call', 'sync failed']) {
    t.ok(lines.some((l) => l.includes(what)), `logged: ${what}`);
  }
  t.ok(lines.some((l) => l.includes('/feeds/[redacted]')), 'feed URLs are logged with the token redacted');
  const users = [PT_USER, ACC_USER, BAD_USER];
  const forms = secrets.flatMap((s) => [s, Buffer.from(s).toString('base64'), ...users.map((u) => Buffer.from(`${u}:${s}`).toString('base64'))]);
  for (const form of forms) {
    if (everything.includes(form)) t.fail(`secret form found: ${form}`, { line: [...lines, ...extraOutput].find((l) => l.includes(form)) });
  }
  t.pass(`${forms.length} secret forms searched in ${everything.length} characters`);
});

t.test('no response body carries a stack trace or an internal path', async (t) => {
  t.ok(bodies.length > 30, `${bodies.length} responses`);
  t.ok(bodies.some((b) => b.status >= 500), 'server errors included');
  for (const { what, status, body } of bodies) {
    if (/\n\s+at .+[(:]\d+|\bat async\b|\/work\/|\.ts:\d|node_modules|\/src\/|Error: .*\n\s+at/.test(body)) t.fail(`${status} ${what} leaks internals`, { body: body.slice(0, 500) });
  }
  t.pass('checked');
});
