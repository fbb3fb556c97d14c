// Fake Entra ID: every refusal of the authorize and code-redemption path — error pages for bad
// clients/redirect URIs, error redirects with state, PKCE, single use, expiry, binding, client
// authentication by type (OAUTH-NOTES §2.1–§2.2, §3, §8, §10.3–§10.6).
import t from 'tap';
import { CONTOSO, EWS_SCOPE, FABRIKAM, GRAPH_CALENDARS_READ, NATIVECLIENT, startEntra } from '../../src/simulator/entra/index.js';
import { EntraTestClient, authorizeUrl, pkcePair } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra({ config: { codeLifetimeMs: 60_000 } });
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});
const { mara } = CONTOSO.users;
const SCOPE = `${EWS_SCOPE} offline_access`;
const { challenge } = pkcePair();
const good = { client_id: CONTOSO.publicApp, response_type: 'code', redirect_uri: NATIVECLIENT, scope: SCOPE, state: 'st-x', code_challenge: challenge, code_challenge_method: 'S256' };

async function errorPage(params: Record<string, string | undefined>, authority = entra.authority): Promise<string> {
  const r = await http.get(authorizeUrl(authority, params));
  if (r.status !== 400) throw new Error(`expected an error page, got ${r.status}`);
  return /AADSTS(\d+)/.exec(r.text)?.[1] ?? '';
}

async function errorRedirect(params: Record<string, string | undefined>): Promise<URLSearchParams> {
  const r = await http.get(authorizeUrl(entra.authority, params));
  if (r.status !== 302) throw new Error(`expected a redirect, got ${r.status}`);
  return new URL(r.headers.get('location') ?? '').searchParams;
}

t.test('authorize: client and redirect problems stop on an error page', async (t) => {
  t.equal(await errorPage({ ...good, client_id: '00000000-0000-4000-8000-000000000000' }), '700016', 'unknown client');
  t.equal(await errorPage({ ...good, client_id: undefined }), '900144', 'missing client_id');
  t.equal(await errorPage({ ...good, redirect_uri: undefined }), '900971', 'missing redirect_uri');
  t.equal(await errorPage({ ...good, redirect_uri: `${NATIVECLIENT}/` }), '50011', 'redirect URI must match exactly');
  t.equal(await errorPage({ ...good, redirect_uri: 'https://evil.example/cb' }), '50011');
  t.equal(await errorPage({ ...good, client_id: CONTOSO.singleTenantApp }, `${entra.url}/common`), '50194', 'single-tenant app on /common');
  t.equal(await errorPage(good, `${entra.url}/nowhere.example`), '90002');
});

t.test('authorize: other problems redirect with error, AADSTS description, error_uri and state', async (t) => {
  const cases: [Record<string, string | undefined>, string, number][] = [
    [{ response_type: 'token' }, 'unsupported_response_type', 700054],
    [{ response_type: undefined }, 'invalid_request', 900144],
    [{ scope: undefined }, 'invalid_request', 900144],
    [{ scope: 'https://outlook.office365.com/NoSuch.Permission' }, 'invalid_scope', 70011],
    [{ scope: 'https://unknown.example/Read' }, 'invalid_resource', 500011],
    [{ code_challenge: 'short' }, 'invalid_request', 501491],
    [{ code_challenge: 'x'.repeat(129) }, 'invalid_request', 501491],
    [{ code_challenge_method: 'S512' }, 'invalid_request', 90100],
    [{ response_mode: 'web_message' }, 'invalid_request', 90100],
    [{ prompt: 'sometimes' }, 'invalid_request', 90100],
  ];
  for (const [patch, error, code] of cases) {
    const q = await errorRedirect({ ...good, ...patch });
    t.equal(q.get('error'), error, JSON.stringify(patch));
    t.match(q.get('error_description'), new RegExp(`^AADSTS${code}: `));
    t.equal(q.get('error_uri'), `${entra.url}/error?code=${code}`);
    t.equal(q.get('state'), 'st-x', 'state echoed');
  }
});

t.test('sign-in refusals: decline consent (65004), wrong password, other tenant (50020)', async (t) => {
  const declined = await http.browserSignIn(authorizeUrl(entra.authority, good), { username: mara.upn, password: mara.password, consent: 'decline' });
  const q = new URL(declined.location ?? '').searchParams;
  t.equal(q.get('error'), 'access_denied');
  t.match(q.get('error_description'), /^AADSTS65004: /);
  t.equal(q.get('state'), 'st-x');
  t.notOk(q.has('code'));
  http.forgetSession();
  const wrong = await http.browserSignIn(authorizeUrl(entra.authority, good), { username: mara.upn, password: 'nope' });
  t.same(wrong.pages, ['Sign in', 'Sign in']);
  t.match(wrong.lastHtml, /AADSTS50126/);
  const hook = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: mara.upn, password: 'nope' });
  t.same(hook.hook.json.error_codes, [50126]);
  const other = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: FABRIKAM.users.lee.upn, password: FABRIKAM.users.lee.password });
  t.same(other.hook.json.error_codes, [50020], 'user of another tenant on a tenant-specific authority');
  entra.control.disableUser(mara.upn);
  const disabled = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: mara.upn, password: mara.password });
  t.same(disabled.hook.json.error_codes, [50057]);
  entra.control.disableUser(mara.upn, false);
});

