// Fake Entra ID: device authorization grant — /devicecode fields, the polling state machine
// incl. RFC 8628 slow_down, the verification pages, hooks, both grant_type spellings
// (OAUTH-NOTES §4, §10.8). Time moves only through control.advanceClock.
import t from 'tap';
import { CONTOSO, EWS_SCOPE, startEntra } from '../../src/simulator/entra/index.js';
import { EntraTestClient, decodeJwtPart, parseForm } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra({ config: { deviceCodeExpiresInSec: 600, deviceCodeIntervalSec: 5 } });
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});
const { mara, alex } = CONTOSO.users;
const URN = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPE = `${EWS_SCOPE} offline_access openid profile`;

async function start(clientId: string = CONTOSO.publicApp): Promise<Record<string, unknown>> {
  const r = await http.postForm(`${entra.authority}/oauth2/v2.0/devicecode`, { client_id: clientId, scope: SCOPE });
  return { status: r.status, ...r.json };
}

function poll(deviceCode: string, grantType = 'device_code', extra: Record<string, string> = {}) {
  return http.token(entra.authority, { grant_type: grantType, client_id: CONTOSO.publicApp, device_code: deviceCode, client_info: '1', ...extra });
}

const wait = (s: number): void => {
  entra.control.advanceClock(s * 1000);
};

t.test('devicecode response', async (t) => {
  const d = await start();
  t.equal(d.status, 200);
  t.match(d.user_code, /^[A-Z2-9]{9}$/);
  t.type(d.device_code, 'string');
  t.equal(d.verification_uri, `${entra.url}/devicelogin`);
  t.equal(d.expires_in, 600);
  t.equal(d.interval, 5);
  t.equal(d.message, `To sign in, use a web browser to open the page ${entra.url}/devicelogin and enter the code ${String(d.user_code)} to authenticate.`);
  t.notOk('verification_uri_complete' in d);
  const conf = await start(CONTOSO.webApp);
  t.match(conf, { status: 401, error: 'invalid_client', error_codes: [7000218] }, 'needs "allow public client flows"');
});

t.test('pending → slow_down when early → pending → approved via the pages → tokens once → invalid_grant', async (t) => {
  entra.control.resetCounters();
  const d = await start();
  const dc = String(d.device_code);
  t.match((await poll(dc)).json, { error: 'authorization_pending', error_codes: [70016] }, 'first poll right away is fine');
  const early = await poll(dc, URN);
  t.equal(early.status, 400);
  t.equal(early.json.error, 'slow_down', 'polled sooner than interval');
  wait(5);
  t.equal((await poll(dc)).json.error, 'slow_down', 'interval grew to 10 s (RFC 8628 §3.5), now 15 s');
  wait(15);
  t.equal((await poll(dc)).json.error, 'authorization_pending', 'waited the grown interval');

  // The user on the verification page: code → sign in → consent → done.
  const entry = await http.get('/devicelogin');
  const f1 = parseForm(entry.text);
  t.equal(f1?.action, '/devicelogin');
  const bad = await http.postForm('/devicelogin', { otc: 'WRONGCODE' });
  t.match(bad.text, /AADSTS70018/);
  const login = await http.postForm('/devicelogin', { otc: String(d.user_code).toLowerCase() });
  const f2 = parseForm(login.text);
  t.equal(f2?.action, '/_login');
  const consent = await http.postForm('/_login', { ...f2?.fields, login: mara.upn, passwd: mara.password });
  const f3 = parseForm(consent.text);
  t.equal(f3?.action, '/_login/consent');
  const done = await http.postForm('/_login/consent', { ...f3?.fields, consent: 'accept' });
  t.match(done.text, /You have signed in to the ewsdav \(public client\) application/);

  wait(15);
  const ok = await poll(dc);
  t.equal(ok.status, 200);
  t.type(ok.json.refresh_token, 'string');
  t.type(ok.json.id_token, 'string');
  t.match(decodeJwtPart(String(ok.json.access_token)), { upn: mara.upn, scp: 'EWS.AccessAsUser.All', appidacr: '0' });
  wait(10);
  t.match((await poll(dc)).json, { error: 'invalid_grant', error_codes: [90120] }, 'success only once');
  const c = entra.control.counters();
  t.equal(c.deviceCodePolls, 6);
  t.equal(c.slowDowns, 2);
  t.equal(c.grants.device_code, 6, 'both spellings counted as one grant type');
});

t.test('declined, unknown, expired; hooks and control approval; MFA via hook', async (t) => {
  const d1 = await start();
  const dec = await http.postJson('/test/devicelogin', { userCode: d1.user_code, consent: 'decline' });
  t.same(dec.json, { result: 'declined' });
  t.match((await poll(String(d1.device_code))).json, { error: 'authorization_declined' });
  t.equal((await poll(String(d1.device_code))).json.error, 'invalid_grant', 'terminal');

  t.match((await poll('no-such-device-code')).json, { error: 'bad_verification_code', error_codes: [70018] });

  const d2 = await start();
  wait(601);
  t.match((await poll(String(d2.device_code))).json, { error: 'expired_token', error_codes: [70019] });
  t.equal((await http.postJson('/test/devicelogin', { userCode: d2.user_code, username: mara.upn, password: mara.password })).status, 400, 'expired user code');

  const d3 = await start();
  const noOtp = await http.postJson('/test/devicelogin', { userCode: d3.user_code, username: alex.upn, password: alex.password });
  t.same(noOtp.json.error_codes, [50076]);
  const yes = await http.postJson('/test/devicelogin', { userCode: d3.user_code, username: alex.upn, password: alex.password, otp: alex.otp, consent: 'accept' });
  t.same(yes.json, { result: 'approved' });
  const tok = await poll(String(d3.device_code));
  t.same(decodeJwtPart(String(tok.json.access_token)).amr, ['pwd', 'mfa']);

  const d4 = await start();
  entra.control.approveDeviceCode(String(d4.user_code), mara.upn);
  t.equal((await poll(String(d4.device_code), URN)).status, 200, 'URN spelling');
  const d5 = await start();
  entra.control.declineDeviceCode(String(d5.user_code));
  t.equal((await poll(String(d5.device_code))).json.error, 'authorization_declined');
  const d6 = await start();
  const secret = await poll(String(d6.device_code), 'device_code', { client_secret: 'x' });
  t.same(secret.json.error_codes, [700025], 'public flow: no secret');
});

t.test('Conditional Access blocking device code (53003); slow_down can be switched off', async (t) => {
  entra.control.blockByConditionalAccess(mara.upn, 'deviceCode');
  t.teardown(() => entra.control.blockByConditionalAccess(mara.upn, false));
  const d = await start();
  const r = await http.postJson('/test/devicelogin', { userCode: d.user_code, username: mara.upn, password: mara.password, consent: 'accept' });
  t.same(r.json.error_codes, [53003]);
  t.match((await poll(String(d.device_code))).json, { error: 'invalid_grant', error_codes: [53003] });

  entra.control.configure({ slowDown: false });
  t.teardown(() => entra.control.configure({ slowDown: true }));
  const d2 = await start();
  await poll(String(d2.device_code));
  t.equal((await poll(String(d2.device_code))).json.error, 'authorization_pending');
});
