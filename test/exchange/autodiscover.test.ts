// Autodiscover (src/exchange/autodiscover.ts) against the simulator's POX endpoint over loopback.
// Host names (example.com, autodiscover.example.com, …) resolve to 127.0.0.1 through the
// dispatcher's connector: https goes to a TLS terminator in front of the simulator, with a
// certificate made by the openssl CLI for this run; http goes to the simulator directly. Product
// code has no test switches. Assertions are on transcripts and the simulator's request log.

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { startSimulator } from '../../src/simulator/index.js';
import { AutodiscoverEndpoint } from '../../src/simulator/autodiscover/endpoint.js';
import { NtlmServer, ntlmAuth } from '../../src/simulator/ntlm/index.js';
import { AutodiscoverCache, autodiscover, type AutodiscoverOptions } from '../../src/exchange/autodiscover.js';
import { EwsTransport } from '../../src/exchange/call.js';
import { getFolder } from '../../src/exchange/operations/get-folder.js';
import { failFast } from '../../src/upstream/retry.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import { NtlmAuth } from '../../src/auth/upstream/ntlm.js';
import { EwsdavError } from '../../src/errors.js';

const HOSTS = ['example.com', 'autodiscover.example.com', 'mail.example.com', 'contoso.com', 'autodiscover.contoso.com'];

// --- a certificate for the fake host names, from the openssl CLI ----------------------------
const dir = mkdtempSync(join(tmpdir(), 'ewsdav-ad-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
  '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=ewsdav autodiscover test',
  '-addext', `subjectAltName=${HOSTS.map((h) => `DNS:${h}`).join(',')}`,
], { stdio: 'ignore' });
const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
const key = readFileSync(join(dir, 'key.pem'), 'utf8');

// --- simulator + TLS terminator ----------------------------------------------------------------
const ad = new AutodiscoverEndpoint();
// Extended Protection on: the simulator demands the TLS channel binding of this certificate
// (RFC 5929 tls-server-end-point with SHA-256 for an ECDSA-SHA256 certificate, wrapped in a
// gss_channel_bindings_struct and hashed with MD5, MS-NLMP §2.2.2.1), computed here by hand.
const appData = Buffer.concat([Buffer.from('tls-server-end-point:'), createHash('sha256').update(new X509Certificate(cert).raw).digest()]);
const bindingsHead = Buffer.alloc(20);
bindingsHead.writeUInt32LE(appData.length, 16);
const ntlmServer = new NtlmServer({ channelBindings: createHash('md5').update(bindingsHead).update(appData).digest() });
const sim = await startSimulator({ autodiscover: ad, auth: ntlmAuth(ntlmServer, 'all') });
t.teardown(() => sim.close());
const simPort = Number(new URL(sim.url).port);
const tls = createTlsServer({ key, cert }, (down) => {
  const up = netConnect(simPort, '127.0.0.1');
  down.pipe(up).pipe(down);
  const end = (): void => {
    down.destroy();
    up.destroy();
  };
  down.on('error', end).on('close', end);
  up.on('error', end).on('close', end);
});
await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
t.teardown(() => new Promise<void>((r) => tls.close(() => r())));
const tlsPort = (tls.address() as AddressInfo).port;

/** "https:host" entries that refuse connections, as a host without that service would. */
const refused = new Set<string>();

function dispatcher(trust = true): Dispatcher {
  const tlsConnect = buildConnector({
    ...(trust ? { ca: cert } : {}),
    lookup: (_host, opts, cb) => ((opts as { all?: boolean }).all ? cb(null, [{ address: '127.0.0.1', family: 4 }] as never, 4) : cb(null, '127.0.0.1', 4)),
  });
  const d = new Agent({
    connect: (opts, cb) => {
      const port = refused.has(`${opts.protocol}${opts.hostname}`) ? '1' : opts.protocol === 'https:' ? String(tlsPort) : String(simPort);
      tlsConnect({ ...opts, port }, cb);
    },
  });
  t.teardown(() => d.close());
  return d;
}

const demo = new BasicAuth({ username: 'demo@example.com', password: 'demo' });
const noSrv = async (): Promise<never> => {
  throw Object.assign(new Error('queryNotFound'), { code: 'ENOTFOUND' });
};

function run(email: string, extra: Partial<AutodiscoverOptions> = {}) {
  return autodiscover({ email, auth: demo, dispatcher: dispatcher(), resolveSrv: noSrv, cache: null, ...extra });
}

async function failure(p: Promise<unknown>): Promise<EwsdavError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EwsdavError) return err;
    throw err;
  }
  throw new Error('expected Autodiscover to fail');
}

