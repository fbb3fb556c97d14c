// exchange.auth "oauth-app" (client credentials, org-wide) against the fake Entra authority over
// real HTTPS and the EWS simulator over real HTTP: one app token for every mailbox (authority
// counters), ExchangeImpersonation + X-AnchorMailbox per call (simulator request log), Exchange
// Online's refusal of an app token without impersonation, `ewsdav check` explaining an app
// without the role, and a mailbox outside the app's scope failing alone. Counters, never time.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { startSimulator } from '../../src/simulator/server.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { generateItems } from '../../src/simulator/mailbox/generate.js';
import { Bridge } from '../../src/server/bridge.js';
import { UpstreamFactory } from '../../src/server/upstream.js';
import type { AuthenticationResult } from '@azure/msal-node';
import { OAuthAppAuth, createOAuthAppAuth, appScope } from '../../src/auth/upstream/oauth-app.js';
import { DevicePasswords } from '../../src/auth/clients/device-passwords.js';
import { runCheck } from '../../src/cli/commands/check.js';
import { runDevicePassword } from '../../src/cli/commands/device-password.js';
import { validateConfig, type Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from './oauth-helpers.js';

const MAILBOXES = ['ann@contoso.com', 'ben@contoso.com', 'cy@contoso.com'] as const;
const entra = await startEntra();
t.teardown(() => entra.close());
const bearer = bearerAuth({ trust: entra.trust });
const sim = await startSimulator({
  demo: false,
  secret: 'oauth-app',
  auth: { schemes: [bearer], offer: ['Bearer'] },
  mailboxes: { mailboxes: MAILBOXES.map((smtp, i) => ({ smtp, displayName: smtp, items: generateItems(6, { seed: i + 1 }) })) },
});
t.teardown(() => sim.close());
const authorityConnect = { ca: entra.caCertPem };

function appConfig(dataDir: string, o: { clientId?: string; secret?: string; mode?: 'accounts' | 'devicePasswords' } = {}): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0 },
    exchange: { url: sim.ewsUrl, auth: 'oauth-app' },
    oauth: { tenant: CONTOSO.tenantId, clientId: o.clientId ?? CONTOSO.webApp, clientSecret: o.secret ?? CONTOSO.webAppSecret, authorityHost: entra.url },
    login: { mode: o.mode ?? 'accounts', rateLimit: { maxFailures: 3, windowSeconds: 600 } },
    accounts: MAILBOXES.map((username, i) => ({ id: `u${i}`, username, clientPassword: `client-pass-${i}` })),
    sync: { intervalSeconds: 3600 },
    store: { dataDir },
  };
}

const dataDir = tempDir('ewsdav-oauth-app-');
const config: Config = validateConfig(appConfig(dataDir));
const bridge = await Bridge.create({ config, baseDir: dataDir, logger: silentLogger(), authorityConnect });
t.teardown(() => bridge.close());

t.test('the scope follows the cloud of exchange.url', async (t) => {
  const ews = (ewsUrl: string) => appScope({ api: 'ews', ewsUrl });
  const graph = (graphUrl: string) => appScope({ api: 'graph', graphUrl });
  t.equal(ews(sim.ewsUrl), 'https://outlook.office365.com/.default', 'a test or unknown host keeps the global resource');
  t.equal(ews('https://outlook.office365.us/EWS/Exchange.asmx'), 'https://outlook.office365.us/.default');
  t.equal(ews('https://partner.outlook.cn/EWS/Exchange.asmx'), 'https://partner.outlook.cn/.default');
  t.equal(graph('https://graph.microsoft.com'), 'https://graph.microsoft.com/.default');
  t.equal(graph('https://graph.microsoft.us'), 'https://graph.microsoft.us/.default', 'national cloud: its own Graph host');
  t.equal(graph('https://microsoftgraph.chinacloudapi.cn'), 'https://microsoftgraph.chinacloudapi.cn/.default');
  t.equal(graph('http://127.0.0.1:8080'), 'https://graph.microsoft.com/.default', 'a simulator takes global tokens');
});

t.test('three mailboxes sync with one app token; every call impersonates its mailbox', async (t) => {
  entra.control.resetCounters();
  sim.control.resetCounters();
  bearer.control.reset();
  const reports = await Promise.all(MAILBOXES.map((m) => bridge.engine.syncNow(m)));
  t.equal(reports.length, 3);
  t.same(entra.control.counters().grants, { client_credentials: 1 }, 'one client_credentials request for all three mailboxes');
  for (const m of MAILBOXES) t.ok((await bridge.store.listCalendars(m)).length >= 1, `${m} has calendars`);
  t.ok(bridge.engine.status().every((s) => s.error === undefined), 'no account failed');

  const log = sim.control.requestLog().filter((e) => e.operation !== undefined);
  t.ok(log.length >= 6, `EWS calls made (${log.length})`);
  t.ok(log.every((e) => e.authScheme === 'Bearer' && e.status === 200), 'Bearer only, all accepted');
  t.ok(log.every((e) => e.impersonated !== undefined && e.impersonated === e.anchorMailbox && e.mailbox === e.impersonated), 'impersonation = X-AnchorMailbox = mailbox acted on');
  t.same(new Set(log.map((e) => e.impersonated)), new Set(MAILBOXES), 'each mailbox impersonated');
  const seen = bearer.control.counters();
  t.same(seen.apps, [CONTOSO.webApp], 'app-only tokens of the configured app');
  t.same(seen.upns, [], 'no user token');
  t.same(seen.refused, {});
});

