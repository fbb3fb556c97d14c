// Fake Entra ID: client credentials (app-only) and the access-token verifier the EWS/Graph
// simulators use, with Exchange Online's 401 headers (OAUTH-NOTES §5, §7, §10.9, §10.12).
import t from 'tap';
import {
  CONTOSO, EWS_SCOPE, FABRIKAM, GRAPH_CALENDARS_READ, NATIVECLIENT, ewsUnauthorizedHeaders, startEntra, trustFromJwks,
  verifyAccessToken, verifyAuthorizationHeader,
} from '../../src/simulator/entra/index.js';
import { EntraTestClient, decodeJwtPart } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra();
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});
const EWS = 'https://outlook.office365.com';
const ews = { trust: entra.trust, audience: EWS, requiredScope: 'EWS.AccessAsUser.All', requiredRole: 'full_access_as_app' };

function appToken(clientId: string, secret: string, scope = `${EWS}/.default`, authority = entra.authority) {
  return http.token(authority, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope });
}

async function userToken(scope = EWS_SCOPE): Promise<string> {
  const { pat } = CONTOSO.users;
  const c = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope, username: pat.upn, password: pat.password });
  const tok = await http.token(entra.authority, { client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: c.code, redirect_uri: NATIVECLIENT, code_verifier: c.verifier, scope });
  return String(tok.json.access_token);
}

