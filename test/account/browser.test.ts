// The account page in a real browser (Debian's chromium through playwright-core) against the fake
// Entra authority (HTTPS, own CA) and the Bearer-only EWS simulator: sign in with Microsoft
// (password, one-time code, consent) → back at /oauth/callback → create a device password on the
// page → tsdav logs in with it and reads events. Also the paste-the-URL flow (nativeclient), a
// tampered state through the callback, and a user of another tenant. Chromium never leaves
// 127.0.0.1: every other request is aborted and recorded, except the nativeclient redirect,
// which is answered locally so the test can read the address the user would paste.

import { existsSync } from 'node:fs';
import t from 'tap';
import { DAVClient } from 'tsdav';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CONTOSO, FABRIKAM } from '../../src/simulator/entra/index.js';
import { freePort, startAuthority, startBridge, startEws } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  if (process.env['CI']) throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium"`);
  t.plan(0, `${CHROMIUM} not found: install the Debian package "chromium" to run the browser test`);
  process.exit(0);
}

const ALEX = CONTOSO.users.alex; // MFA required, not yet consented: password → code → consent
const MARA = CONTOSO.users.mara;
const PAT = CONTOSO.users.pat;
const LEE = FABRIKAM.users.lee;
const NATIVECLIENT = 'https://login.microsoftonline.com/common/oauth2/nativeclient';

const entra = await startAuthority();
t.teardown(() => entra.close());
const { sim, bearer } = await startEws(entra, [{ upn: ALEX.upn, displayName: 'Alex' }, { upn: MARA.upn, displayName: 'Mara' }, { upn: PAT.upn, displayName: 'Pat' }]);
t.teardown(() => sim.close());
const callbackSide = await startBridge(entra, sim.ewsUrl, 'callback', await freePort());
t.teardown(() => callbackSide.bridge.close());
await callbackSide.bridge.listen('127.0.0.1', Number(new URL(callbackSide.origin).port));
const pasteSide = await startBridge(entra, sim.ewsUrl, 'nativeclient', await freePort());
t.teardown(() => pasteSide.bridge.close());
await pasteSide.bridge.listen('127.0.0.1', Number(new URL(pasteSide.origin).port));

const browser: Browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
t.teardown(() => browser.close());

/** Requests that would have left loopback, and the nativeclient addresses answered locally. */
const blocked: string[] = [];
const nativeclient: string[] = [];
let holdCallback: string[] | undefined;

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (`${url.origin}${url.pathname}` === NATIVECLIENT) {
      nativeclient.push(url.href);
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>blank</title>' });
    }
    if (url.hostname !== '127.0.0.1') {
      blocked.push(url.href);
      return route.abort('blockedbyclient');
    }
    // Redirects are followed inside chromium without passing through route handlers, so the
    // authority's last answer (the 302 to the callback) is fetched here and held instead.
    if (holdCallback && url.pathname === '/_login/consent') {
      const response = await route.fetch({ maxRedirects: 0 });
      holdCallback.push(response.headers()['location'] ?? '');
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>held</title>' });
    }
    return route.continue();
  });
  return context;
}

