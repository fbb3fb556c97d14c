// Linking a Microsoft 365 account against the fake Entra authority over HTTPS: the paste-back
// auth code + PKCE flow and its refusals (tampered state, reused code, wrong verifier, other
// domain or tenant — each with a clear message and nothing stored), the device-code flow with
// RFC 8628 polling (interval and slow_down, asserted on the authority's counters), a confidential
// client, and the sealed cache at rest.

import t, { type Test } from 'tap';
import { CONTOSO, FABRIKAM, startEntra } from '../../src/simulator/entra/index.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { createOAuthRuntime } from '../../src/auth/upstream/oauth-config.js';
import { SecretBox } from '../../src/auth/upstream/crypto-box.js';
import { EwsdavError } from '../../src/errors.js';
import { EntraTestClient, SECRET_KEY, folderBytes, oauthConfig, signInVia, tempDir, tokensIn } from './oauth-helpers.js';

const entra = await startEntra();
t.teardown(() => entra.close());
const browser = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(() => browser.close());
const MARA = CONTOSO.users.mara;
const PAT = CONTOSO.users.pat;

async function setup(t: Test, oauth: Record<string, unknown> = {}) {
  const dir = tempDir('ewsdav-link-');
  const store = new SqliteStore({ dataDir: dir });
  const runtime = await createOAuthRuntime(oauthConfig(entra, dir, { oauth }), { baseDir: dir, grants: store.oauthGrants, authorityConnect: { ca: entra.caCertPem } });
  t.teardown(async () => {
    await runtime.close();
    store.close();
  });
  return { dir, store, ...runtime };
}

async function refusal(t: Test, promise: Promise<unknown>, pattern: RegExp): Promise<EwsdavError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  t.type(err, EwsdavError);
  t.match((err as Error).message, pattern);
  return err as EwsdavError;
}

t.test('paste flow: sign in, paste the address, the grant is stored sealed', async (t) => {
  const s = await setup(t);
  const pending = await s.linker.startAuthCode({ user: MARA.upn, redirect: 'nativeclient' });
  t.ok(Buffer.from(pending.state, 'base64url').length >= 16, 'state has at least 128 bits');
  const u = new URL(pending.url);
  t.equal(u.origin, entra.url, 'the authorize URL is on the configured authority');
  t.equal(u.searchParams.get('code_challenge_method'), 'S256');
  t.equal(u.searchParams.get('redirect_uri'), 'https://login.microsoftonline.com/common/oauth2/nativeclient');
  const pasted = await signInVia(browser, pending.url, MARA);
  const result = await s.linker.completePaste(pasted);
  t.match(result, { user: MARA.upn, tenantId: CONTOSO.tenantId, relinked: false });
  const grant = s.store.oauthGrants.get(MARA.upn)!;
  t.equal(grant.state, 'linked');
  t.ok(grant.scopes.some((x) => /EWS\.AccessAsUser\.All/.test(x)), 'EWS scope granted');
  const cache = new SecretBox(SECRET_KEY).open(grant.cache, MARA.upn);
  const secrets = tokensIn(cache);
  t.ok(secrets.length >= 2, 'the cache holds the tokens …');
  const bytes = folderBytes(s.dir);
  t.ok(secrets.every((x) => !bytes.includes(x)), '… and none of them is readable in the data folder');
  t.throws(() => new SecretBox(SECRET_KEY).open(grant.cache, PAT.upn), /cannot be decrypted/, 'a blob is bound to its user');
  t.throws(() => new SecretBox(`${SECRET_KEY}x`).open(grant.cache, MARA.upn), /cannot be decrypted/, 'another key cannot open it');
});

