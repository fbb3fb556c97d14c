// Fake Entra ID: refresh-token rotation ("entra" keeps the old token valid, "strict" revokes
// it), one refresh token for several resources, and every revocation event with its AADSTS
// code (OAUTH-NOTES §2.3–§2.5, §8, §10.7).
import t from 'tap';
import { CONTOSO, EWS_SCOPE, GRAPH_CALENDARS_READ, NATIVECLIENT, startEntra } from '../../src/simulator/entra/index.js';
import { EntraTestClient, decodeJwtPart } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra();
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});
const { pat, alex } = CONTOSO.users;
const DAY = 86_400_000;
const SCOPE = `${EWS_SCOPE} offline_access openid profile`;
let n = 0;

/** A fresh user per case so revocations do not leak between cases. */
function newUser(mfaRequired = false): { upn: string; password: string } {
  const upn = `user${++n}@contoso.com`;
  entra.control.addUser({ upn, password: 'pw', displayName: `User ${n}`, otp: '999999', mfaRequired, consents: { [CONTOSO.publicApp]: [EWS_SCOPE, GRAPH_CALENDARS_READ], [CONTOSO.webApp]: [EWS_SCOPE] } });
  return { upn, password: 'pw' };
}

async function signIn(user: { upn: string; password: string }, confidential = false): Promise<string> {
  const clientId = confidential ? CONTOSO.webApp : CONTOSO.publicApp;
  const redirectUri = confidential ? CONTOSO.webCallback : NATIVECLIENT;
  const c = await http.codeViaHook({ authority: entra.authority, clientId, redirectUri, scope: SCOPE, username: user.upn, password: user.password, otp: '999999' });
  const tok = await http.token(entra.authority, {
    client_id: clientId, grant_type: 'authorization_code', code: c.code, redirect_uri: redirectUri, code_verifier: c.verifier, scope: SCOPE,
    ...(confidential ? { client_secret: CONTOSO.webAppSecret } : {}),
  });
  if (tok.status !== 200) throw new Error(JSON.stringify(tok.json));
  return String(tok.json.refresh_token);
}

function refresh(rt: string, opts: { scope?: string; confidential?: boolean } = {}) {
  return http.token(entra.authority, {
    client_id: opts.confidential ? CONTOSO.webApp : CONTOSO.publicApp, grant_type: 'refresh_token', refresh_token: rt,
    scope: opts.scope ?? `${EWS_SCOPE} offline_access openid profile`, client_info: '1',
    ...(opts.confidential ? { client_secret: CONTOSO.webAppSecret } : {}),
  });
}

const code = (r: { json: Record<string, unknown> }): number | undefined => (r.json.error_codes as number[] | undefined)?.[0];

t.test('rotation, mode "entra": a new refresh token each time, the old one stays valid', async (t) => {
  const rt1 = await signIn(newUser());
  const r1 = await refresh(rt1);
  t.equal(r1.status, 200);
  const rt2 = String(r1.json.refresh_token);
  t.not(rt2, rt1, 'rotated');
  t.type(r1.json.id_token, 'string');
  t.type(r1.json.client_info, 'string');
  t.equal(decodeJwtPart(String(r1.json.access_token)).scp, 'EWS.AccessAsUser.All');
  t.equal((await refresh(rt1)).status, 200, 'old token still accepted (Entra does not revoke it)');
  t.equal((await refresh(rt2)).status, 200);
});

t.test('rotation, mode "strict": the old refresh token is revoked on use', async (t) => {
  entra.control.setRefreshMode('strict');
  t.teardown(() => entra.control.setRefreshMode('entra'));
  const rt1 = await signIn(newUser());
  const r1 = await refresh(rt1);
  t.equal(r1.status, 200);
  const again = await refresh(rt1);
  t.equal(again.json.error, 'invalid_grant');
  t.equal(code(again), 70000);
  t.equal((await refresh(String(r1.json.refresh_token))).status, 200, 'the newest one works');
});

