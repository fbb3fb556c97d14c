// Fake Entra ID: authorization code + PKCE happy paths through the HTML pages (login, OTP,
// consent), SSO with prompt=none, form_post, the /test/authorize hook for the nativeclient
// paste-back, confidential redemption (OAUTH-NOTES §2, §3, §6, §10.4–§10.6, §10.10).
import t from 'tap';
import { CONTOSO, EWS_SCOPE, FABRIKAM, GRAPH_CALENDARS_READ, NATIVECLIENT, startEntra } from '../../src/simulator/entra/index.js';
import { EntraTestClient, authorizeUrl, decodeJwtPart, pkcePair } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra();
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});
const { mara, alex, pat } = CONTOSO.users;
const SCOPE = `${EWS_SCOPE} offline_access openid profile`;
// What msal-node adds to every request (OAUTH-NOTES §2.1, §10.6): must be ignored.
const MSAL_EXTRAS = { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001', 'x-client-SKU': 'msal.js.node', 'x-client-VER': '7.2.3', clidata: '1', claims: '{"access_token":{"xms_cc":{"values":["CP1"]}}}' };

t.beforeEach(() => http.forgetSession());

t.test('browser: login → consent → code; redeem with PKCE; token claims', async (t) => {
  const { verifier, challenge } = pkcePair();
  const url = authorizeUrl(entra.authority, {
    client_id: CONTOSO.publicApp, response_type: 'code', redirect_uri: NATIVECLIENT, response_mode: 'query', scope: SCOPE,
    state: 'state-123', nonce: 'nonce-9', code_challenge: challenge, code_challenge_method: 'S256', client_info: '1',
    login_hint: mara.upn, ...MSAL_EXTRAS,
  });
  const first = await http.get(url);
  t.match(first.text, `value="${mara.upn}"`, 'login_hint pre-fills the username');
  http.forgetSession();
  const r = await http.browserSignIn(url, { username: mara.upn, password: mara.password, consent: 'accept' });
  t.same(r.pages, ['Sign in', 'Permissions requested']);
  const loc = new URL(r.location ?? '');
  t.equal(`${loc.origin}${loc.pathname}`, NATIVECLIENT, 'lands on the nativeclient page');
  t.equal(loc.searchParams.get('state'), 'state-123');
  t.match(loc.searchParams.get('session_state'), /^[0-9a-f-]{36}$/);
  const ci = JSON.parse(Buffer.from(loc.searchParams.get('client_info') ?? '', 'base64url').toString()) as Record<string, string>;
  t.same(ci, { uid: '690222be-ff1a-4d56-abd1-7e4f7d38e474', utid: CONTOSO.tenantId });

  const tok = await http.token(entra.authority, {
    client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: loc.searchParams.get('code') ?? '',
    redirect_uri: NATIVECLIENT, code_verifier: verifier, scope: SCOPE, client_info: '1', ...MSAL_EXTRAS,
  });
  t.equal(tok.status, 200);
  t.match(tok.json, { token_type: 'Bearer', scope: EWS_SCOPE, expires_in: 4500, ext_expires_in: 4500 });
  t.type(tok.json.refresh_token, 'string');
  t.equal(tok.json.client_info, loc.searchParams.get('client_info'));
  const at = decodeJwtPart(String(tok.json.access_token));
  t.match(at, {
    aud: 'https://outlook.office365.com', iss: `https://sts.windows.net/${CONTOSO.tenantId}/`, scp: 'EWS.AccessAsUser.All',
    upn: mara.upn, unique_name: mara.upn, oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474', tid: CONTOSO.tenantId,
    appid: CONTOSO.publicApp, appidacr: '0', amr: ['pwd'], ver: '1.0', name: 'Mara Example',
  });
  t.equal(Number(at.exp) - Number(at.iat), 4500);
  t.equal(at.nbf, at.iat);
  const h = decodeJwtPart(String(tok.json.access_token), 0);
  t.match(h, { typ: 'JWT', alg: 'RS256' });
  t.equal(h.kid, h.x5t, 'v1 header has kid and x5t');
  const id = decodeJwtPart(String(tok.json.id_token));
  t.match(id, { aud: CONTOSO.publicApp, iss: `${entra.url}/${CONTOSO.tenantId}/v2.0`, preferred_username: mara.upn, name: 'Mara Example', tid: CONTOSO.tenantId, nonce: 'nonce-9', ver: '2.0' });
  t.notOk('x5t' in decodeJwtPart(String(tok.json.id_token), 0), 'v2 header has no x5t');
});

t.test('MFA user: OTP page; amr contains mfa; wrong OTP re-asks', async (t) => {
  const { challenge } = pkcePair();
  const url = authorizeUrl(entra.authority, { client_id: CONTOSO.publicApp, response_type: 'code', redirect_uri: NATIVECLIENT, scope: SCOPE, code_challenge: challenge, code_challenge_method: 'S256' });
  const wrong = await http.browserSignIn(url, { username: alex.upn, password: alex.password, otp: '000000' });
  t.same(wrong.pages, ['Sign in', 'Enter code', 'Enter code']);
  t.match(wrong.lastHtml, /expected verification code/);
  http.forgetSession();
  const r = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: alex.upn, password: alex.password, otp: alex.otp, consent: 'accept' });
  const tok = await http.token(entra.authority, { client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: r.code, redirect_uri: NATIVECLIENT, code_verifier: r.verifier, scope: SCOPE });
  t.same(decodeJwtPart(String(tok.json.access_token)).amr, ['pwd', 'mfa']);
  const noOtp = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: alex.upn, password: alex.password });
  t.equal(noOtp.hook.status, 400, 'hook without otp stops at the second factor');
  t.same(noOtp.hook.json.error_codes, [50076]);
});

