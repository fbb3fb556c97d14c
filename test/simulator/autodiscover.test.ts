// The simulator's POX Autodiscover endpoint over plain HTTP with hand-written requests (never the
// project's Autodiscover client): authentication like EWS, settings, redirects, errors, per-host
// behaviour chosen by the Host header.

import t from 'tap';
import { request } from 'undici';
import { startSimulator } from '../../src/simulator/index.js';
import { AutodiscoverEndpoint } from '../../src/simulator/autodiscover/endpoint.js';
import { parseXml } from '../../src/simulator/xml/parser.js';
import { DEMO, first, text } from './helpers.js';

const ad = new AutodiscoverEndpoint();
const sim = await startSimulator({ autodiscover: ad });
t.teardown(() => sim.close());

const REQUEST = (email: string): string =>
  '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request>' +
  `<EMailAddress>${email}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;

async function ask(email: string, opts: { host?: string; auth?: string | null; method?: 'POST' | 'GET' } = {}) {
  const res = await request(`${sim.url}/Autodiscover/Autodiscover.xml`, {
    method: opts.method ?? 'POST',
    headers: { host: opts.host ?? 'autodiscover.example.com', 'content-type': 'text/xml', ...(opts.auth === null ? {} : { authorization: opts.auth ?? DEMO }) },
    body: opts.method === 'GET' ? undefined : REQUEST(email),
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, doc: body.startsWith('<?xml') ? parseXml(body) : undefined };
}

t.beforeEach(() => {
  ad.reset();
  sim.control.resetCounters();
});

t.test('settings for a mailbox, after authentication', async (t) => {
  const anonymous = await ask('demo@example.com', { auth: null });
  t.equal(anonymous.status, 401);
  t.match(String(anonymous.headers['www-authenticate']), /^Basic realm=/);

  const r = await ask('demo@example.com');
  t.equal(r.status, 200);
  t.equal(r.doc?.ns, 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
  t.equal(first(r.doc, 'Response')?.ns, 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
  t.equal(text(r.doc, 'Action'), 'settings');
  const protocols = (first(r.doc, 'Account')?.children ?? []).filter((c) => c.local === 'Protocol');
  t.same(protocols.map((p) => [text(p, 'Type'), text(p, 'EwsUrl')]), [
    ['EXCH', 'https://autodiscover.example.com/EWS/Exchange.asmx'],
    ['EXPR', 'https://autodiscover.example.com/EWS/Exchange.asmx'],
  ]);
  t.equal(text(r.doc, 'AutoDiscoverSMTPAddress'), 'demo@example.com');

  const unknown = await ask('nobody@example.com');
  t.equal(text(unknown.doc, 'ErrorCode'), '500');
  t.equal((await ask('demo@example.com', { method: 'GET', auth: null })).status, 403, 'GET is not served');
});

t.test('controls: redirectAddr, redirectUrl, HTTP 302, status per host', async (t) => {
  ad.redirectAddr('demo@example.com', 'demo@contoso.com');
  let r = await ask('demo@example.com');
  t.same([text(r.doc, 'Action'), text(r.doc, 'RedirectAddr')], ['redirectAddr', 'demo@contoso.com']);

  ad.setHost('example.com', { kind: 'redirectUrl', url: 'https://mail.example.com/autodiscover/autodiscover.xml' });
  r = await ask('alex@example.com', { host: 'example.com', auth: 'Basic ' + Buffer.from('alex@example.com:alex').toString('base64') });
  t.same([text(r.doc, 'Action'), text(r.doc, 'RedirectUrl')], ['redirectUrl', 'https://mail.example.com/autodiscover/autodiscover.xml']);

  ad.setHost('autodiscover.example.com', { kind: 'http302', location: 'http://elsewhere.example.com/autodiscover/autodiscover.xml' });
  r = await ask('alex@example.com', { method: 'GET', auth: null });
  t.equal(r.status, 302);
  t.equal(r.headers.location, 'http://elsewhere.example.com/autodiscover/autodiscover.xml');

  ad.setHost('autodiscover.example.com', { kind: 'status', status: 404 });
  t.equal((await ask('alex@example.com')).status, 404);
  t.same(ad.requests().map((q) => [q.host, q.status]), [
    ['autodiscover.example.com', 200],
    ['example.com', 200],
    ['autodiscover.example.com', 302],
    ['autodiscover.example.com', 404],
  ]);
  t.equal(sim.control.counters().byOperation.Autodiscover, 4, 'counted with the EWS requests');
});
