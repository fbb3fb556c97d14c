// The bridge in devicePasswords mode against the fake Entra authority (HTTPS, test CA) and the
// EWS simulator speaking Exchange Online's Bearer authentication: tsdav logs in with a device
// password; EWS sees only Bearer calls for https://outlook.office365.com with
// EWS.AccessAsUser.All; expired tokens → one refresh for twenty concurrent calls; a revoked grant
// stops only that account (needs re-link in /readyz, no further requests) while CalDAV serves
// the store; re-linking keeps ids, URLs, ETags and device passwords. Assertions use counters.

import t from 'tap';
import { DAVClient } from 'tsdav';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { startSimulator } from '../../src/simulator/server.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { generateItems } from '../../src/simulator/mailbox/generate.js';
import { Bridge } from '../../src/server/bridge.js';
import { EwsTransport } from '../../src/exchange/call.js';
import { EwsCalendarSource } from '../../src/exchange/source.js';
import { DevicePasswords } from '../../src/auth/clients/device-passwords.js';
import { SecretBox } from '../../src/auth/upstream/crypto-box.js';
import { EntraTestClient, SECRET_KEY, capturedLogger, folderBytes, oauthConfig, signInVia, tempDir, tokensIn } from './oauth-helpers.js';

const MARA = CONTOSO.users.mara;
const entra = await startEntra();
t.teardown(() => entra.close());
const browser = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(() => browser.close());
const bearer = bearerAuth({ trust: entra.trust });
const sim = await startSimulator({
  demo: false,
  secret: 'oauth-e2e',
  auth: { schemes: [bearer], offer: ['Bearer'] },
  mailboxes: {
    mailboxes: [{
      smtp: MARA.upn, displayName: 'Mara', timeZone: 'W. Europe Standard Time',
      folders: [{ key: 'team', displayName: 'Team', folderClass: 'IPF.Appointment', parent: 'calendar' }],
      items: generateItems(40, { seed: 3 }),
    }],
  },
});
t.teardown(() => sim.close());
const dataDir = tempDir('ewsdav-oauth-e2e-');
const logs = capturedLogger();
const bridge = await Bridge.create({ config: oauthConfig(entra, dataDir, { ewsUrl: sim.ewsUrl }), baseDir: dataDir, logger: logs.logger, authorityConnect: { ca: entra.caCertPem } });
t.teardown(() => bridge.close());
const origin = (await bridge.listen('127.0.0.1', 0)).replace('localhost', '127.0.0.1');
const oauth = bridge.oauth!;
const passwords = new DevicePasswords(bridge.store.devicePasswords);
const shown: string[] = [];
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const propfind = (password: string) => fetch(`${origin}/dav/calendars/${encodeURIComponent(MARA.upn)}/`, { method: 'PROPFIND', headers: { authorization: basic(MARA.upn, password), depth: '1' } });

async function link(): Promise<void> {
  const pending = await oauth.linker.startAuthCode({ user: MARA.upn, redirect: 'nativeclient' });
  await oauth.linker.completePaste(await signInVia(browser, pending.url, MARA));
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const cal of await bridge.store.listCalendars(MARA.upn)) {
    for (const o of await bridge.store.listObjects(MARA.upn, cal.id)) out[`${cal.id}/${o.name}`] = o.etag;
  }
  return out;
}