t.test('client credentials: roles, no scp/upn, no refresh token; refusals', async (t) => {
  const r = await appToken(CONTOSO.webApp, CONTOSO.webAppSecret);
  t.equal(r.status, 200);
  t.same(Object.keys(r.json).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
  const claims = decodeJwtPart(String(r.json.access_token));
  t.match(claims, { aud: EWS, iss: `https://sts.windows.net/${CONTOSO.tenantId}/`, roles: ['full_access_as_app'], appid: CONTOSO.webApp, appidacr: '1', tid: CONTOSO.tenantId });
  t.notOk('scp' in claims || 'upn' in claims || 'unique_name' in claims);
  t.equal(claims.oid, claims.sub, 'service principal object id');
  const basic = await http.token(entra.authority, { grant_type: 'client_credentials', scope: `${EWS}/.default` }, { authorization: `Basic ${Buffer.from(`${CONTOSO.webApp}:${CONTOSO.webAppSecret}`).toString('base64')}` });
  t.equal(basic.status, 200, 'Basic client authentication');
  const graph = await appToken(CONTOSO.webApp, CONTOSO.webAppSecret, 'https://graph.microsoft.com/.default');
  t.same(decodeJwtPart(String(graph.json.access_token)).roles, ['Calendars.Read']);
  const noRole = await appToken(CONTOSO.noRoleApp, CONTOSO.noRoleAppSecret);
  t.equal(noRole.status, 200);
  t.notOk('roles' in decodeJwtPart(String(noRole.json.access_token)), 'no granted role: token without roles');

  const codes = async (p: Promise<{ json: Record<string, unknown>; status: number }>): Promise<[number, unknown]> => {
    const x = await p;
    return [x.status, (x.json.error_codes as number[] | undefined)?.[0]];
  };
  t.same(await codes(appToken(CONTOSO.webApp, CONTOSO.webAppSecret, `${EWS}/.default`, `${entra.url}/common`)), [400, 9001023], '/common');
  t.same(await codes(appToken(CONTOSO.webApp, CONTOSO.webAppSecret, `${EWS}/.default`, `${entra.url}/organizations`)), [400, 9001023], '/organizations');
  t.same(await codes(appToken(CONTOSO.webApp, CONTOSO.webAppSecret, EWS_SCOPE)), [400, 70011], 'not /.default');
  t.same(await codes(appToken(CONTOSO.webApp, CONTOSO.webAppSecret, `${EWS}/.default https://graph.microsoft.com/.default`)), [400, 70011], 'two resources');
  t.same(await codes(appToken(CONTOSO.webApp, 'wrong')), [401, 7000215]);
  t.same(await codes(appToken(CONTOSO.webApp, CONTOSO.webAppExpiredSecret)), [401, 7000222]);
  t.same(await codes(http.token(entra.authority, { grant_type: 'client_credentials', client_id: CONTOSO.publicApp, scope: `${EWS}/.default` })), [401, 7000218], 'public app has no credential');
  t.same(await codes(appToken(CONTOSO.webApp, CONTOSO.webAppSecret, `${EWS}/.default`, `${entra.url}/${FABRIKAM.tenantId}`)), [400, 700016], 'single-tenant app in another tenant');
});

t.test('verify: accepts delegated EWS and app-only tokens', async (t) => {
  const d = verifyAccessToken(await userToken(), ews);
  t.match(d, { ok: true, kind: 'delegated', upn: CONTOSO.users.pat.upn, tenantId: CONTOSO.tenantId, appId: CONTOSO.publicApp, scopes: ['EWS.AccessAsUser.All'] });
  const a = verifyAccessToken(String((await appToken(CONTOSO.webApp, CONTOSO.webAppSecret)).json.access_token), ews);
  t.match(a, { ok: true, kind: 'app', roles: ['full_access_as_app'], appId: CONTOSO.webApp });
  t.equal(a.ok && a.upn, undefined);
  const viaHeader = verifyAuthorizationHeader(`Bearer ${await userToken()}`, ews);
  t.equal(viaHeader.ok, true);
});

t.test('verify: rejections with the EWS diagnostics code', async (t) => {
  const user = await userToken();
  const reason = (r: ReturnType<typeof verifyAccessToken>): string => (r.ok ? 'ok' : `${r.diagnostics} ${r.reason}`);
  t.match(reason(verifyAccessToken('not-a-jwt', ews)), /^2000001 /);
  const [h, p, s] = user.split('.');
  const forged = `${h ?? ''}.${Buffer.from(JSON.stringify({ ...decodeJwtPart(user), upn: 'boss@contoso.com' })).toString('base64url')}.${s ?? ''}`;
  t.match(reason(verifyAccessToken(forged, ews)), /^2000001 The token signature is invalid/);
  t.match(reason(verifyAccessToken(`${h ?? ''}.${p ?? ''}.`, ews)), /^2000001 /, 'no signature');
  const graphUser = await userToken(GRAPH_CALENDARS_READ);
  const wrongAud = verifyAccessToken(graphUser, ews);
  t.match(wrongAud, { ok: false, diagnostics: '2000003', category: 'invalid_resource' });
  t.match(reason(verifyAccessToken(graphUser, { trust: entra.trust, audience: 'https://graph.microsoft.com', requiredScope: 'Calendars.Read' })), 'ok', 'right audience for Graph');
  t.match(reason(verifyAccessToken(user, { ...ews, requiredScope: 'Calendars.ReadWrite' })), /^2000008 /, 'missing scope');
  const noRole = String((await appToken(CONTOSO.noRoleApp, CONTOSO.noRoleAppSecret)).json.access_token);
  t.match(verifyAccessToken(noRole, ews), { ok: false, diagnostics: '2000008', category: 'invalid_grant' }, 'app token without roles');
  t.match(reason(verifyAccessToken(user, { trust: entra.trust, audience: EWS, requiredRole: 'full_access_as_app' })), /^2000008 /, 'delegated token where only app-only is allowed');
  const other = trustFromJwks((await http.get(`/${CONTOSO.tenantId}/discovery/v2.0/keys`)).json as { keys: [] }, [FABRIKAM.tenantId]);
  t.match(reason(verifyAccessToken(user, { ...ews, trust: other })), /^2000001 The tenant/, 'tenant not trusted');
  const sameKeys = trustFromJwks((await http.get(`/${CONTOSO.tenantId}/discovery/v2.0/keys`)).json as { keys: [] }, [CONTOSO.tenantId], () => entra.control.now());
  t.equal(verifyAccessToken(user, { ...ews, trust: sameKeys }).ok, true, 'trust from a JWKS document');
});

t.test('verify: expiry by clock and by control; key rotation', async (t) => {
  const a = await userToken();
  entra.control.expireAllAccessTokens();
  t.match(verifyAccessToken(a, ews), { ok: false, diagnostics: '2000001', reason: 'The token has expired.' });
  const b = await userToken();
  t.equal(verifyAccessToken(b, ews).ok, true, 'tokens issued afterwards are fine');
  entra.control.advanceClock(4500_000 + 299_000);
  t.equal(verifyAccessToken(b, ews).ok, true, 'within the 300 s skew');
  entra.control.advanceClock(2_000);
  t.match(verifyAccessToken(b, ews), { ok: false, reason: 'The token has expired.' });
  const c = await userToken();
  entra.control.rotateKeys();
  t.equal(verifyAccessToken(c, ews).ok, true, 'old key still published');
  entra.control.retireOldKeys();
  t.match(verifyAccessToken(c, ews), { ok: false, diagnostics: '2000001' });
  t.equal(verifyAccessToken(await userToken(), ews).ok, true);
});

t.test('Exchange Online 401 headers', async (t) => {
  const none = verifyAuthorizationHeader(undefined, ews);
  t.match(none, { ok: false, noToken: true });
  const h0 = ewsUnauthorizedHeaders(none.ok ? undefined : none);
  t.equal(h0['www-authenticate'], 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"');
  t.notOk('x-ms-diagnostics' in h0, 'no diagnostics without a token');
  t.equal(verifyAuthorizationHeader('Basic Zm9vOmJhcg==', ews).ok, false);
  const bad = verifyAccessToken(await userToken(GRAPH_CALENDARS_READ), ews);
  const h1 = ewsUnauthorizedHeaders(bad.ok ? undefined : bad, { basicRealm: true });
  t.match(h1['www-authenticate'], /, error="invalid_token",Basic Realm=""$/);
  t.match(h1['x-ms-diagnostics'], /^2000003;reason="The audience claim value is invalid 'https:\/\/graph\.microsoft\.com'\. Expected 'https:\/\/outlook\.office365\.com'\.";error_category="invalid_resource"$/);
});