t.test('refused answers link nothing and say why', async (t) => {
  const s = await setup(t);
  const counters = () => entra.control.counters().grants['authorization_code'] ?? 0;

  // Tampered state: the code is never redeemed.
  const a = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const pasted = new URL(await signInVia(browser, a.url, MARA));
  pasted.searchParams.set('state', `${pasted.searchParams.get('state')}x`);
  const before = counters();
  await refusal(t, s.linker.completePaste(pasted.href), /does not belong to a pending sign-in.*Nothing was linked/);
  t.equal(counters(), before, 'a tampered state never reaches the token endpoint');

  // Wrong verifier: code of sign-in B pasted with the state of sign-in C.
  const b = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const c = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const codeB = new URL(await signInVia(browser, b.url, MARA)).searchParams.get('code')!;
  const wrong = new URL('https://login.microsoftonline.com/common/oauth2/nativeclient');
  wrong.searchParams.set('code', codeB);
  wrong.searchParams.set('state', c.state);
  const e1 = await refusal(t, s.linker.completePaste(wrong.href), /AADSTS501481.*Nothing was linked/);
  t.match(e1.hint, /PKCE verifier mismatch/);

  // Reused code: a good sign-in, then the same code with a new pending sign-in.
  const d = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const good = await signInVia(browser, d.url, MARA);
  await s.linker.completePaste(good);
  s.store.oauthGrants.remove(MARA.upn);
  await refusal(t, s.linker.completePaste(good), /does not belong to a pending sign-in/, );
  const e = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const reused = new URL(good);
  reused.searchParams.set('state', e.state);
  const e2 = await refusal(t, s.linker.completePaste(reused.href), /AADSTS54005.*Nothing was linked/);
  t.match(e2.hint, /already used/);

  // Error redirect (declined consent) and garbage.
  const f = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const declined = new URL('https://login.microsoftonline.com/common/oauth2/nativeclient');
  declined.search = new URLSearchParams({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent.', error_uri: `${entra.url}/error?code=65004`, state: f.state }).toString();
  await refusal(t, s.linker.completePaste(declined.href), /"access_denied".*Nothing was linked/);
  await refusal(t, s.linker.completePaste('not a url'), /not a URL/);
  t.equal(s.store.oauthGrants.list().length, 0, 'nothing linked');
});

t.test('other domain and other tenant are refused; a re-link renews in place', async (t) => {
  entra.control.addUser({ upn: 'sam@contoso.onmicrosoft.com', password: 'Sam-pass-1', displayName: 'Sam' }, CONTOSO.tenantId);
  const s = await setup(t);
  const a = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  await refusal(t, s.linker.completePaste(await signInVia(browser, a.url, { upn: 'sam@contoso.onmicrosoft.com', password: 'Sam-pass-1' })), /contoso\.onmicrosoft\.com may not use this bridge/);
  const b = await s.linker.startAuthCode({ user: PAT.upn, redirect: 'nativeclient' });
  await refusal(t, s.linker.completePaste(await signInVia(browser, b.url, MARA)), /Signed in as mara@contoso\.com, but the link was for pat@contoso\.com/);

  const org = await setup(t, { tenant: 'organizations', allowedDomains: [] });
  const c = await org.linker.startAuthCode({ redirect: 'nativeclient' });
  await refusal(t, org.linker.completePaste(await signInVia(browser, c.url, FABRIKAM.users.lee)), new RegExp(`tenant ${FABRIKAM.tenantId}, which may not use this bridge`));
  t.equal(s.store.oauthGrants.list().length + org.store.oauthGrants.list().length, 0, 'nothing linked');

  const first = await s.linker.completePaste(await signInVia(browser, (await s.linker.startAuthCode({ redirect: 'nativeclient' })).url, MARA));
  const linkedAt = s.store.oauthGrants.get(MARA.upn)!;
  s.store.oauthGrants.markNeedsRelink(MARA.upn, 'AADSTS50173: revoked');
  const again = await s.linker.completePaste(await signInVia(browser, (await s.linker.startAuthCode({ redirect: 'nativeclient' })).url, MARA));
  t.match(again, { user: first.user, relinked: true, homeAccountId: first.homeAccountId });
  t.match(s.store.oauthGrants.get(MARA.upn), { state: 'linked', homeAccountId: linkedAt.homeAccountId });
  t.notOk(s.store.oauthGrants.get(MARA.upn)!.reason, 'the reason is cleared');
});

t.test('device code: polls at the interval, adds 5 s on slow_down, then links', async (t) => {
  const s = await setup(t);
  entra.control.resetCounters();
  const sleeps: number[] = [];
  let approve: (() => void) | undefined;
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    // The second wait reaches the authority 2 s early (a skewed clock): it must answer slow_down.
    entra.control.advanceClock(sleeps.length === 2 ? ms - 2000 : ms);
    if (sleeps.length === 4) approve?.();
  };
  const flow = await s.linker.startDeviceCode({ user: PAT.upn, poll: { sleep } });
  approve = () => entra.control.approveDeviceCode(flow.prompt.userCode, PAT.upn);
  t.match(flow.prompt, { userCode: /^[A-Z0-9]{9}$/, verificationUri: `${entra.url}/devicelogin`, intervalSeconds: 5 });
  const result = await flow.result;
  t.equal(result.user, PAT.upn);
  t.same(sleeps, [5000, 5000, 10_000, 10_000], 'interval, interval, then interval + 5 s for the rest of the flow');
  const c = entra.control.counters();
  t.equal(c.deviceCodePolls, 4, 'four polls');
  t.equal(c.slowDowns, 1, 'one slow_down, none after the interval grew');
  t.equal(s.store.oauthGrants.get(PAT.upn)?.state, 'linked');
});

t.test('device code declined, and refused for a confidential client', async (t) => {
  const s = await setup(t);
  let decline: (() => void) | undefined;
  const flow = await s.linker.startDeviceCode({ poll: { sleep: async (ms) => { entra.control.advanceClock(ms); decline?.(); } } });
  decline = () => entra.control.declineDeviceCode(flow.prompt.userCode);
  await refusal(t, flow.result, /declined.*Nothing was linked/);
  const conf = await setup(t, { clientId: CONTOSO.webApp, clientSecret: CONTOSO.webAppSecret });
  await refusal(t, conf.linker.startDeviceCode(), /needs a public client/);
  t.equal(s.store.oauthGrants.list().length, 0);
});

t.test('confidential client: paste flow with a secret that never reaches the data folder', async (t) => {
  const s = await setup(t, { clientId: CONTOSO.webApp, clientSecret: CONTOSO.webAppSecret });
  const a = await s.linker.startAuthCode({ redirect: 'nativeclient' });
  const r = await s.linker.completePaste(await signInVia(browser, a.url, MARA));
  t.equal(r.user, MARA.upn);
  t.notOk(folderBytes(s.dir).includes(CONTOSO.webAppSecret), 'no client secret at rest');
  const wrong = await setup(t, { clientId: CONTOSO.webApp, clientSecret: 'not-the-secret' });
  const b = await wrong.linker.startAuthCode({ redirect: 'nativeclient' });
  const e = await refusal(t, wrong.linker.completePaste(await signInVia(browser, b.url, MARA)), /AADSTS7000215/);
  t.match(e.hint, /secret VALUE/);
});