let phone = '';
t.test('link, then tsdav logs in with a device password and reads calendars over Bearer-only EWS', async (t) => {
  await link();
  await bridge.engine.syncNow(MARA.upn);
  const created = await passwords.create(MARA.upn, 'phone');
  phone = created.password;
  shown.push(phone);
  t.match(phone, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/, 'five groups of four');
  const client = new DAVClient({ serverUrl: `${origin}/`, credentials: { username: MARA.upn, password: phone }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  await client.login();
  const calendars = await client.fetchCalendars();
  t.same(calendars.map((c) => c.displayName).sort(), ['Calendar', 'Team']);
  const objects = (await Promise.all(calendars.map((c) => client.fetchCalendarObjects({ calendar: c })))).flat();
  t.ok(objects.length >= 30 && objects.every((o) => o.data.startsWith('BEGIN:VCALENDAR')), `events served (${objects.length})`);
  const seen = bearer.control.counters();
  t.ok(seen.ok > 0);
  t.same(seen.refused, {}, 'no refused token');
  t.same(seen.audiences, ['https://outlook.office365.com']);
  t.ok(seen.scopes.includes('EWS.AccessAsUser.All'));
  t.same(seen.upns, [MARA.upn]);
  t.ok(sim.control.requestLog().every((e) => e.authScheme === 'Bearer' && e.anchorMailbox === MARA.upn), 'only Bearer calls, X-AnchorMailbox on each');
  const row = bridge.store.devicePasswords.list(MARA.upn)[0]!;
  t.ok(row.lastUsed !== undefined, 'last use recorded');
});

t.test('expired access tokens: twenty concurrent calls cost one refresh', async (t) => {
  const transport = new EwsTransport({ url: sim.ewsUrl });
  t.teardown(() => transport.close());
  const source = new EwsCalendarSource({ transport, auth: oauth.deployment.provider(MARA.upn), mailbox: MARA.upn });
  await source.verify();
  entra.control.resetCounters();
  bearer.control.reset();
  entra.control.expireAllAccessTokens();
  const results = await Promise.all(Array.from({ length: 20 }, () => source.verify()));
  t.equal(results.length, 20, 'all twenty succeed');
  t.same(entra.control.counters().grants, { refresh_token: 1 }, 'exactly one token request');
  t.ok((bearer.control.counters().refused['2000001'] ?? 0) >= 1, 'EWS refused the expired token');
  t.equal(bearer.control.counters().ok, 20, 'each call retried once with the new token');
});

let before: Record<string, string> = {};
let calendarIds: string[] = [];
t.test('revoked grant: needs re-link in /readyz, no further requests, CalDAV keeps serving', async (t) => {
  before = await snapshot();
  calendarIds = (await bridge.store.listCalendars(MARA.upn)).map((c) => c.id);
  entra.control.revokeUser(MARA.upn);
  entra.control.expireAllAccessTokens();
  entra.control.resetCounters();
  await bridge.engine.syncNow(MARA.upn);
  t.equal(entra.control.counters().errors['invalid_grant:50173'], 1, 'one refresh attempt, refused');
  t.match(bridge.store.oauthGrants.get(MARA.upn), { state: 'needs-relink', reason: /AADSTS50173/ });
  const ready = (await (await fetch(`${origin}/readyz`)).json()) as { ready: boolean; accounts: { user: string; state: string; error?: string }[] };
  t.equal(ready.ready, false);
  t.match(ready.accounts.find((a) => a.user === MARA.upn), { state: 'needs-credentials', error: /re-link/i });
  const ews = sim.control.counters().requests;
  const authority = entra.control.counters().endpoints;
  await bridge.engine.syncNow(MARA.upn);
  t.equal(sim.control.counters().requests, ews, 'no EWS request after the stop');
  t.same(entra.control.counters().endpoints, authority, 'no token request after the stop');
  const res = await propfind(phone);
  t.equal(res.status, 207, 'CalDAV still serves the stored calendars');
});

t.test('re-link: same calendar ids, URLs and ETags; the old device password still works', async (t) => {
  await link();
  await bridge.engine.syncNow(MARA.upn);
  t.equal(bridge.store.oauthGrants.get(MARA.upn)?.state, 'linked');
  t.same((await bridge.store.listCalendars(MARA.upn)).map((c) => c.id), calendarIds);
  t.same(await snapshot(), before, 'every object keeps its name and ETag');
  t.equal((await propfind(phone)).status, 207, 'the old device password still works');
  const ready = (await (await fetch(`${origin}/readyz`)).json()) as { accounts: { user: string; state: string }[] };
  t.match(ready.accounts.find((a) => a.user === MARA.upn), { state: 'ok' });
});

t.test('EWS allow-list off: 403 is reported, not retried as an auth problem', async (t) => {
  bearer.control.setEwsAllowed(false);
  t.teardown(() => bearer.control.setEwsAllowed(true));
  entra.control.resetCounters();
  const report = await bridge.engine.syncNow(MARA.upn);
  t.match(JSON.stringify(report), /forbidden/);
  t.same(entra.control.counters().grants, {}, 'a 403 costs no token refresh');
  t.equal(bridge.store.oauthGrants.get(MARA.upn)?.state, 'linked');
});

t.test('device passwords: revocation on the next request, bad ones rate limited', async (t) => {
  const tablet = await passwords.create(MARA.upn, 'tablet');
  shown.push(tablet.password);
  t.equal((await propfind(tablet.password)).status, 207);
  t.equal((await propfind(tablet.password.toUpperCase().replace(/-/g, ' '))).status, 207, 'capitals and spaces as typed on a phone');
  t.ok(passwords.revoke(MARA.upn, 'tablet'));
  t.equal((await propfind(tablet.password)).status, 401, 'revoked: refused on the next request');
  const other = await fetch(`${origin}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('nobody@contoso.com', phone), depth: '0' } });
  t.equal(other.status, 401, 'a device password belongs to its user');
  t.equal((await propfind('aaaa-bbbb-cccc-dddd-eee2')).status, 401);
  const limited = await propfind(phone);
  t.equal(limited.status, 429, 'limited after three failures from this address, even with a good password');
  t.ok(Number(limited.headers.get('retry-after')) > 0);
});

t.test('nothing secret at rest or in the logs', async (t) => {
  const cache = new SecretBox(SECRET_KEY).open(bridge.store.oauthGrants.get(MARA.upn)!.cache, MARA.upn);
  const secrets = [...tokensIn(cache), ...shown, ...shown.map((p) => p.replace(/-/g, ''))];
  t.ok(secrets.length >= 5);
  const bytes = folderBytes(dataDir);
  const text = logs.text();
  t.ok(text.length > 0, 'logs were captured');
  for (const s of secrets) {
    t.notOk(bytes.includes(s), 'not in the data folder');
    t.notOk(text.includes(s), 'not in the logs');
  }
});
