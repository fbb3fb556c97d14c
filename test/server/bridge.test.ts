// The assembled bridge in front of the EWS simulator, seen by a real CalDAV client (tsdav):
// pass-through login verified against Exchange once, 2,000 events served from the store with no
// EWS call for idle polls or a full multiget, per-user isolation, and login rate limiting.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DAVClient, type DAVCalendar } from 'tsdav';
import { validateConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { Bridge } from '../../src/server/bridge.js';
import { E2E_PASSWORD, E2E_USER, startMailbox } from '../support/store-e2e.js';

const sim = await startMailbox(2000);
t.teardown(() => sim.close());
const config = validateConfig({
  server: { host: '127.0.0.1', port: 0 },
  exchange: { url: sim.ewsUrl, auth: 'basic' },
  login: { mode: 'passthrough', rateLimit: { maxFailures: 3, windowSeconds: 600 } },
  // A long interval: only the syncs this test causes happen.
  sync: { intervalSeconds: 3600 },
  store: { dataDir: mkdtempSync(join(tmpdir(), 'ewsdav-bridge-')) },
});
const bridge = await Bridge.create({ config, baseDir: process.cwd(), logger: silentLogger() });
t.teardown(() => bridge.close());
const origin = (await bridge.listen('127.0.0.1', 0)).replace('localhost', '127.0.0.1');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

t.test('first login is verified against Exchange with one call, and answered once the calendars are known', async (t) => {
  sim.control.resetCounters();
  const res = await fetch(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(E2E_USER, E2E_PASSWORD), depth: '0' } });
  t.equal(res.status, 207);
  const log = sim.control.requestLog();
  t.equal(log[0]?.operation, 'GetFolder', 'one cheap call proves the password first');
  t.notOk(log.slice(1).some((e) => e.status === 401), 'no failed attempt');
  const calendars = await bridge.store.listCalendars(E2E_USER);
  t.ok(calendars.length >= 1, 'the first answer came after the calendar list: an add-account wizard sees calendars');
  await bridge.engine.syncNow(E2E_USER);
  t.equal((await bridge.store.listObjects(E2E_USER, calendars[0]!.id)).length > 1500, true, 'the 2,000 events are in the store');
});

t.test('tsdav: discovery, all objects, an idle sync-collection: zero EWS calls', async (t) => {
  await bridge.engine.syncNow(E2E_USER);
  sim.control.resetCounters();
  const client = new DAVClient({ serverUrl: `${origin}/`, credentials: { username: E2E_USER, password: E2E_PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  await client.login();
  const calendars = await client.fetchCalendars();
  const cal = calendars.find((c) => c.displayName === 'Calendar') as DAVCalendar;
  t.ok(cal, 'the default calendar is listed');
  const objects = await client.fetchCalendarObjects({ calendar: cal });
  t.ok(objects.length > 1500, `all objects fetched with a multiget (${objects.length})`);
  t.ok(objects.every((o) => o.data.startsWith('BEGIN:VCALENDAR')));
  const delta = await client.syncCollection({ url: cal.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: cal.syncToken as string });
  t.same(delta.filter((r) => r.href?.endsWith('.ics')), [], 'nothing changed since the token');
  t.equal(sim.control.counters().requests, 0, 'no request reached Exchange: the store answered everything');
});

t.test('a user sees only their own paths', async (t) => {
  const res = await fetch(`${origin}/dav/calendars/someone-else%40contoso.com/`, { method: 'PROPFIND', headers: { authorization: basic(E2E_USER, E2E_PASSWORD), depth: '0' } });
  t.equal(res.status, 403);
});

t.test('wrong passwords: 401 each, never a retry against Exchange, then 429 with Retry-After', async (t) => {
  sim.control.resetCounters();
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(E2E_USER, `wrong-${i}`), depth: '0' } });
    t.equal(res.status, 401);
    t.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  }
  t.equal(sim.control.counters().requests, 3, 'one verification per wrong password, no retries');
  const limited = await fetch(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(E2E_USER, 'wrong-again'), depth: '0' } });
  t.equal(limited.status, 429);
  t.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After says when');
  t.equal(sim.control.counters().requests, 3, 'a limited login never reaches Exchange (no lockout through the bridge)');
  const feed = await fetch(`${origin}/ics/${encodeURIComponent(E2E_USER)}/x.ics`, { headers: { authorization: basic(E2E_USER, 'wrong-again') } });
  t.equal(feed.status, 429, 'feeds share the limit');
});