t.beforeEach(() => {
  ad.reset();
  refused.clear();
  sim.control.resetCounters();
});

t.test('finds the EWS URL from the address, and it works', async (t) => {
  const cache = new AutodiscoverCache();
  const d = dispatcher();
  const r = await autodiscover({ email: 'demo@example.com', auth: demo, dispatcher: d, resolveSrv: noSrv, cache });
  t.equal(r.ewsUrl, 'https://example.com/EWS/Exchange.asmx');
  t.equal(r.protocol, 'EXPR', 'EXPR preferred over EXCH');
  t.equal(r.cached, false);
  t.same(r.steps.map((s) => [s.method, s.url, s.status]), [['POST', 'https://example.com/autodiscover/autodiscover.xml', 200]]);
  t.match(r.steps[0]!.result, /settings: EwsUrl https:\/\/example\.com\/EWS\/Exchange\.asmx/);

  const again = await autodiscover({ email: 'alex@example.com', auth: demo, dispatcher: d, resolveSrv: noSrv, cache });
  t.equal(again.cached, true, 'cached per domain');
  t.equal(ad.requests().length, 1, 'no second request');

  const tr = new EwsTransport({ url: r.ewsUrl, dispatcher: d, retry: failFast });
  const res = await tr.call(getFolder, { folders: [{ distinguished: 'calendar' }] }, { auth: demo, mailbox: 'demo@example.com' });
  t.ok(res.folders[0]!.ok, 'GetFolder over the discovered https URL');
});

t.test('second candidate, HTTP 302 on POST, redirectUrl, redirectAddr', async (t) => {
  ad.setHost('example.com', { kind: 'status', status: 404 });
  let r = await run('demo@example.com');
  t.equal(r.ewsUrl, 'https://autodiscover.example.com/EWS/Exchange.asmx');
  t.same(r.steps.map((s) => s.status), [404, 200]);

  ad.setHost('autodiscover.example.com', { kind: 'http302', location: 'https://mail.example.com/autodiscover/autodiscover.xml' });
  r = await run('demo@example.com');
  t.equal(r.ewsUrl, 'https://mail.example.com/EWS/Exchange.asmx', '302 to https followed with credentials');

  ad.reset();
  ad.setHost('example.com', { kind: 'redirectUrl', url: 'https://mail.example.com/autodiscover/autodiscover.xml' });
  ad.setEwsUrl('https://mail.example.com/EWS/Exchange.asmx');
  r = await run('demo@example.com');
  t.equal(r.ewsUrl, 'https://mail.example.com/EWS/Exchange.asmx');
  t.match(r.steps[0]!.result, /redirectUrl → https:\/\/mail\.example\.com/);

  ad.reset();
  ad.redirectAddr('mara@contoso.com', 'demo@example.com');
  r = await run('mara@contoso.com');
  t.equal(r.email, 'demo@example.com', 'redirectAddr followed');
  t.same(r.steps.map((s) => [s.url, s.email]), [
    ['https://contoso.com/autodiscover/autodiscover.xml', 'mara@contoso.com'],
    ['https://example.com/autodiscover/autodiscover.xml', 'demo@example.com'],
  ]);
});

t.test('the http GET probe: https target taken, http target refused', async (t) => {
  ad.setHost('example.com', { kind: 'status', status: 404 });
  refused.add('https:autodiscover.example.com');
  ad.setHost('autodiscover.example.com', { kind: 'http302', location: 'https://mail.example.com/autodiscover/autodiscover.xml' });
  const r = await run('demo@example.com');
  t.equal(r.ewsUrl, 'https://mail.example.com/EWS/Exchange.asmx');
  t.same(r.steps.map((s) => s.method), ['POST', 'POST', 'GET', 'POST']);
  t.match(r.steps[1]!.result, /refused/);

  ad.setHost('autodiscover.example.com', { kind: 'http302', location: 'http://mail.example.com/autodiscover/autodiscover.xml' });
  const mark = ad.requests().length;
  const err = await failure(run('demo@example.com'));
  t.equal(err.code, 'EWSDAV_ERR_UPSTREAM_RESPONSE');
  t.match(err.message, /redirect to http:\/\/mail\.example\.com\/autodiscover\/autodiscover\.xml is not https/);
  t.notOk(ad.requests().slice(mark).some((q) => q.host === 'mail.example.com'), 'nothing sent to the http target');
});

