// A real nginx (Debian's) in front of the bridge, running nginx.conf.template, the configuration
// docs/deploy.md shows: TLS, the bridge under /cal/, forwarded headers. Through it, tsdav
// discovers and syncs and an ICS feed is fetched, and every href, Location and URL the bridge
// emits must carry /cal/. Both ways of passing the prefix are run: nginx strips it
// (`proxy_pass http://ewsdav/;`, the template) or forwards it unchanged (`proxy_pass
// http://ewsdav;`, the bridge strips server.publicUrl's path itself). Then the same X-Forwarded-*
// headers sent directly from an address the bridge does not trust must change nothing.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { DAVClient } from 'tsdav';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { validateConfig } from '../../src/config/index.js';
import { makeCertificates, type TestCertificates } from '../support/tls.js';
import { basicAuth, calendarNamed, freePort, requireTool, run, startBridge, tempDir, type InteropBridge } from './support.js';

const TEMPLATE = readFileSync(new URL('./nginx.conf.template', import.meta.url), 'utf8');

const nginx = requireTool('nginx', 'nginx');
const openssl = requireTool('openssl', 'openssl');

// ---------------------------------------------------------------------------------------------
// nginx

interface SiteOptions {
  httpPort: number;
  httpsPort: number;
  certFile: string;
  keyFile: string;
  bridgePort: number;
  /** false: forward /cal/… unchanged (proxy_pass without a URI part). */
  nginxStripsPrefix: boolean;
}

/** The template with the test's ports and files; each replaced line must occur exactly once. */
function renderSite(o: SiteOptions): string {
  let text = TEMPLATE;
  const replace = (from: string, to: string): void => {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`nginx.conf.template: expected "${from}" once, found it ${count} times`);
    text = text.replace(from, to);
  };
  replace('listen 80;', `listen 127.0.0.1:${o.httpPort};`);
  replace('listen 443 ssl;', `listen 127.0.0.1:${o.httpsPort} ssl;`);
  replace('/etc/letsencrypt/live/cal.example.org/fullchain.pem', o.certFile);
  replace('/etc/letsencrypt/live/cal.example.org/privkey.pem', o.keyFile);
  replace('server 127.0.0.1:8080;', `server 127.0.0.1:${o.bridgePort};`);
  if (!o.nginxStripsPrefix) replace('proxy_pass http://ewsdav/;', 'proxy_pass http://ewsdav;');
  return text;
}