t.test('one refresh token, several resources; scope must be consented; one resource per request', async (t) => {
  const rt = await signIn(newUser());
  const graph = await refresh(rt, { scope: `${GRAPH_CALENDARS_READ} offline_access` });
  t.equal(graph.status, 200);
  t.match(decodeJwtPart(String(graph.json.access_token)), { aud: 'https://graph.microsoft.com', scp: 'Calendars.Read' });
  t.equal(graph.json.scope, GRAPH_CALENDARS_READ);
  const dflt = await refresh(rt, { scope: 'https://outlook.office365.com/.default offline_access' });
  t.equal(dflt.json.scope, EWS_SCOPE, '/.default = what is consented');
  const notConsented = await refresh(rt, { scope: 'https://graph.microsoft.com/Calendars.ReadWrite offline_access' });
  t.match(notConsented.json, { error: 'invalid_grant', suberror: 'consent_required' });
  t.equal(code(notConsented), 65001);
  const two = await refresh(rt, { scope: `${EWS_SCOPE} ${GRAPH_CALENDARS_READ}` });
  t.match(two.json, { error: 'invalid_scope', error_codes: [70011] });
  const other = await http.token(entra.authority, { client_id: CONTOSO.webApp, client_secret: CONTOSO.webAppSecret, grant_type: 'refresh_token', refresh_token: rt, scope: EWS_SCOPE });
  t.equal(code(other), 70000, 'bound to its client');
  const unknown = await refresh('1.AXoA-not-a-token');
  t.equal(unknown.json.error, 'invalid_grant');
  const withSecret = await http.token(entra.authority, { client_id: CONTOSO.publicApp, client_secret: 'x', grant_type: 'refresh_token', refresh_token: rt, scope: EWS_SCOPE });
  t.equal(code(withSecret), 700025, 'a public-client grant stays public');
  const cRt = await signIn(newUser(), true);
  const noSecret = await http.token(entra.authority, { client_id: CONTOSO.webApp, grant_type: 'refresh_token', refresh_token: cRt, scope: EWS_SCOPE });
  t.equal(code(noSecret), 7000218, 'a confidential grant needs the secret on refresh');
});

t.test('revocation: revoke sessions (50173), disabled (50057), CA block (53003), consent removed (65001)', async (t) => {
  const u1 = newUser();
  const rt1 = await signIn(u1);
  entra.control.revokeUser(u1.upn);
  t.match((await refresh(rt1)).json, { error: 'invalid_grant', error_codes: [50173] });
  t.equal((await refresh(await signIn(u1))).status, 200, 'a new sign-in after revocation works');

  const u2 = newUser();
  const rt2 = await signIn(u2);
  entra.control.disableUser(u2.upn);
  t.equal(code(await refresh(rt2)), 50057);
  entra.control.disableUser(u2.upn, false);
  t.equal((await refresh(rt2)).status, 200, 're-enabled');

  const u3 = newUser();
  const rt3 = await signIn(u3);
  entra.control.blockByConditionalAccess(u3.upn);
  t.equal(code(await refresh(rt3)), 53003);
  entra.control.blockByConditionalAccess(u3.upn, 'deviceCode');
  t.equal((await refresh(rt3)).status, 200, 'a device-code-only policy does not block refresh');

  const u4 = newUser();
  const rt4 = await signIn(u4);
  entra.control.removeConsent(u4.upn, CONTOSO.publicApp);
  t.match((await refresh(rt4)).json, { error: 'invalid_grant', error_codes: [65001], suberror: 'consent_required' });
});

t.test('password change: public-client grants die (50133), confidential survive; admin reset kills all', async (t) => {
  const u = newUser();
  const pub = await signIn(u);
  const conf = await signIn(u, true);
  entra.control.changePassword(u.upn, 'new-pw');
  t.equal(code(await refresh(pub)), 50133);
  t.equal((await refresh(conf, { confidential: true })).status, 200, 'confidential grant alive (§2.5)');
  const pub2 = await signIn({ upn: u.upn, password: 'new-pw' });
  entra.control.changePassword(u.upn, 'newer-pw', { admin: true });
  t.equal(code(await refresh(conf, { confidential: true })), 50133, 'admin reset in the Entra admin center');
  t.equal(code(await refresh(pub2)), 50133);
});

t.test('MFA now required (50076); grants made with MFA keep working', async (t) => {
  const u = newUser();
  const rt = await signIn(u);
  entra.control.setMfaRequired(u.upn, true);
  const r = await refresh(rt);
  t.match(r.json, { error: 'invalid_grant', error_codes: [50076], suberror: 'basic_action' });
  const withMfa = await signIn(u);
  t.equal((await refresh(withMfa)).status, 200);
  const a = await signIn({ upn: alex.upn, password: alex.password }).catch(() => 'no');
  t.equal(a, 'no', 'alex needs his own OTP (hook answered 999999)');
});

t.test('inactivity: 90 days unused → 700082; each use resets the clock', async (t) => {
  const rt = await signIn(newUser());
  entra.control.advanceClock(89 * DAY);
  const r = await refresh(rt);
  t.equal(r.status, 200, '89 days idle is fine');
  const rt2 = String(r.json.refresh_token);
  entra.control.advanceClock(89 * DAY);
  t.equal((await refresh(rt2)).status, 200, 'the rotated token was used 89 days ago');
  entra.control.advanceClock(91 * DAY);
  t.match((await refresh(rt2)).json, { error: 'invalid_grant', error_codes: [700082] });
  t.ok(entra.control.grants().length > 0);
  t.notOk(JSON.stringify(entra.control.grants()).includes(rt2), 'grant summary never shows tokens');
});

t.test('pat: consent from the directory spec is honoured', async (t) => {
  const c = await http.codeViaHook({ authority: entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope: SCOPE, username: pat.upn, password: pat.password });
  t.equal(c.hook.status, 200, 'no consent answer needed');
});
