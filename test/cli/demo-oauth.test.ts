// `ewsdav demo --oauth` as a user runs it: a child process prints the account page, the demo
// Microsoft 365 user with password and one-time code, and the fake authority's CA file. The test
// signs in like a browser would (account page → fake authority's POST /test/authorize hook with
// the printed credentials → the bridge's /oauth/callback), creates a device password, logs in to
// CalDAV with it, and stops the demo with SIGTERM (exit 0).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Agent, fetch as undiciFetch } from 'undici';

const data = join(mkdtempSync(join(tmpdir(), 'ewsdav-demo-oauth-')), 'data');
const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--oauth', '--port', '0', '--data', data], {
  cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
let err = '';
child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
t.teardown(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

async function printed(): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (!/Exchange simulator/.test(out)) {
    if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) throw new Error(`no banner in time: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

const field = (text: string, label: string): string => {
  const value = new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(text)?.[1];
  if (value === undefined) throw new Error(`"${label}" not printed:\n${text}`);
  return value;
};
const cookieOf = (res: Response): string => /^(ewsdav_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
const csrfOf = (body: string): string => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const formPost = (url: string, cookie: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

t.test('prints the sign-in data, links through the fake authority, CalDAV with a device password', async (t) => {
  const text = await printed();
  const accountUrl = field(text, 'Account page');
  const user = field(text, 'User name');
  const password = field(text, 'Password');
  const otp = field(text, 'OTP code');
  const caPath = /^\s+(\/\S+ca\.pem)$/m.exec(text)?.[1] ?? '';
  const server = field(text, 'Server');
  t.match(accountUrl, /^http:\/\/127\.0\.0\.1:\d+\/account$/);
  t.equal(user, 'demo@example.com', 'the fake user is the demo mailbox');
  t.match(text, /local test certificate/);
  t.match(text, /Create device password/);
  t.ok(caPath, 'CA file printed');
  const authority = new Agent({ connect: { ca: readFileSync(caPath, 'utf8') } });
  t.teardown(() => authority.close());

  const page = await fetch(accountUrl);
  t.equal(page.status, 200);
  const body = await page.text();
  t.match(body, /Sign in with Microsoft/);
  const cookie = cookieOf(page);
  const csrf = csrfOf(body);

  const signin = await formPost(new URL('/account/signin', accountUrl).href, cookie, { csrf });
  t.equal(signin.status, 303);
  const authorizeUrl = signin.headers.get('location') ?? '';
  t.match(authorizeUrl, /^https:\/\/127\.0\.0\.1:\d+\/8eaef023-2b34-4da1-9baa-8bc8c9d6a490\/oauth2\/v2\.0\/authorize\?/);

  // The printed credentials (password + one-time code) are accepted by the fake directory.
  const hook = (extra: Record<string, string>) => undiciFetch(new URL('/test/authorize', authorizeUrl).href, {
    method: 'POST', dispatcher: authority, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ authorizeUrl, username: user, password, consent: 'accept', ...extra }),
  });
  const authorized = await hook({ otp });
  const answer = (await authorized.json()) as { redirectUrl?: string };
  t.equal(authorized.status, 200);
  const redirectUrl = answer.redirectUrl ?? '';
  t.match(redirectUrl, new RegExp(`^${new URL('/oauth/callback', accountUrl).href.replace(/[.?]/g, '\\$&')}\\?code=`));

  const callback = await fetch(redirectUrl, { headers: { cookie }, redirect: 'manual' });
  const linkedBody = await callback.text();
  t.equal(callback.status, 200, linkedBody.slice(0, 500));
  t.match(linkedBody, /Linked demo@example\.com/);
  const signedIn = cookieOf(callback);
  t.ok(signedIn, 'a new session after sign-in');
  const account = await (await fetch(accountUrl, { headers: { cookie: signedIn } })).text();
  t.match(account, /Signed in as <strong id="user">demo@example\.com<\/strong>/);

  const created = await formPost(new URL('/account/device-passwords', accountUrl).href, signedIn, { csrf: csrfOf(account), name: 'test' });
  const createdBody = await created.text();
  t.equal(created.status, 200, createdBody.slice(0, 300));
  const devicePassword = /id="device-password">([a-z2-9-]+)</.exec(createdBody)?.[1] ?? '';
  t.match(devicePassword, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/, 'device password shown');

  const propfind = (pw: string) => fetch(new URL(`dav/calendars/${encodeURIComponent(user)}/`, server), {
    method: 'PROPFIND', headers: { depth: '1', authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`, 'content-type': 'application/xml' },
    body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>',
  });
  // The link starts the first sync; wait until the demo mailbox's calendars are there.
  let davStatus = 0;
  let davBody = '';
  for (let i = 0; i < 100 && !/<d:displayname>[^<]+<\/d:displayname>/i.test(davBody); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    const dav = await propfind(devicePassword);
    davStatus = dav.status;
    davBody = await dav.text();
  }
  t.equal(davStatus, 207, davBody.slice(0, 300));
  t.match(davBody, /displayname>Calendar</i, 'the demo mailbox calendars over Bearer-only EWS');
  t.equal((await propfind(password)).status, 401, 'the Microsoft password is no CalDAV password');
});

t.test('SIGTERM stops the demo with exit 0', async (t) => {
  child.kill('SIGTERM');
  t.equal(await exited, 0, err);
});
