// The account page through app.inject (no browser): CSRF refusals, cookie flags, security
// headers, HTML escaping of names that come from Exchange, session rotation at sign-in, and
// creating and revoking a device password from the page. The Microsoft sign-in itself runs
// against the fake authority through its /test/authorize hook.

import t from 'tap';
import { CONTOSO } from '../../src/simulator/entra/index.js';
import { accountPlugin } from '../../src/account/index.js';
import { escapeHtml, html } from '../../src/account/html.js';
import { DevicePasswords } from '../../src/auth/clients/device-passwords.js';
import { buildApp } from '../../src/server/app.js';
import { EntraTestClient, capturedLogger, signInVia } from '../auth/oauth-helpers.js';
import { startAuthority, startBridge, startEws } from './helpers.js';

const MARA = CONTOSO.users.mara;
const EVIL = '<script>alert(1)</script>';
const entra = await startAuthority();
t.teardown(() => entra.close());
const client = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(() => client.close());
const { sim } = await startEws(entra, [{ upn: MARA.upn, displayName: 'Mara', extraFolder: EVIL }]);
t.teardown(() => sim.close());
const { bridge, origin, config: bridgeConfig } = await startBridge(entra, sim.ewsUrl, 'callback', 18_443);
t.teardown(() => bridge.close());
const app = bridge.app;

const cookieOf = (setCookie: string | string[] | undefined): string => {
  const value = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return /^(ewsdav_session=[^;]+)/.exec(value ?? '')?.[1] ?? '';
};
const csrfOf = (body: string): string => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (url: string, cookie: string, fields: Record<string, string>) =>
  app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });

t.test('html escaper', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&\``), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#96;');
  t.equal(html`<p title="${'"><b>'}">${[EVIL, html`<i>ok</i>`]}</p>`.text, '<p title="&quot;&gt;&lt;b&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<i>ok</i></p>');
});

let cookie = '';
let csrf = '';
t.test('anonymous visit: sign-in form, cookie flags, security headers', async (t) => {
  const res = await app.inject({ url: '/account' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /Sign in with Microsoft/);
  const setCookie = String(res.headers['set-cookie']);
  t.match(setCookie, /^ewsdav_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/, '256-bit id, HttpOnly, Lax, no Secure over http');
  t.equal(res.headers['content-security-policy'], `default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self' https://login.microsoftonline.com ${entra.url}; frame-ancestors 'none'; base-uri 'self'`);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['referrer-policy'], 'no-referrer');
  t.equal(res.headers['cache-control'], 'no-store');
  cookie = cookieOf(res.headers['set-cookie']);
  csrf = csrfOf(res.body);
  t.ok(csrf.length >= 43);
  const again = await app.inject({ url: '/account', headers: { cookie } });
  t.notOk(again.headers['set-cookie'], 'a live session is reused');
  t.equal(csrfOf(again.body), csrf);
});