/** The fake authority's pages, as a user fills them in. */
async function microsoftSignIn(page: Page, user: { upn: string; password: string; otp?: string }, steps: { otp?: boolean; consent?: boolean }): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.locator('input[name=login]').fill(user.upn);
  await page.locator('input[name=passwd]').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (steps.otp) {
    await page.getByRole('heading', { name: 'Enter code' }).waitFor();
    await page.locator('input[name=otc]').fill(user.otp ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  if (steps.consent) {
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
  }
}

t.test('callback flow: sign in, link, device password, tsdav over Bearer-only EWS', async (t) => {
  const { bridge, origin } = callbackSide;
  const context = await newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/account`);
  const cookies = await context.cookies();
  t.match(cookies.find((c) => c.name === 'ewsdav_session'), { httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await microsoftSignIn(page, ALEX, { otp: true, consent: true });
  await page.getByText(/Linked alex@contoso\.com — you can close this window/).waitFor();
  t.equal(new URL(page.url()).pathname, '/oauth/callback');
  t.match(bridge.store.oauthGrants.get(ALEX.upn), { state: 'linked' });

  await bridge.engine.syncNow(ALEX.upn); // the link already started it; this waits for a full pass
  await page.getByRole('link', { name: 'Go to your account page' }).click();
  await page.getByText('Signed in as').waitFor();
  t.match(await page.locator('#link-state').textContent(), /Linked to Microsoft 365 as alex@contoso\.com/);
  t.match(await page.locator('#cal-h + table').textContent(), /Calendar.*Team/s, 'calendars with their last sync');
  await page.getByLabel('Name of the device').fill('iPhone');
  await page.getByRole('button', { name: 'Create device password' }).click();
  const password = (await page.locator('#device-password').textContent()) ?? '';
  t.match(password, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/, 'read from the page');
  t.match(await page.locator('#created').textContent(), new RegExp(`Base URL ${origin}/`));
  await page.goto(`${origin}/account`);
  t.equal(await page.locator('#device-password').count(), 0, 'shown once');
  t.match(await page.locator('#dev-h ~ table').textContent(), /iPhone/);

  bearer.control.reset();
  const client = new DAVClient({ serverUrl: `${origin}/`, credentials: { username: ALEX.upn, password }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  await client.login();
  const calendars = await client.fetchCalendars();
  t.same(calendars.map((c) => c.displayName).sort(), ['Calendar', 'Team']);
  const objects = (await Promise.all(calendars.map((c) => client.fetchCalendarObjects({ calendar: c })))).flat();
  t.ok(objects.length > 0 && objects.every((o) => o.data.startsWith('BEGIN:VCALENDAR')), `events served (${objects.length})`);
  await bridge.engine.syncNow(ALEX.upn);
  const seen = bearer.control.counters();
  t.ok(seen.ok > 0, 'EWS was called with Bearer tokens');
  t.same(seen.refused, {}, 'no token refused');
  t.same(seen.audiences, ['https://outlook.office365.com']);
  t.ok(seen.scopes.includes('EWS.AccessAsUser.All'));
  t.ok(sim.control.requestLog().every((e) => e.authScheme === 'Bearer'), 'only Bearer-authenticated EWS calls');
});

t.test('tampered state through the callback: refused, nothing linked', async (t) => {
  const { bridge, origin } = callbackSide;
  const context = await newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/account`);
  holdCallback = [];
  t.teardown(() => { holdCallback = undefined; });
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await microsoftSignIn(page, PAT, { consent: true }); // no second factor; consented only to the public app
  await page.waitForURL((u) => u.pathname === '/_login/consent');
  t.equal(await page.title(), 'held');
  const genuine = new URL(holdCallback[0] ?? '');
  holdCallback = undefined;
  const state = genuine.searchParams.get('state') ?? '';
  genuine.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
  const res = await page.goto(genuine.href);
  t.equal(res?.status(), 400);
  t.match(await page.getByRole('alert').textContent(), /does not belong to a sign-in started from this browser.*Nothing was linked/);
  t.equal(bridge.store.oauthGrants.get(PAT.upn), undefined, 'nothing linked');
  await page.goto(`${origin}/account`);
  t.equal(await page.getByRole('button', { name: 'Sign in with Microsoft' }).count(), 1, 'still signed out');
});

t.test('paste flow (nativeclient): sign in, paste the final address, linked', async (t) => {
  const { bridge, origin } = pasteSide;
  const context = await newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/account`);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const href = await page.locator('#signin-link').getAttribute('href');
  t.ok(href?.startsWith(`${entra.url}/organizations/oauth2/v2.0/authorize?`));
  const signin = await context.newPage();
  await signin.goto(href ?? '');
  await microsoftSignIn(signin, MARA, { consent: true });
  await signin.waitForURL((u) => u.href.startsWith(NATIVECLIENT));
  const final = nativeclient.at(-1) ?? '';
  t.match(final, /^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/nativeclient\?code=/);
  await page.getByLabel('Address of the blank page').fill(final);
  await page.getByRole('button', { name: 'Link account' }).click();
  await page.getByText(/Linked mara@contoso\.com/).waitFor();
  t.match(bridge.store.oauthGrants.get(MARA.upn), { state: 'linked' });
  await page.getByRole('link', { name: 'Go to your account page' }).click();
  t.equal(await page.locator('#user').textContent(), MARA.upn);
});

t.test('a user of another tenant is refused linking', async (t) => {
  const { bridge, origin } = pasteSide;
  const context = await newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/account`);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const signin = await context.newPage();
  await signin.goto((await page.locator('#signin-link').getAttribute('href')) ?? '');
  await microsoftSignIn(signin, LEE, { consent: true });
  await signin.waitForURL((u) => u.href.startsWith(NATIVECLIENT));
  await page.getByLabel('Address of the blank page').fill(nativeclient.at(-1) ?? '');
  await page.getByRole('button', { name: 'Link account' }).click();
  t.match(await page.getByRole('alert').textContent(), new RegExp(`lee@fabrikam\\.com belongs to tenant ${FABRIKAM.tenantId}, which may not use this bridge\\. Nothing was linked\\.`));
  t.equal(bridge.store.oauthGrants.get(LEE.upn), undefined);
  t.same(bridge.store.oauthGrants.list().map((g) => g.user), [MARA.upn]);
});

t.test('chromium never left loopback', async (t) => {
  t.same(blocked, [], 'no request beyond 127.0.0.1');
  t.equal(nativeclient.length, 2, 'only the intercepted nativeclient redirects');
});