/** The main configuration around the site: one process as the current user, everything in `dir`. */
function mainConfig(dir: string, siteFile: string): string {
  return [
    'daemon off;',
    // No master/worker split: no privilege drop to "nobody", so it runs as whoever runs the test.
    'master_process off;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} info;`,
    'events { worker_connections 64; }',
    'http {',
    `    access_log ${join(dir, 'access.log')};`,
    `    client_body_temp_path ${join(dir, 'client_body')};`,
    `    proxy_temp_path ${join(dir, 'proxy')};`,
    `    fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `    uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `    scgi_temp_path ${join(dir, 'scgi')};`,
    `    include ${siteFile};`,
    '}',
    '',
  ].join('\n');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

interface RunningNginx {
  stop(): Promise<void>;
}

async function startNginx(t: Test, dir: string, site: string, port: number): Promise<RunningNginx> {
  const siteFile = join(dir, 'site.conf');
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(siteFile, site);
  writeFileSync(confFile, mainConfig(dir, siteFile));
  // -e: the error log before the configuration is read (the default, /var/log/nginx, may not be writable).
  const args = ['-p', `${dir}/`, '-c', confFile, '-e', join(dir, 'error.log')];
  const check = await run(nginx!, ['-t', ...args]);
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);
  const child: ChildProcess = spawn(nginx!, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const stop = async (): Promise<void> => {
    if (!running) return;
    // Fast shutdown: a graceful one (SIGQUIT) would wait for the test client's idle keep-alive connections.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  t.teardown(stop);
  const until = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (!running || Date.now() > until) {
      await stop();
      throw new Error(`nginx did not start:\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { stop };
}

// ---------------------------------------------------------------------------------------------
// A fetch that trusts the test CA and remembers every answer (for the URL checks)

interface Seen {
  method: string;
  url: string;
  status: number;
  location: string | null;
  contentType: string;
  body: string;
}

function recordingFetch(ca: string, seen: Seen[]): typeof globalThis.fetch {
  const dispatcher = new Agent({ connect: { ca } });
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const res = await undiciFetch(url, { ...(init as unknown as UndiciRequestInit), dispatcher });
    seen.push({
      method: init?.method ?? 'GET', url, status: res.status, location: res.headers.get('location'),
      contentType: res.headers.get('content-type') ?? '', body: await res.clone().text(),
    });
    // undici's Response is the WHATWG Response tsdav expects; only the type declarations differ.
    return res as unknown as Response;
  };
  return wrapped as typeof globalThis.fetch;
}

/** Every href in every XML answer, every Location, every URL naming the public host in other bodies. */
function emittedUrls(seen: Seen[], publicHost: string): { where: string; url: string }[] {
  const out: { where: string; url: string }[] = [];
  for (const s of seen) {
    if (s.location) out.push({ where: `Location of ${s.method} ${s.url}`, url: s.location });
    if (/xml/.test(s.contentType)) {
      for (const m of s.body.matchAll(/<(?:[\w-]+:)?href>([^<]*)<\//g)) out.push({ where: `href in ${s.method} ${s.url}`, url: m[1]! });
    } else {
      const unfolded = s.body.replace(/\r?\n[ \t]/g, '');
      for (const m of unfolded.matchAll(new RegExp(`https?://${publicHost.replace(/[.]/g, '\\.')}[^\\s"<>]*`, 'g'))) out.push({ where: `body of ${s.method} ${s.url}`, url: m[0] });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Scenario {
  name: string;
  nginxStripsPrefix: boolean;
  /** false: the bridge has no server.publicUrl and builds URLs from the trusted X-Forwarded-* headers. */
  publicUrl: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'nginx strips /cal (proxy_pass http://ewsdav/;)', nginxStripsPrefix: true, publicUrl: true },
  { name: 'nginx forwards /cal unchanged (proxy_pass http://ewsdav;), the bridge strips it', nginxStripsPrefix: false, publicUrl: true },
  { name: 'no publicUrl: URLs from the trusted proxy\'s X-Forwarded-Proto/-Host/-Prefix', nginxStripsPrefix: true, publicUrl: false },
];

if (nginx && openssl) {
  t.test('through nginx with TLS under /cal/', async (t) => {
    const certs: TestCertificates = makeCertificates(['localhost']);
    const dir = tempDir(t, 'nginx');
    const certFile = join(dir, 'server.pem');
    const keyFile = join(dir, 'server.key');
    writeFileSync(certFile, certs.cert);
    writeFileSync(keyFile, certs.key, { mode: 0o600 });
    const httpsPort = await freePort();
    const httpPort = await freePort();
    const publicBase = `https://127.0.0.1:${httpsPort}/cal/`;
    const withPublicUrl = await startBridge(t, { publicUrl: publicBase, trustProxy: ['127.0.0.1'] });
    const forwarded = await startBridge(t, { trustProxy: ['127.0.0.1'], sim: withPublicUrl.sim });
    const calendar = calendarNamed(withPublicUrl, 'Calendar');

    for (const scenario of SCENARIOS) {
      await t.test(scenario.name, async (t) => {
        const b = scenario.publicUrl ? withPublicUrl : forwarded;
        const site = renderSite({ httpPort, httpsPort, certFile, keyFile, bridgePort: b.port, nginxStripsPrefix: scenario.nginxStripsPrefix });
        const proxy = await startNginx(t, tempDir(t, 'nginx-run'), site, httpsPort);
        b.requests.length = 0;
        const seen: Seen[] = [];
        const fetch = recordingFetch(certs.ca, seen);
        await throughProxy(t, b, { fetch, publicBase, httpPort, calendarId: calendar.id });
        t.equal(calendarNamed(b, 'Calendar').id, calendar.id, 'calendar ids are the same for both bridges (derived from the folder id)');

        const urls = emittedUrls(seen, `127.0.0.1:${httpsPort}`);
        t.ok(urls.length > 20, `the bridge emitted URLs (${urls.length})`);
        const outside = urls.filter(({ url }) => !(url.startsWith('/cal/') || url.startsWith(publicBase)) && !url.startsWith('https://127.0.0.1/cal/'));
        t.same(outside, [], 'every href, Location and URL the bridge emitted carries /cal/');
        t.same(urls.filter(({ url }) => url.includes(`:${b.port}`)), [], 'none names the bridge\'s own address');

        // What reached the bridge: from nginx on loopback, with the forwarded headers.
        const proxied = b.requests.filter((r) => r.headers['x-request-id'] !== undefined);
        t.ok(proxied.length > 5, 'requests reached the bridge through nginx');
        t.ok(proxied.every((r) => r.headers['x-forwarded-proto'] === 'https' && r.headers['x-forwarded-prefix'] === '/cal' && r.headers['x-forwarded-host'] === `127.0.0.1:${httpsPort}` && r.headers['x-forwarded-for'] === '127.0.0.1'), 'with X-Forwarded-Proto/-Host/-Prefix/-For');
        const davPaths = proxied.filter((r) => (r.method === 'PROPFIND' || r.method === 'REPORT') && !r.url.startsWith('/.well-known/')).map((r) => r.url);
        t.ok(davPaths.some((p) => p.includes('dav/calendars/')), 'DAV requests reached the bridge');
        if (scenario.nginxStripsPrefix) t.same(davPaths.filter((p) => p.startsWith('/cal')), [], 'the bridge received paths without /cal');
        else t.same(davPaths.filter((p) => !p.startsWith('/cal/')), [], 'the bridge received paths with /cal/ and stripped it itself');
        await proxy.stop();
      });
    }
  });

  t.test('forwarded headers from an address the bridge does not trust change nothing', async (t) => {
    const b = await startBridge(t, { trustProxy: ['10.1.2.3'] });
    await forgedHeaders(t, b, { trusted: false });
  });

  t.test('the same headers from a trusted proxy (no publicUrl) build the public URLs', async (t) => {
    const b = await startBridge(t, { trustProxy: ['127.0.0.1'] });
    await forgedHeaders(t, b, { trusted: true });
  });
}

// Needs no tool: the documented configuration is the tested one.
t.test('docs/deploy.md shows nginx.conf.template unchanged', async (t) => {
  const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
  const block = /<!-- nginx\.conf\.template -->\s*```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  t.ok(block, 'docs/deploy.md has the marked nginx block');
  t.equal(block, TEMPLATE, 'identical to test/interop/nginx.conf.template');

  // The ewsdav configuration shown next to it is valid and matches the proxy.
  const json = /<!-- ewsdav config -->\s*```json\n([\s\S]*?)```/.exec(doc)?.[1];
  t.ok(json, 'docs/deploy.md has the marked ewsdav configuration');
  const config = validateConfig(JSON.parse(json ?? '{}'));
  t.equal(new URL(config.server.publicUrl ?? '').pathname, '/cal/', 'publicUrl has the /cal/ prefix nginx serves');
  t.match(TEMPLATE, `X-Forwarded-Prefix ${new URL(config.server.publicUrl ?? '').pathname.slice(0, -1)};`, 'the same prefix nginx forwards');
  t.match(TEMPLATE, `server ${config.server.host}:${config.server.port};`, 'nginx proxies to server.host:server.port');
  t.same(config.server.trustProxy, ['127.0.0.1'], 'the proxy on the same host is trusted');
});

async function throughProxy(t: Test, b: InteropBridge, o: { fetch: typeof globalThis.fetch; publicBase: string; httpPort: number; calendarId: string }): Promise<void> {
  const { fetch, publicBase } = o;
  const origin = new URL(publicBase).origin;
  const auth = { Authorization: basicAuth(b.user, b.password) };

  // Discovery the way apps start: the bare server URL (tsdav tries /.well-known/caldav first).
  const client = new DAVClient({ serverUrl: publicBase, credentials: { username: b.user, password: b.password }, authMethod: 'Basic', defaultAccountType: 'caldav', fetch });
  await client.login();
  t.equal(client.account?.principalUrl, `${publicBase}dav/principals/${encodeURIComponent(b.user)}/`, 'tsdav: principal under /cal/');
  t.equal(client.account?.homeUrl, `${publicBase}dav/calendars/${encodeURIComponent(b.user)}/`, 'tsdav: calendar home under /cal/');
  const calendars = await client.fetchCalendars();
  t.same(calendars.map((c) => c.displayName).sort(), b.calendars.map((c) => c.displayName).sort(), 'tsdav: every calendar');
  const cal = calendars.find((c) => c.url.includes(o.calendarId));
  if (!cal) throw new Error('Calendar not found through the proxy');
  t.ok(cal.url.startsWith(`${publicBase}dav/`), 'calendar URL under /cal/');
  const objects = await client.fetchCalendarObjects({ calendar: cal });
  t.equal(objects.length, (await b.bridge.store.listObjects(b.user, o.calendarId)).length, 'every object of the calendar');

  // The well-known redirect at the host root, as nginx passes it.
  const wellKnown = await fetch(`${origin}/.well-known/caldav`, { redirect: 'manual' });
  t.equal(wellKnown.status, 301, '/.well-known/caldav redirects');
  t.equal(wellKnown.headers.get('location'), '/cal/dav/', 'to /cal/dav/');

  // sync-collection: the initial token, one change in Exchange, then exactly that href.
  const initial = await client.syncCollection({ url: cal.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: '' });
  const token = (initial[0]?.raw as { multistatus?: { syncToken?: string } } | undefined)?.multistatus?.syncToken;
  t.ok(token, 'sync-collection: a token');
  const key = `nginx-${o.httpPort}-${Math.random().toString(36).slice(2, 8)}`;
  const added = b.sim.control.addItem(b.user, { key, subject: 'Added behind nginx', start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z' });
  await b.sync();
  const delta = await client.syncCollection({ url: cal.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token ?? '' });
  const hrefs = delta.map((r) => r.href).filter((h): h is string => typeof h === 'string' && h.endsWith('.ics'));
  const uid = b.sim.control.items(b.user).find((i) => i.key === added.key)?.uid ?? '';
  t.equal(hrefs.length, 1, 'sync-collection: exactly one change');
  t.ok(hrefs[0]?.startsWith(`/cal/dav/calendars/`) && hrefs[0].includes(uid), 'the added event, under /cal/');
  b.sim.control.deleteItem(b.user, added.key);
  await b.sync();

  // The ICS feed with Basic auth: its SOURCE names the public URL.
  const icsUrl = `${publicBase}ics/${encodeURIComponent(b.user)}/${o.calendarId}.ics`;
  const ics = await fetch(icsUrl, { headers: auth });
  t.equal(ics.status, 200, 'ICS feed through nginx');
  const body = (await ics.text()).replace(/\r?\n[ \t]/g, '');
  t.match(body, new RegExp(`^SOURCE;VALUE=URI:${escapeRegExp(publicBase)}ics/`, 'm'), 'SOURCE carries the public base with /cal/');

  // Operations endpoints through the proxy, metrics kept private.
  t.equal((await fetch(`${publicBase}healthz`)).status, 200, '/cal/healthz reaches the bridge');
  t.equal((await fetch(`${publicBase}readyz`)).status, 200, '/cal/readyz: ready');
  t.equal((await fetch(`${publicBase}metrics`)).status, 404, '/cal/metrics is not published by nginx');
  t.equal((await globalThis.fetch(`${b.origin}/metrics`)).status, 200, 'the scraper reads /metrics on the bridge address');

  const bare = await fetch(`${origin}/cal`, { redirect: 'manual' });
  t.equal(bare.headers.get('location'), `${publicBase}`, '/cal redirects to /cal/ (nginx makes it absolute)');
  const plain = await globalThis.fetch(`http://127.0.0.1:${o.httpPort}/cal/dav/`, { redirect: 'manual' });
  t.equal(plain.status, 301, 'plain http redirects to https');
  t.equal(plain.headers.get('location'), 'https://127.0.0.1/cal/dav/', 'same path on https');

  // A request without credentials gets the bridge's Basic challenge through the proxy.
  const anonymous = await fetch(`${publicBase}dav/`, { method: 'PROPFIND', headers: { Depth: '0' } });
  t.equal(anonymous.status, 401, 'unauthenticated PROPFIND: 401');
  t.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/, 'with a Basic challenge');
}

/** Forged X-Forwarded-* sent straight to the bridge from 127.0.0.1. */
async function forgedHeaders(t: Test, b: InteropBridge, o: { trusted: boolean }): Promise<void> {
  const forged = { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Prefix': '/cal', 'X-Forwarded-For': '203.0.113.9' };
  const auth = { Authorization: basicAuth(b.user, b.password) };
  const calendar = calendarNamed(b, 'Calendar');
  const prefix = o.trusted ? '/cal/' : '/';
  const origin = o.trusted ? 'https://evil.example' : b.origin;

  const root = await globalThis.fetch(`${b.origin}/`, {
    method: 'PROPFIND', headers: { ...forged, ...auth, Depth: '0', 'Content-Type': 'application/xml' },
    body: '<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>',
  });
  const text = await root.text();
  t.equal(root.status, 207, 'PROPFIND on the root');
  const hrefs = [...text.matchAll(/<(?:[\w-]+:)?href>([^<]*)<\//g)].map((m) => m[1]);
  t.same(hrefs, ['/', `${prefix}dav/principals/${encodeURIComponent(b.user)}/`].map((h) => (h === '/' ? prefix : h)), `hrefs ${o.trusted ? 'carry the forwarded prefix' : 'ignore the forwarded prefix'}`);

  const wellKnown = await globalThis.fetch(`${b.origin}/.well-known/caldav`, { headers: forged, redirect: 'manual' });
  t.equal(wellKnown.headers.get('location'), `${prefix}dav/`, `well-known Location ${o.trusted ? 'with' : 'without'} the prefix`);

  const ics = await globalThis.fetch(`${b.origin}/ics/${encodeURIComponent(b.user)}/${calendar.id}.ics`, { headers: { ...forged, ...auth } });
  const body = (await ics.text()).replace(/\r?\n[ \t]/g, '');
  t.match(body, new RegExp(`^SOURCE;VALUE=URI:${escapeRegExp(`${origin}${prefix}ics/`)}`, 'm'), `ICS SOURCE built from ${o.trusted ? 'the forwarded host, scheme and prefix' : 'the request itself'}`);

  if (!o.trusted) {
    const prefixed = await globalThis.fetch(`${b.origin}/cal/dav/`, { method: 'PROPFIND', headers: { ...forged, ...auth, Depth: '0' } });
    t.equal(prefixed.status, 404, 'a forged prefix does not make /cal/dav/ routable');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
