// Switching a deployment from EWS to Microsoft Graph (Graph issue, "Done when"; docs/graph.md
// "What happens at the switch"): a bridge syncs an org mailbox over EWS (exchange.auth
// "oauth-app"), a CalDAV client (tsdav) takes its calendars, objects and sync tokens; the
// configuration is switched to "api": "graph" and the bridge restarted on the same data folder.
// The client must find the same calendar URLs, hrefs and ETags, and its old sync-collection token
// must still work: nothing reported after the switch, exactly the one changed event after an
// upstream change.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DAVClient, type DAVCalendar } from 'tsdav';
import { Bridge } from '../../src/server/bridge.js';
import { validateConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { generateItems, startSimulator } from '../../src/simulator/index.js';

const USER = 'ann@contoso.com';
const CLIENT_PASSWORD = 'ann-client-pass';
const entra = await startEntra();
t.teardown(() => entra.close());
const sim = await startSimulator({
  demo: false,
  secret: 'graph-migration',
  now: '2026-02-01T09:00:00Z',
  auth: { schemes: [bearerAuth({ trust: entra.trust })], offer: ['Bearer'] },
  graph: { trust: entra.trust },
  mailboxes: {
    mailboxes: [{
      smtp: USER, displayName: 'Ann', timeZone: 'W. Europe Standard Time',
      folders: [{ key: 'team', displayName: 'Team', parent: 'calendar' }],
      items: [
        ...generateItems(60, { seed: 5 }),
        ...generateItems(8, { seed: 6 }).map((i) => ({ ...i, key: `team-${i.key}`, folder: 'team' })),
        {
          key: 'standup', subject: 'Stand-up', start: '2026-01-05T09:00:00', end: '2026-01-05T09:15:00', timeZone: 'W. Europe Standard Time',
          recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday', 'Thursday'], firstDayOfWeek: 'Monday' }, range: { kind: 'NoEnd', startDate: '2026-01-05' } },
          exceptions: [{ originalStart: '2026-01-08T09:00:00', subject: 'Stand-up (long)', start: '2026-01-08T09:00:00', end: '2026-01-08T10:00:00' }],
          deletedOccurrences: ['2026-01-12T09:00:00'],
        },
      ],
    }],
  },
});
t.teardown(() => sim.close());
const dataDir = mkdtempSync(join(tmpdir(), 'ewsdav-graph-migration-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

function config(api: 'ews' | 'graph') {
  return validateConfig({
    server: { host: '127.0.0.1', port: 0 },
    exchange: api === 'ews' ? { url: sim.ewsUrl, auth: 'oauth-app' } : { auth: 'oauth-app', api: 'graph' },
    ...(api === 'graph' ? { graph: { url: sim.graphUrl } } : {}),
    oauth: { tenant: CONTOSO.tenantId, clientId: CONTOSO.webApp, clientSecret: CONTOSO.webAppSecret, authorityHost: entra.url },
    login: { mode: 'accounts' },
    accounts: [{ id: 'ann', username: USER, clientPassword: CLIENT_PASSWORD }],
    sync: { intervalSeconds: 3600 },
    store: { dataDir },
  });
}

async function start(api: 'ews' | 'graph') {
  const bridge = await Bridge.create({ config: config(api), baseDir: dataDir, logger: silentLogger(), authorityConnect: { ca: entra.caCertPem } });
  const origin = await bridge.listen('127.0.0.1', 0);
  await bridge.engine.syncNow(USER);
  const client = new DAVClient({ serverUrl: `${origin}/`, credentials: { username: USER, password: CLIENT_PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  await client.login();
  return { bridge, client };
}

interface Seen {
  calendars: Map<string, DAVCalendar>;
  etags: Map<string, string>;
}

async function look(client: DAVClient): Promise<Seen> {
  const calendars = new Map((await client.fetchCalendars()).map((c) => [new URL(c.url).pathname, c]));
  const etags = new Map<string, string>();
  for (const cal of calendars.values()) {
    for (const o of await client.fetchCalendarObjects({ calendar: cal })) etags.set(new URL(o.url).pathname, o.etag!);
  }
  return { calendars, etags };
}

/** sync-collection with a token from before the restart (the bridge listens on a new port: same path). */
async function changesSince(client: DAVClient, cal: DAVCalendar, token: string): Promise<string[]> {
  const url = new URL(new URL(cal.url).pathname, client.serverUrl).href;
  const res = await client.syncCollection({ url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
  return res.filter((r) => r.href?.endsWith('.ics')).map((r) => `${r.status === 404 ? 'deleted' : 'changed'} ${decodeURIComponent(r.href!)}`);
}

t.test('EWS, then Graph on the same data folder: same URLs, hrefs, ETags; old sync tokens keep working', async (t) => {
  const ews = await start('ews');
  const before = await look(ews.client);
  await ews.bridge.close();
  t.equal(before.calendars.size, 2, 'Calendar and Team');
  t.ok(before.etags.size >= 69, `${before.etags.size} objects over EWS`);
  t.ok(Object.keys(sim.control.counters().byOperation).some((op) => op === 'SyncFolderItems'), 'the first bridge read EWS');

  sim.control.resetCounters();
  const graph = await start('graph');
  t.teardown(() => graph.bridge.close());
  const ops = Object.keys(sim.control.counters().byOperation);
  t.ok(ops.length > 0 && ops.every((op) => op.startsWith('graph:')), `the restarted bridge reads Graph only (${ops.join(', ')})`);
  const after = await look(graph.client);
  t.strictSame([...after.calendars.keys()].sort(), [...before.calendars.keys()].sort(), 'same calendar URLs');
  t.strictSame([...after.etags.entries()].sort(), [...before.etags.entries()].sort(), 'same hrefs and ETags');

  for (const [path, cal] of before.calendars) {
    t.strictSame(await changesSince(graph.client, cal, cal.syncToken as string), [], `${path}: the old token reports nothing`);
  }

  const [calendarPath, calendar] = [...before.calendars].find(([, c]) => c.displayName === 'Calendar')!;
  sim.control.updateItem(USER, 'standup', { subject: 'Stand-up (new room)' });
  await graph.bridge.engine.syncNow(USER);
  const changed = await changesSince(graph.client, calendar, calendar.syncToken as string);
  t.equal(changed.length, 1, 'one change since the old token');
  t.ok(changed[0]?.startsWith(`changed ${decodeURIComponent(calendarPath)}`), `the edited series: ${changed[0]}`);
});