t.test('redirectUrl to http and redirect loops are refused', async (t) => {
  ad.setHost('example.com', { kind: 'redirectUrl', url: 'http://mail.example.com/autodiscover/autodiscover.xml' });
  ad.setHost('autodiscover.example.com', { kind: 'status', status: 404 });
  let err = await failure(run('demo@example.com'));
  t.match(err.message, /Autodiscover found no EWS URL for demo@example\.com/);
  t.match(err.message, /redirect to http:\/\/mail\.example\.com\/autodiscover\/autodiscover\.xml is not https/);
  t.match(err.message, /SRV _autodiscover\._tcp\.example\.com: no SRV record/);
  t.match(err.hint, /exchange\.url/);
  t.notOk(ad.requests().some((q) => q.host === 'mail.example.com'), 'credentials never went to the http URL');

  ad.setHost('example.com', { kind: 'redirectUrl', url: 'https://autodiscover.example.com/autodiscover/autodiscover.xml' });
  ad.setHost('autodiscover.example.com', { kind: 'redirectUrl', url: 'https://example.com/autodiscover/autodiscover.xml' });
  const mark = ad.requests().length;
  err = await failure(run('demo@example.com'));
  t.equal(err.code, 'EWSDAV_ERR_UPSTREAM_RESPONSE');
  t.match(err.message, /went in a loop: https:\/\/example\.com\/autodiscover\/autodiscover\.xml was asked twice/);
  t.equal(ad.requests().length - mark, 2, 'stopped at the first repeat');

  ad.reset();
  ad.redirectAddr('demo@example.com', 'mara@contoso.com').redirectAddr('mara@contoso.com', 'demo@example.com');
  err = await failure(run('demo@example.com'));
  t.match(err.message, /redirectAddr led back to demo@example\.com/);

  ad.reset();
  ad.setHost('example.com', { kind: 'redirectUrl', url: 'https://mail.example.com/autodiscover/autodiscover.xml' });
  ad.setHost('mail.example.com', { kind: 'redirectUrl', url: 'https://autodiscover.example.com/autodiscover/autodiscover.xml' });
  err = await failure(run('demo@example.com', { maxRedirects: 1 }));
  t.match(err.message, /gave up after 1 redirects/);
});

t.test('DNS SRV is the last resort', async (t) => {
  ad.setHost('example.com', { kind: 'status', status: 404 });
  ad.setHost('autodiscover.example.com', { kind: 'status', status: 404 });
  const asked: string[] = [];
  const r = await run('demo@example.com', {
    resolveSrv: async (name) => {
      asked.push(name);
      return [
        { name: 'backup.example.com', port: 443, priority: 10, weight: 0 },
        { name: 'mail.example.com.', port: 443, priority: 0, weight: 5 },
      ];
    },
  });
  t.same(asked, ['_autodiscover._tcp.example.com']);
  t.equal(r.ewsUrl, 'https://mail.example.com/EWS/Exchange.asmx', 'lowest priority first');
  t.same(r.steps.map((s) => s.method), ['POST', 'POST', 'GET', 'SRV', 'POST']);
});

t.test('credentials: NTLM works, a wrong password and an untrusted certificate are reported', async (t) => {
  const ntlm = new NtlmAuth({ username: 'EXAMPLE\\demo', password: 'demo' });
  t.teardown(() => ntlm.close());
  const before = ntlmServer.stats().handshakes;
  const r = await run('demo@example.com', { auth: ntlm });
  t.equal(r.ewsUrl, 'https://example.com/EWS/Exchange.asmx');
  t.equal(ntlmServer.stats().handshakes - before, 1, 'one NTLM handshake');
  t.equal(ntlmServer.stats().failures, 0, 'with the right TLS channel binding');

  const bad = new BasicAuth({ username: 'demo@example.com', password: 'wrong-Pa55' });
  const err = await failure(run('demo@example.com', { auth: bad }));
  t.equal(err.code, 'EWSDAV_ERR_UPSTREAM_AUTH');
  t.match(err.message, /HTTP 401: credentials rejected \(offers Negotiate, NTLM, Basic\)/);
  t.notMatch(JSON.stringify({ m: err.message, d: err.details }), /wrong-Pa55/, 'no password in the error');

  const mark = ad.requests().length;
  const untrusted = await failure(autodiscover({ email: 'demo@example.com', auth: demo, dispatcher: dispatcher(false), resolveSrv: noSrv, cache: null }));
  t.match(untrusted.message, /TLS certificate/);
  t.equal(ad.requests().slice(mark).filter((q) => q.method === 'POST').length, 0, 'no credentials to an unverified server');
});
