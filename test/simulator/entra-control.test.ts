// Fake Entra ID: fault injection (429/503 with Retry-After, slow answers), counters and the
// request log, and the same control API over HTTP (OAUTH-NOTES §10.7, §10.11).
import t from 'tap';
import { CONTOSO, EWS_SCOPE, NATIVECLIENT, startEntra } from '../../src/simulator/entra/index.js';
import { EntraTestClient } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra();
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});
const EWS = 'https://outlook.office365.com';
const cc = () => http.token(entra.authority, { grant_type: 'client_credentials', client_id: CONTOSO.webApp, client_secret: CONTOSO.webAppSecret, scope: `${EWS}/.default` });
const discovery = () => http.get(`/${CONTOSO.tenantId}/v2.0/.well-known/openid-configuration`);

t.beforeEach(() => {
  entra.control.clearFaults();
  entra.control.resetCounters();
});

t.test('429 and 503 with Retry-After, for the next N matching requests', async (t) => {
  entra.control.injectFault({ kind: 'http429', endpoint: 'token', retryAfterSeconds: 7, count: 2 });
  const a = await cc();
  t.equal(a.status, 429);
  t.equal(a.headers.get('retry-after'), '7');
  t.match(a.json, { error: 'temporarily_unavailable', error_codes: [90055] });
  t.equal((await cc()).status, 429);
  t.equal((await cc()).status, 200, 'count exhausted');
  entra.control.injectFault({ kind: 'http503', endpoint: 'discovery', retryAfterSeconds: null });
  t.equal((await cc()).status, 200, 'other endpoints unaffected');
  const d = await discovery();
  t.equal(d.status, 503);
  t.equal(d.headers.get('retry-after'), null, 'Retry-After can be omitted');
  t.same(d.json.error_codes, [90033]);
  t.equal((await discovery()).status, 200);
  t.equal(entra.control.counters().faults, 3);
});

t.test('faults by grant type; slow answers still answer', async (t) => {
  entra.control.injectFault({ kind: 'http503', grantType: 'refresh_token' });
  t.equal((await cc()).status, 200, 'client_credentials not affected');
  const r = await http.token(entra.authority, { grant_type: 'refresh_token', client_id: CONTOSO.publicApp, refresh_token: 'x', scope: EWS_SCOPE });
  t.equal(r.status, 503);
  entra.control.injectFault({ kind: 'slow', endpoint: 'token', delayMs: 50 });
  t.equal((await cc()).status, 200);
  t.equal(entra.control.counters().faults, 2);
  t.same(entra.control.injectFault({ kind: 'http429' }).remaining, 1);
});

t.test('counters and request log: per endpoint, grant type, client, error; no secrets', async (t) => {
  await discovery();
  await cc();
  await http.token(entra.authority, { grant_type: 'client_credentials', client_id: CONTOSO.webApp, client_secret: 'wrong-secret-value', scope: `${EWS}/.default` });
  const c = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: EWS_SCOPE, username: CONTOSO.users.pat.upn, password: CONTOSO.users.pat.password });
  await http.token(entra.authority, { client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: c.code, redirect_uri: NATIVECLIENT, code_verifier: c.verifier });
  const counters = entra.control.counters();
  t.match(counters.endpoints, { discovery: 1, token: 3, test: 1 });
  t.match(counters.grants, { client_credentials: 2, authorization_code: 1 });
  t.match(counters.clients, { [CONTOSO.webApp]: 2, [CONTOSO.publicApp]: 1 });
  t.same(counters.errors, { 'invalid_client:7000215': 1 });
  const log = entra.control.requestLog();
  t.same(log.map((e) => [e.endpoint, e.status]), [['discovery', 200], ['token', 200], ['token', 401], ['test', 200], ['token', 200]]);
  t.match(log[2], { grantType: 'client_credentials', clientId: CONTOSO.webApp, error: 'invalid_client', aadsts: 7000215 });
  const text = JSON.stringify(log);
  t.notOk(text.includes(CONTOSO.webAppSecret) || text.includes('wrong-secret-value') || text.includes(c.code), 'no secrets or codes in the log');
});

t.test('control over HTTP', async (t) => {
  const now = await http.get('/_entra/now');
  t.type(now.json.now, 'number');
  const adv = await http.postJson('/_entra/advanceClock', { ms: 1000 });
  t.ok(Number(adv.json.now) >= Number(now.json.now) + 1000, 'virtual clock moved');
  t.equal((await http.postJson('/_entra/injectFault', { kind: 'http429', endpoint: 'token' })).status, 200);
  t.equal((await cc()).status, 429);
  t.equal((await http.postJson('/_entra/revokeUser', { upn: CONTOSO.users.mara.upn })).status, 200);
  const bad = await http.postJson('/_entra/revokeUser', { upn: 'nobody@contoso.com' });
  t.equal(bad.status, 400);
  t.match(bad.json.error, /no such user/);
  const unknown = await http.postJson('/_entra/makeCoffee', {});
  t.equal(unknown.status, 404);
  t.ok((unknown.json.methods as string[]).includes('expireAllAccessTokens'));
  t.equal((await http.get('/_entra/revokeUser')).status, 405, 'GET only for read-only methods');
  const counters = await http.get('/_entra/counters');
  t.match(counters.json, { endpoints: { token: 1 }, faults: 1 });
  const rot = await http.postJson('/_entra/rotateKeys', {});
  t.type(rot.json.kid, 'string');
  await http.postJson('/_entra/registerApp', { app: { clientId: '11111111-2222-4333-8444-555555555555', displayName: 'late app', redirectUris: { web: ['https://127.0.0.1:9/cb'] }, secrets: [{ value: 's' }], appRoles: { [EWS]: ['full_access_as_app'] } } });
  const late = await http.token(entra.authority, { grant_type: 'client_credentials', client_id: '11111111-2222-4333-8444-555555555555', client_secret: 's', scope: `${EWS}/.default` });
  t.equal(late.status, 200, 'app registered at run time');
  await http.postJson('/_entra/addRedirectUri', { clientId: CONTOSO.webApp, platform: 'web', uri: 'https://127.0.0.1:4444/oauth/callback' });
  const r = await http.get(`${entra.authority}/oauth2/v2.0/authorize?client_id=${CONTOSO.webApp}&response_type=code&scope=${encodeURIComponent(EWS_SCOPE)}&redirect_uri=${encodeURIComponent('https://127.0.0.1:4444/oauth/callback')}`);
  t.equal(r.status, 200, 'redirect URI added at run time');
});

t.test('logout clears the SSO session', async (t) => {
  const url = `${entra.authority}/oauth2/v2.0/authorize?client_id=${CONTOSO.publicApp}&response_type=code&scope=${encodeURIComponent(EWS_SCOPE)}&redirect_uri=${encodeURIComponent(NATIVECLIENT)}`;
  const s = await http.browserSignIn(url, { username: CONTOSO.users.pat.upn, password: CONTOSO.users.pat.password });
  t.ok(s.location);
  t.equal((await http.get(`${url}&prompt=none`)).status, 302);
  const out = await http.get(`${entra.authority}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('https://bridge.contoso.test/')}`);
  t.equal(out.headers.get('location'), 'https://bridge.contoso.test/');
  http.forgetSession();
  const after = await http.get(`${url}&prompt=none`);
  t.match(after.headers.get('location'), /error=login_required/);
});