async function code(clientId: string = CONTOSO.publicApp, redirectUri: string = NATIVECLIENT): Promise<{ code: string; verifier: string }> {
  const r = await http.codeViaHook({ authority: entra.authority, clientId, redirectUri, scope: SCOPE, username: mara.upn, password: mara.password, consent: 'accept' });
  return { code: r.code, verifier: r.verifier };
}

const redeem = (c: { code: string; verifier: string }, patch: Record<string, string | undefined> = {}, authority = entra.authority, headers: Record<string, string> = {}) => {
  const params: Record<string, string> = {};
  const all = { client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: c.code, redirect_uri: NATIVECLIENT, code_verifier: c.verifier, scope: SCOPE, ...patch };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) params[k] = v;
  return http.token(authority, params, headers);
};

t.test('redemption: PKCE, single use, expiry, binding to redirect, client and tenant', async (t) => {
  const expect = async (p: ReturnType<typeof redeem>, status: number, error: string, aadsts: number, what: string): Promise<void> => {
    const r = await p;
    t.equal(r.status, status, what);
    t.equal(r.json.error, error, what);
    t.same(r.json.error_codes, [aadsts], what);
  };
  await expect(redeem(await code(), { code_verifier: pkcePair().verifier }), 400, 'invalid_grant', 501481, 'wrong verifier');
  await expect(redeem(await code(), { code_verifier: undefined }), 400, 'invalid_request', 900144, 'missing verifier');
  await expect(redeem(await code(), { redirect_uri: 'http://localhost' }), 400, 'invalid_grant', 500112, 'redirect differs from authorize');
  await expect(redeem(await code(), {}, `${entra.url}/${FABRIKAM.tenantId}`), 400, 'invalid_grant', 700005, 'code redeemed in another tenant');
  await expect(redeem(await code(CONTOSO.singleTenantApp), { client_id: CONTOSO.publicApp }), 400, 'invalid_grant', 70000, 'code of another client');
  await expect(redeem(await code(), { scope: `${EWS_SCOPE} ${GRAPH_CALENDARS_READ}` }), 400, 'invalid_scope', 70011, 'two resources in one token request');
  await expect(redeem(await code(), { grant_type: 'password' }), 400, 'unsupported_grant_type', 70003, 'unsupported grant');
  await expect(redeem({ code: 'garbage', verifier: 'x' }), 400, 'invalid_grant', 70000, 'unknown code');
  const once = await code();
  t.equal((await redeem(once)).status, 200);
  await expect(redeem(once), 400, 'invalid_grant', 54005, 'second redemption');
  const late = await code();
  entra.control.advanceClock(61_000);
  await expect(redeem(late), 400, 'invalid_grant', 70008, 'expired code');
});

t.test('redemption in another tenant: 700005', async (t) => {
  const org = `${entra.url}/organizations`;
  const r = await http.codeViaHook({ authority: org, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: FABRIKAM.users.lee.upn, password: FABRIKAM.users.lee.password, consent: 'accept' });
  const res = await redeem({ code: r.code, verifier: r.verifier });
  t.same(res.json.error_codes, [700005]);
});

t.test('client authentication by type: public vs confidential (401 invalid_client)', async (t) => {
  const pub = await redeem(await code(), { client_secret: 'anything' });
  t.equal(pub.status, 401);
  t.match(pub.json, { error: 'invalid_client', error_codes: [700025] });
  const conf = (patch: Record<string, string | undefined>, headers: Record<string, string> = {}) => code(CONTOSO.webApp, CONTOSO.webCallback)
    .then((c) => redeem(c, { client_id: CONTOSO.webApp, redirect_uri: CONTOSO.webCallback, ...patch }, entra.authority, headers));
  t.same((await conf({})).json.error_codes, [7000218], 'no secret');
  t.same((await conf({ client_secret: 'wrong' })).json.error_codes, [7000215], 'wrong secret');
  t.same((await conf({ client_secret: CONTOSO.webAppSecretId })).json.error_codes, [7000215], 'the secret ID is not the value');
  t.same((await conf({ client_secret: CONTOSO.webAppExpiredSecret })).json.error_codes, [7000222], 'expired secret');
  const basicWrong = await conf({}, { authorization: `Basic ${Buffer.from(`${CONTOSO.webApp}:wrong`).toString('base64')}` });
  t.equal(basicWrong.status, 401);
  t.same(basicWrong.json.error_codes, [7000215], 'Basic as well');
  const assertion = await conf({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'x.y.z' });
  t.same(assertion.json.error_codes, [700027], 'certificate assertions are not accepted by the fake');
  // nativeclient registered under Web for the confidential app (the Home Assistant setup, §3).
  const ha = await code(CONTOSO.webApp, NATIVECLIENT);
  const ok = await redeem(ha, { client_id: CONTOSO.webApp, client_secret: CONTOSO.webAppSecret });
  t.equal(ok.status, 200, 'nativeclient under Web needs the secret');
});