t.test('CSRF: POSTs without the session token are refused', async (t) => {
  t.equal((await post('/account/signin', cookie, {})).statusCode, 403, 'no token');
  t.equal((await post('/account/signin', cookie, { csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` })).statusCode, 403, 'wrong token');
  t.equal((await post('/account/signin', '', { csrf })).statusCode, 403, 'token without its session');
  t.equal((await post('/account/signin', 'ewsdav_session=forged', { csrf })).statusCode, 403, 'unknown session');
  const refused = await post('/account/device-passwords', cookie, { csrf, name: 'x' });
  t.equal(refused.statusCode, 403, 'an anonymous session cannot create device passwords');
  t.same(bridge.store.devicePasswords.list(MARA.upn), []);
});

t.test('sign in through the callback: linked, new session id, escaped names', async (t) => {
  const start = await post('/account/signin', cookie, { csrf });
  t.equal(start.statusCode, 303);
  const location = String(start.headers.location);
  t.ok(location.startsWith(`${entra.url}/${CONTOSO.tenantId}/oauth2/v2.0/authorize?`), 'off to the authority');
  t.notMatch(location, /secret|code_verifier/i, 'no secret in the sign-in URL');
  const back = new URL(await signInVia(client, location, MARA));
  t.equal(`${back.origin}${back.pathname}`, `${origin}/oauth/callback`);
  const wrongBrowser = await app.inject({ url: `${back.pathname}${back.search}` });
  t.equal(wrongBrowser.statusCode, 400, 'a callback without the session that started it is refused');
  t.match(wrongBrowser.body, /Nothing was linked/);
  t.equal(bridge.store.oauthGrants.get(MARA.upn), undefined);
  const res = await app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie } });
  t.equal(res.statusCode, 200);
  t.match(res.body, /Linked mara@contoso\.com/);
  const signedIn = cookieOf(res.headers['set-cookie']);
  t.ok(signedIn && signedIn !== cookie, 'the session id changes at sign-in');
  t.match(bridge.store.oauthGrants.get(MARA.upn), { state: 'linked' });
  const old = await app.inject({ url: '/account', headers: { cookie } });
  t.match(old.body, /Sign in with Microsoft/, 'the pre-sign-in id is worthless');
  cookie = signedIn;
  await bridge.engine.syncNow(MARA.upn);
  const page = await app.inject({ url: '/account', headers: { cookie } });
  csrf = csrfOf(page.body);
  t.match(page.body, /Signed in as <strong id="user">mara@contoso\.com<\/strong>/);
  t.ok(page.body.includes(escapeHtml(EVIL)), 'the calendar name is shown escaped');
  t.notOk(page.body.includes(EVIL), 'and never as markup');
  t.notMatch(page.body, /<script/i, 'no script at all');
  t.match(page.body, new RegExp(`${origin}/ics/mara%40contoso\\.com/[\\w-]+\\.ics`), 'feed links');
});

t.test('device passwords from the page: created once, listed, revoked', async (t) => {
  const created = await post('/account/device-passwords', cookie, { csrf, name: 'iPhone' });
  t.equal(created.statusCode, 200);
  const password = /id="device-password">([a-z2-9-]+)</.exec(created.body)?.[1] ?? '';
  t.match(password, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
  t.match(created.body, /Server <code>127\.0\.0\.1:18443<\/code>/);
  t.match(created.body, new RegExp(`Location <code>${origin}/dav/</code>`));
  const [row] = bridge.store.devicePasswords.list(MARA.upn);
  t.match(row, { name: 'iPhone' });
  const page = await app.inject({ url: '/account', headers: { cookie } });
  t.notOk(page.body.includes(password), 'shown only once');
  t.match(page.body, /<td>iPhone<\/td>/);
  const dup = await post('/account/device-passwords', cookie, { csrf, name: 'iPhone' });
  t.equal(dup.statusCode, 400);
  t.match(dup.body, /role="alert">mara@contoso\.com already has a device password named &quot;iPhone&quot;/);
  t.equal((await post('/account/device-passwords/revoke', cookie, { id: row!.id })).statusCode, 403, 'revoke needs the token');
  const revoked = await post('/account/device-passwords/revoke', cookie, { csrf, id: row!.id });
  t.equal(revoked.statusCode, 303);
  t.equal(revoked.headers.location, '/account');
  t.same(bridge.store.devicePasswords.list(MARA.upn), []);
  const after = await app.inject({ url: '/account', headers: { cookie } });
  t.match(after.body, /Revoked “iPhone”/);
  t.match(after.body, /No device passwords yet/);
});

t.test('revoked grant: the page says needs re-link with the reason, Reconnect renews it', async (t) => {
  entra.control.revokeUser(MARA.upn);
  entra.control.expireAllAccessTokens();
  await bridge.engine.syncNow(MARA.upn);
  t.match(bridge.store.oauthGrants.get(MARA.upn), { state: 'needs-relink' });
  const page = await app.inject({ url: '/account', headers: { cookie } });
  t.equal(page.statusCode, 200, 'the session outlives the grant');
  t.match(page.body, /<p role="alert" id="link-state">Needs re-link: [^<]*AADSTS50173/, 'needs re-link, with Microsoft\'s reason');
  t.match(page.body, /<form method="post" action="account\/signin"><input type="hidden" name="csrf" value="[^"]+"><button type="submit" id="reconnect">Reconnect to Microsoft 365<\/button><\/form>/, 'Reconnect as the primary button');
  t.notMatch(page.body, /class="ok" id="link-state"/, 'not shown as linked');
  csrf = csrfOf(page.body);
  const start = await post('/account/signin', cookie, { csrf });
  t.equal(start.statusCode, 303);
  const back = new URL(await signInVia(client, String(start.headers.location), MARA));
  const res = await app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie } });
  t.match(res.body, /Re-linked mara@contoso\.com/);
  cookie = cookieOf(res.headers['set-cookie']);
  const after = await app.inject({ url: '/account', headers: { cookie } });
  t.match(after.body, /class="ok" id="link-state">Linked to Microsoft 365/);
  t.match(after.body, /class="secondary" id="reconnect">Reconnect</);
  t.notOk(bridge.engine.status().find((a) => a.user === MARA.upn)?.state === 'needs-credentials', 'sync restarted');
  csrf = csrfOf(after.body);
});

t.test('sign out ends the session', async (t) => {
  const res = await post('/account/signout', cookie, { csrf });
  t.equal(res.statusCode, 303);
  t.match(String(res.headers['set-cookie']), /Max-Age=0/);
  t.match((await app.inject({ url: '/account', headers: { cookie } })).body, /Sign in with Microsoft/);
});

t.test('behind https on a prefix: Secure cookie with the prefix as path', async (t) => {
  const config = { ...bridgeConfig, server: { ...bridgeConfig.server, publicUrl: 'https://cal.example.org/cal/' } };
  const https = await buildApp({
    logger: capturedLogger().logger,
    publicUrl: 'https://cal.example.org/cal/',
    plugins: [accountPlugin({ oauth: bridge.oauth!, store: bridge.store, devicePasswords: new DevicePasswords(bridge.store.devicePasswords), engine: bridge.engine, config })],
  });
  t.teardown(() => https.close());
  const res = await https.inject({ url: '/cal/account' });
  t.equal(res.statusCode, 200);
  t.match(String(res.headers['set-cookie']), /; Path=\/cal\/; HttpOnly; SameSite=Lax; Secure$/);
  t.match(res.body, /<base href="\/cal\/">/);
});