t.test('consented user skips the consent page; SSO and prompt=none; prompt=login/consent', async (t) => {
  const base = { client_id: CONTOSO.publicApp, response_type: 'code', redirect_uri: NATIVECLIENT, scope: `${EWS_SCOPE} ${GRAPH_CALENDARS_READ} offline_access` };
  const r = await http.browserSignIn(authorizeUrl(entra.authority, base), { username: pat.upn, password: pat.password });
  t.same(r.pages, ['Sign in'], 'no consent page for granted scopes');
  t.ok(r.location?.includes('code='));
  const silent = await http.get(authorizeUrl(entra.authority, { ...base, prompt: 'none', state: 's2' }));
  t.equal(silent.status, 302, 'session cookie: silent sign-in');
  t.match(silent.headers.get('location'), /code=.*state=s2/);
  const sso = await http.browserSignIn(authorizeUrl(entra.authority, base), { username: '', password: '' });
  t.same(sso.pages, [], 'no page at all with a session');
  const login = await http.get(authorizeUrl(entra.authority, { ...base, prompt: 'login' }));
  t.match(login.text, /<title>Sign in<\/title>/, 'prompt=login ignores the session');
  const consent = await http.browserSignIn(authorizeUrl(entra.authority, { ...base, prompt: 'consent' }), { username: pat.upn, password: pat.password, consent: 'accept' });
  t.same(consent.pages, ['Permissions requested'], 'prompt=consent shows consent even when granted');
  http.forgetSession();
  const none = await http.get(authorizeUrl(entra.authority, { ...base, prompt: 'none', state: 's3' }));
  const err = new URL(none.headers.get('location') ?? '');
  t.equal(err.searchParams.get('error'), 'login_required');
  t.match(err.searchParams.get('error_description'), /^AADSTS50058: /);
  t.equal(err.searchParams.get('error_uri'), `${entra.url}/error?code=50058`);
  t.equal(err.searchParams.get('state'), 's3');
});

t.test('response_mode form_post and fragment', async (t) => {
  const base = { client_id: CONTOSO.publicApp, response_type: 'code', redirect_uri: 'http://localhost:53111', scope: SCOPE, state: 'fp' };
  const fp = await http.browserSignIn(authorizeUrl(entra.authority, { ...base, response_mode: 'form_post' }), { username: pat.upn, password: pat.password });
  t.equal(fp.formPost?.action, 'http://localhost:53111', 'loopback redirect on any port (Mobile and desktop)');
  t.equal(fp.formPost?.fields.state, 'fp');
  t.type(fp.formPost?.fields.code, 'string');
  const fr = await http.get(authorizeUrl(entra.authority, { ...base, response_mode: 'fragment' }));
  t.match(fr.headers.get('location'), /^http:\/\/localhost:53111#code=.*&state=fp/);
});

t.test('test hook: paste-back URL, redeemed by a public client', async (t) => {
  const r = await http.codeViaHook({
    authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE,
    username: mara.upn, password: mara.password, consent: 'accept', extra: { state: 'paste', client_info: '1' },
  });
  t.equal(r.hook.status, 200);
  t.match(r.redirectUrl, /^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/nativeclient\?code=[^&]+&state=paste&session_state=[^&]+&client_info=/);
  const tok = await http.token(entra.authority, { client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: r.code, redirect_uri: NATIVECLIENT, code_verifier: r.verifier });
  t.equal(tok.status, 200);
  t.equal(tok.json.scope, EWS_SCOPE, 'no scope on redemption: the code\'s resource');
});

t.test('confidential (Web platform) client: secret in body or Basic; appidacr 1', async (t) => {
  for (const how of ['body', 'basic'] as const) {
    const r = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.webApp, redirectUri: CONTOSO.webCallback, scope: SCOPE, username: mara.upn, password: mara.password, consent: 'accept' });
    const params: Record<string, string> = { client_id: CONTOSO.webApp, grant_type: 'authorization_code', code: r.code, redirect_uri: CONTOSO.webCallback, code_verifier: r.verifier, scope: SCOPE };
    const headers: Record<string, string> = {};
    if (how === 'body') params.client_secret = CONTOSO.webAppSecret;
    else headers.authorization = `Basic ${Buffer.from(`${CONTOSO.webApp}:${encodeURIComponent(CONTOSO.webAppSecret)}`).toString('base64')}`;
    const tok = await http.token(entra.authority, params, headers);
    t.equal(tok.status, 200, how);
    t.equal(decodeJwtPart(String(tok.json.access_token)).appidacr, '1');
  }
});

t.test('user of another tenant via /organizations with a multi-tenant app; no nonce → no nonce claim', async (t) => {
  const org = `${entra.url}/organizations`;
  const r = await http.codeViaHook({ authority: org, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: FABRIKAM.users.lee.upn, password: FABRIKAM.users.lee.password, consent: 'accept' });
  const tok = await http.token(org, { client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: r.code, redirect_uri: NATIVECLIENT, code_verifier: r.verifier, scope: SCOPE });
  t.equal(tok.status, 200);
  t.equal(decodeJwtPart(String(tok.json.access_token)).tid, FABRIKAM.tenantId, 'token carries the home tenant');
  t.notOk('nonce' in decodeJwtPart(String(tok.json.id_token)));
});