t.test('twenty concurrent calls over three mailboxes cost one token request', async (t) => {
  const auth = await createOAuthAppAuth(config, { baseDir: dataDir, authorityConnect });
  const factory = new UpstreamFactory({ config, logger: silentLogger() });
  t.teardown(async () => { await factory.close(); await auth.close(); });
  entra.control.resetCounters();
  const sources = MAILBOXES.map((m) => factory.sourceWithAuth(m, auth));
  await Promise.all(Array.from({ length: 20 }, (_, i) => sources[i % 3]!.verify()));
  t.same(entra.control.counters().grants, { client_credentials: 1 });
  t.equal(auth.acquisitions, 1);
});

t.test('clients log in with the configured bridge credentials (accounts mode)', async (t) => {
  const origin = (await bridge.listen('127.0.0.1', 0)).replace('localhost', '127.0.0.1');
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const ok = await fetch(`${origin}/dav/calendars/${encodeURIComponent(MAILBOXES[1])}/`, { method: 'PROPFIND', headers: { authorization: basic(MAILBOXES[1], 'client-pass-1'), depth: '1' } });
  t.equal(ok.status, 207);
  const bad = await fetch(`${origin}/dav/calendars/${encodeURIComponent(MAILBOXES[1])}/`, { method: 'PROPFIND', headers: { authorization: basic(MAILBOXES[1], 'wrong'), depth: '1' } });
  t.equal(bad.status, 401);
});

