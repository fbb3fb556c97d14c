// Re-link while the server runs: `ewsdav link` is a second process writing the same store, so
// the running bridge only sees the renewed grant row. Here a separate SqliteStore and Linker on
// the same data folder play the CLI; the bridge's LinkWatcher is driven by calling check() (or
// by a client login), never by waiting on its 30 s timer. Assertions use the fakes' counters.

import t, { type Test } from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { startSimulator } from '../../src/simulator/server.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { generateItems } from '../../src/simulator/mailbox/generate.js';
import { Bridge } from '../../src/server/bridge.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { createOAuthRuntime } from '../../src/auth/upstream/oauth-config.js';
import { DevicePasswords } from '../../src/auth/clients/device-passwords.js';
import { EntraTestClient, capturedLogger, oauthConfig, signInVia, tempDir } from './oauth-helpers.js';

const MARA = CONTOSO.users.mara;
const entra = await startEntra();
t.teardown(() => entra.close());
const browser = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(() => browser.close());
const bearer = bearerAuth({ trust: entra.trust });
const sim = await startSimulator({
  demo: false,
  secret: 'oauth-relink',
  auth: { schemes: [bearer], offer: ['Bearer'] },
  mailboxes: { mailboxes: [{ smtp: MARA.upn, displayName: 'Mara', timeZone: 'W. Europe Standard Time', folders: [], items: generateItems(10, { seed: 5 }) }] },
});
t.teardown(() => sim.close());
const dataDir = tempDir('ewsdav-oauth-relink-');
const config = oauthConfig(entra, dataDir, { ewsUrl: sim.ewsUrl });
const bridge = await Bridge.create({ config, baseDir: dataDir, logger: capturedLogger().logger, authorityConnect: { ca: entra.caCertPem } });
t.teardown(() => bridge.close());
const origin = (await bridge.listen('127.0.0.1', 0)).replace('localhost', '127.0.0.1');
const links = bridge.links!;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** What `ewsdav link` does: its own store handle and runtime on the bridge's data folder. */
async function linkFromCli(): Promise<void> {
  const store = new SqliteStore({ dataDir });
  const runtime = await createOAuthRuntime(config, { baseDir: dataDir, grants: store.oauthGrants, authorityConnect: { ca: entra.caCertPem } });
  try {
    const pending = await runtime.linker.startAuthCode({ user: MARA.upn, redirect: 'nativeclient' });
    await runtime.linker.completePaste(await signInVia(browser, pending.url, MARA));
  } finally {
    await runtime.close();
    store.close();
  }
}

const state = () => bridge.engine.status().find((a) => a.user === MARA.upn)?.state;

async function revoke(t: Test): Promise<void> {
  entra.control.revokeUser(MARA.upn);
  entra.control.expireAllAccessTokens();
  await bridge.engine.syncNow(MARA.upn);
  t.equal(bridge.store.oauthGrants.get(MARA.upn)?.state, 'needs-relink');
  t.equal(state(), 'needs-credentials', 'the account is stopped');
}

let phone = '';
t.test('a first link from the CLI is picked up by the periodic check', async (t) => {
  t.equal(bridge.store.oauthGrants.get(MARA.upn), undefined);
  await linkFromCli();
  t.same(await links.check(), [MARA.upn], 'the new grant starts syncing');
  t.same(await links.check(), [], 'nothing changed since: no restart');
  await bridge.engine.syncNow(MARA.upn);
  t.equal(state(), 'ok');
  t.ok((await bridge.store.listCalendars(MARA.upn)).length > 0, 'calendars synced');
  phone = (await new DevicePasswords(bridge.store.devicePasswords).create(MARA.upn, 'phone')).password;
});

t.test('revoke → needs re-link → CLI re-link → the running bridge resumes on its check', async (t) => {
  await revoke(t);
  t.same(await links.check(), [], 'a grant still needing a re-link is not retried');
  const ews = sim.control.counters().requests;
  await bridge.engine.syncNow(MARA.upn);
  t.equal(sim.control.counters().requests, ews, 'stopped: no EWS request');
  await linkFromCli();
  t.equal(state(), 'needs-credentials', 'not noticed before the check');
  t.same(await links.check(), [MARA.upn], 'the re-linked grant restarts sync');
  await bridge.engine.syncNow(MARA.upn);
  t.equal(state(), 'ok', 'syncing again without a restart of the bridge');
  t.ok(sim.control.counters().requests > ews, 'EWS called again with the new grant');
  const ready = (await (await fetch(`${origin}/readyz`)).json()) as { ready: boolean };
  t.equal(ready.ready, true);
  t.same(await links.check(), [], 'and only once');
});

t.test('a client login after a CLI re-link restarts sync at once', async (t) => {
  await revoke(t);
  await linkFromCli();
  const res = await fetch(`${origin}/dav/calendars/${encodeURIComponent(MARA.upn)}/`, { method: 'PROPFIND', headers: { authorization: basic(MARA.upn, phone), depth: '1' } });
  t.equal(res.status, 207);
  t.not(state(), 'needs-credentials', 'restarted by the login');
  t.same(await links.check(), [], 'the periodic check finds nothing left to do');
  await bridge.engine.syncNow(MARA.upn);
  t.equal(state(), 'ok');
});

t.test('a re-link from this process (account page path) is not restarted twice', async (t) => {
  await revoke(t);
  const pending = await bridge.oauth!.linker.startAuthCode({ user: MARA.upn, redirect: 'nativeclient' });
  await bridge.oauth!.linker.completePaste(await signInVia(browser, pending.url, MARA));
  t.not(state(), 'needs-credentials', 'onLinked restarted it');
  t.same(await links.check(), [], 'the watcher knows');
});