t.test('an app token without ExchangeImpersonation gets Exchange Online\'s fault', async (t) => {
  const auth = await createOAuthAppAuth(config, { baseDir: dataDir, authorityConnect });
  t.teardown(() => auth.close());
  const { headers } = await auth.authorize({ url: new URL(sim.ewsUrl), mailbox: MAILBOXES[0], attempt: 1 });
  const body = '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">' +
    '<soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header><soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>' +
    '<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>';
  const res = await fetch(sim.ewsUrl, { method: 'POST', headers: { ...headers, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': MAILBOXES[0] }, body });
  const text = await res.text();
  t.equal(res.status, 500);
  t.match(text, /ErrorInvalidExchangeImpersonationHeaderData/);
  t.match(text, /ExchangeImpersonation SOAP header must be present for this type of OAuth token\./);
});

t.test('ewsdav check: token expiry, then per-account EWS checks; an app without the role is explained', async (t) => {
  const dir = tempDir('ewsdav-oauth-app-check-');
  const good = join(dir, 'good.json');
  const noRole = join(dir, 'no-role.json');
  const wrongSecret = join(dir, 'wrong-secret.json');
  writeFileSync(good, JSON.stringify(appConfig(join(dir, 'd1'))));
  writeFileSync(noRole, JSON.stringify(appConfig(join(dir, 'd2'), { clientId: CONTOSO.noRoleApp, secret: CONTOSO.noRoleAppSecret })));
  writeFileSync(wrongSecret, JSON.stringify(appConfig(join(dir, 'd3'), { secret: 'not-the-secret' })));
  const run = async (path: string) => {
    let out = '';
    const rc = await runCheck(['--config', path, '--json'], { authorityConnect, out: (s) => { out += s; } });
    return { rc, report: JSON.parse(out) as { app: { ok: boolean; tokenExpires?: string; error?: { message: string; hint?: string } }; accounts: { user: string; ok: boolean; error?: { message: string; hint?: string }; calendars?: unknown[] }[] } };
  };

  const ok = await run(good);
  t.equal(ok.rc, 0);
  t.ok(ok.report.app.ok && ok.report.app.tokenExpires, 'token expiry shown');
  t.equal(ok.report.accounts.length, 3);
  t.ok(ok.report.accounts.every((a) => a.ok && (a.calendars?.length ?? 0) >= 1));

  bearer.control.reset();
  const bad = await run(noRole);
  t.equal(bad.rc, 1);
  t.ok(bad.report.app.ok, 'Entra issues a token without roles');
  t.ok(bad.report.accounts.every((a) => !a.ok && /lacks full_access_as_app or admin consent/.test(a.error?.message ?? '')), 'each account explains the missing role');
  t.match(bad.report.accounts[0]?.error?.hint, /Grant admin consent/);
  t.ok((bearer.control.counters().refused['2000008'] ?? 0) >= 1, 'EWS refused it with 2000008');

  const secret = await run(wrongSecret);
  t.equal(secret.rc, 1);
  t.same(secret.report.accounts, [], 'no EWS call without a token');
  t.match(secret.report.app.error, { message: /AADSTS7000215/, hint: /clientSecret is wrong/ });

  let text = '';
  await runCheck(['--config', noRole], { authorityConnect, out: (s) => { text += s; } });
  t.match(text, /✓ app .*token for https:\/\/outlook\.office365\.com\/\.default until/);
  t.match(text, /✗ ann@contoso\.com: .*lacks full_access_as_app/);
});

t.test('a mailbox outside the app scope fails alone; the others keep syncing', async (t) => {
  bearer.control.setAppScope([MAILBOXES[0], MAILBOXES[1]]);
  t.teardown(() => bearer.control.setAppScope(undefined));
  sim.control.resetCounters();
  await Promise.all(MAILBOXES.map((m) => bridge.engine.syncNow(m)));
  const status = new Map(bridge.engine.status().map((s) => [s.user, s] as const));
  t.equal(status.get(MAILBOXES[0])?.error, undefined);
  t.equal(status.get(MAILBOXES[1])?.error, undefined);
  const cy = status.get(MAILBOXES[2]);
  t.match(cy?.error, { message: /may not open cy@contoso\.com \(ErrorImpersonateUserDenied\).*outside the app's RBAC/ });
  const denied = sim.control.requestLog().filter((e) => e.responseCodes?.includes('ErrorImpersonateUserDenied'));
  t.ok(denied.length >= 1 && denied.every((e) => e.impersonated === MAILBOXES[2]), 'only cy was refused');
});

t.test('devicePasswords mode: configured accounts sync without a per-user grant', async (t) => {
  const dir = tempDir('ewsdav-oauth-app-dp-');
  const b = await Bridge.create({ config: validateConfig(appConfig(dir, { mode: 'devicePasswords' })), baseDir: dir, logger: silentLogger(), authorityConnect });
  t.teardown(() => b.close());
  const origin = (await b.listen('127.0.0.1', 0)).replace('localhost', '127.0.0.1');
  await b.engine.syncNow(MAILBOXES[0]);
  const { password } = await new DevicePasswords(b.store.devicePasswords).create(MAILBOXES[0], 'phone');
  const stranger = await new DevicePasswords(b.store.devicePasswords).create('zed@contoso.com', 'phone');
  const propfind = (u: string, p: string) => fetch(`${origin}/dav/calendars/${encodeURIComponent(u)}/`, { method: 'PROPFIND', headers: { authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`, depth: '1' } });
  t.equal((await propfind(MAILBOXES[0], password)).status, 207);
  t.equal((await propfind('zed@contoso.com', stranger.password)).status, 401, 'a user outside the configured accounts is refused');
});

t.test('device-password create works for a configured account without a grant', async (t) => {
  const dir = tempDir('ewsdav-oauth-app-cli-');
  const path = join(dir, 'config.json');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(path, JSON.stringify(appConfig(join(dir, 'data'), { mode: 'devicePasswords' })));
  t.equal(await runDevicePassword(['create', MAILBOXES[1], 'tablet', '--config', path]), 0);
  await t.rejects(runDevicePassword(['create', 'zed@contoso.com', '--config', path]), /not linked/);
});

t.test('renews before expiry and after a refusal, sharing one request (fake msal, virtual now)', async (t) => {
  let now = 1_000_000;
  const calls: boolean[] = [];
  const app = {
    acquireTokenByClientCredential: async (r: { scopes: string[]; skipCache?: boolean }) => {
      calls.push(r.skipCache === true);
      return { accessToken: `tok${calls.length}`, expiresOn: new Date(now + 3_600_000) } as AuthenticationResult;
    },
  };
  const auth = new OAuthAppAuth({ clientId: 'app', app, scope: 'https://outlook.office365.com/.default', now: () => now });
  const ctx = (mailbox: string) => ({ url: new URL(sim.ewsUrl), mailbox, attempt: 1 });
  const first = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.authorize(ctx(MAILBOXES[i % 3]!))));
  t.same(calls, [false], 'one request for twenty callers');
  t.same(first[4], { headers: { authorization: 'Bearer tok1' }, impersonate: { primarySmtpAddress: MAILBOXES[1] } });
  now += 3_600_000 - 299_000; // inside the 300 s margin
  await Promise.all([auth.authorize(ctx(MAILBOXES[0])), auth.authorize(ctx(MAILBOXES[1]))]);
  t.same(calls, [false, true], 'proactive renewal, msal cache skipped, single flight');
  const c1 = ctx(MAILBOXES[0]);
  const c2 = ctx(MAILBOXES[1]);
  await auth.authorize(c1);
  await auth.authorize(c2);
  t.equal(await auth.onUnauthorized(c1), 'retry');
  t.equal(await auth.onUnauthorized(c2), 'retry', 'the second refusal reuses the token the first one fetched');
  t.same(calls, [false, true, true], 'one forced renewal for two refused calls');
});
