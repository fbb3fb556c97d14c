// The transport against small node:http servers on 127.0.0.1, for what the simulator does not
// model: exact request headers, gzip, the per-mailbox concurrency cap, the auth-provider hooks
// (refresh-once, impersonation, a wrapped dispatcher), TLS failures, redirects, logging hygiene.

import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Dispatcher } from 'undici';
import { EwsTransport, type EwsTransportOptions } from '../../src/exchange/call.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import type { UpstreamAuth } from '../../src/auth/upstream/types.js';
import { getFolder } from '../../src/exchange/operations/get-folder.js';
import { failFast } from '../../src/upstream/retry.js';
import { EwsdavError } from '../../src/errors.js';
import { fixture } from './helpers.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => unknown;

async function serve(handler: Handler): Promise<{ url: string; requests: { headers: IncomingMessage['headers']; body: string }[] }> {
  const requests: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ headers: req.headers, body });
    await handler(req, body, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/EWS/Exchange.asmx`, requests };
}

const CALENDAR = fixture('get-folder/calendar.xml');
const auth = new BasicAuth({ username: 'mara@contoso.com', password: 's3cret-Pa55' });
const call = { auth, mailbox: 'mara@contoso.com' };
const calendarArgs = { folders: [{ distinguished: 'calendar' as const }] };

function transport(url: string, options: Partial<EwsTransportOptions> = {}): EwsTransport {
  const tr = new EwsTransport({ url, retry: failFast, sleep: async () => undefined, ...options });
  t.teardown(() => tr.close());
  return tr;
}

const xml = (res: ServerResponse, body: string | Buffer, status = 200, extra: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...extra }).end(body);

t.test('request headers, preemptive Basic, gzip', async (t) => {
  const srv = await serve((_req, _body, res) => xml(res, gzipSync(CALENDAR), 200, { 'content-encoding': 'gzip' }));
  const res = await transport(srv.url, { serverVersion: 'Exchange2013_SP1', timeZoneContext: 'W. Europe Standard Time' }).call(getFolder, calendarArgs, call);
  t.ok(res.folders[0]!.ok, 'gzip body parsed');
  t.equal(srv.requests.length, 1);
  const { headers, body } = srv.requests[0]!;
  t.equal(headers.authorization, `Basic ${Buffer.from('mara@contoso.com:s3cret-Pa55').toString('base64')}`, 'sent with the first request');
  t.equal(headers['content-type'], 'text/xml; charset=utf-8');
  t.equal(headers['accept-encoding'], 'gzip');
  t.equal(headers['x-anchormailbox'], 'mara@contoso.com');
  t.match(headers['user-agent'], /^ewsdav\//);
  t.match(body, /<t:RequestServerVersion Version="Exchange2013_SP1"\/>/);
  t.match(body, /<t:TimeZoneContext><t:TimeZoneDefinition Id="W. Europe Standard Time"\/><\/t:TimeZoneContext>/);
  t.notMatch(body, /ExchangeImpersonation/);
});

t.test('at most N calls in flight per mailbox', async (t) => {
  let inFlight = 0;
  let max = 0;
  const perMailbox = new Map<string, number>();
  let maxPerMailbox = 0;
  // Requests are held until a mailbox has 3 in flight (or its last one arrived), so reaching the
  // cap does not depend on timing on a loaded machine; the timeout only stops a broken cap hanging.
  const held = new Map<string, (() => void)[]>();
  const seen = new Map<string, number>();
  const srv = await serve(async (req, _body, res) => {
    const mb = String(req.headers['x-anchormailbox']);
    inFlight++;
    perMailbox.set(mb, (perMailbox.get(mb) ?? 0) + 1);
    seen.set(mb, (seen.get(mb) ?? 0) + 1);
    max = Math.max(max, inFlight);
    maxPerMailbox = Math.max(maxPerMailbox, perMailbox.get(mb)!);
    await new Promise<void>((release) => {
      const list = held.get(mb) ?? [];
      list.push(release);
      held.set(mb, list);
      if (perMailbox.get(mb)! >= 3 || seen.get(mb) === 10) {
        held.set(mb, []);
        for (const r of list) r();
      } else setTimeout(release, 5000);
    });
    inFlight--;
    perMailbox.set(mb, perMailbox.get(mb)! - 1);
    xml(res, CALENDAR);
  });
  const tr = transport(srv.url, { maxConcurrencyPerMailbox: 3 });
  await Promise.all([
    ...Array.from({ length: 10 }, () => tr.call(getFolder, calendarArgs, call)),
    ...Array.from({ length: 10 }, () => tr.call(getFolder, calendarArgs, { ...call, mailbox: 'jonas@contoso.com' })),
  ]);
  t.equal(srv.requests.length, 20);
  t.equal(maxPerMailbox, 3, 'the cap is reached and never exceeded');
  t.ok(max > 3, 'mailboxes do not share a cap');
});

t.test('an OAuth-style provider refreshes once on 401; never twice', async (t) => {
  let good = 'token-2';
  const srv = await serve((req, _body, res) => {
    if (req.headers.authorization === `Bearer ${good}`) return xml(res, CALENDAR);
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
  });
  const refreshes: number[] = [];
  let token = 'token-1';
  const oauth: UpstreamAuth = {
    scheme: 'oauth',
    describe: () => 'oauth:mara@contoso.com',
    authorize: async () => ({ headers: { authorization: `Bearer ${token}` } }),
    onUnauthorized: async (ctx, info) => {
      refreshes.push(ctx.attempt);
      t.same(info.offeredSchemes, ['Bearer']);
      token = token === 'token-1' ? 'token-2' : 'token-3';
      return 'retry';
    },
  };
  const tr = transport(srv.url);
  await tr.call(getFolder, calendarArgs, { auth: oauth, mailbox: 'mara@contoso.com' });
  t.equal(srv.requests.length, 2, 'one refresh, one retry');
  t.same(refreshes, [1]);
  good = 'never';
  const err = await tr.call(getFolder, calendarArgs, { auth: oauth, mailbox: 'mara@contoso.com' }).catch((e: unknown) => e);
  t.ok(err instanceof EwsdavError && err.code === 'EWSDAV_ERR_UPSTREAM_AUTH');
  t.equal(srv.requests.length, 4, 'the retried request failed too: no loop');
  t.match((err as EwsdavError).hint, /re-link/);
});

t.test('app-only provider: ExchangeImpersonation and X-AnchorMailbox of the target', async (t) => {
  const srv = await serve((_req, _body, res) => xml(res, CALENDAR));
  const app: UpstreamAuth = {
    scheme: 'oauth-app',
    describe: () => 'app:00000000-0000-0000-0000-000000000001',
    authorize: (ctx) => ({ headers: { authorization: 'Bearer app-token' }, impersonate: { primarySmtpAddress: ctx.mailbox } }),
  };
  await transport(srv.url).call(getFolder, calendarArgs, { auth: app, mailbox: 'boss@contoso.com' });
  const { headers, body } = srv.requests[0]!;
  t.equal(headers['x-anchormailbox'], 'boss@contoso.com');
  t.match(body, /<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>boss@contoso.com<\/t:PrimarySmtpAddress><\/t:ConnectingSID><\/t:ExchangeImpersonation>/);
});

t.test('a connection-bound provider wraps the dispatcher once', async (t) => {
  const srv = await serve((_req, _body, res) => xml(res, CALENDAR));
  let wraps = 0;
  let dispatches = 0;
  const ntlmLike: UpstreamAuth = {
    scheme: 'ntlm',
    describe: () => 'ntlm:CONTOSO\\mara',
    authorize: () => ({ headers: {} }),
    wrapDispatcher(base: Dispatcher): Dispatcher {
      wraps++;
      return base.compose((dispatch) => (opts, handler) => {
        dispatches++;
        return dispatch({ ...opts, headers: { ...(opts.headers as Record<string, string>), authorization: 'NTLM TlRMTVNTUAADAAAA' } }, handler);
      });
    },
  };
  const tr = transport(srv.url);
  await tr.call(getFolder, calendarArgs, { auth: ntlmLike, mailbox: 'mara@contoso.com' });
  await tr.call(getFolder, calendarArgs, { auth: ntlmLike, mailbox: 'mara@contoso.com' });
  t.equal(wraps, 1);
  t.equal(dispatches, 2);
  t.equal(srv.requests[1]!.headers.authorization, 'NTLM TlRMTVNTUAADAAAA');
});

t.test('HTTP statuses, redirects, TLS, limits', async (t) => {
  const srv = await serve((req, _body, res) => {
    switch (req.headers['x-anchormailbox']) {
      case '429@x':
        return res.writeHead(429, { 'retry-after': '12' }).end();
      case '302@x':
        return res.writeHead(302, { location: '/ews/genericerrorpage.htm?aspxerrorpath=/EWS/Exchange.asmx' }).end();
      case '302b@x':
        return res.writeHead(302, { location: 'https://login.contoso.com/adfs/ls/' }).end();
      case '404@x':
        return res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
      case 'big@x':
        return xml(res, CALENDAR.replace('<soap:Body', `<soap:Body data="${'x'.repeat(5000)}"`));
      case 'bomb@x': {
        const huge = CALENDAR.replace('</soap:Envelope>', `<!--${' '.repeat(400_000)}--></soap:Envelope>`);
        const gz = gzipSync(huge);
        return res.writeHead(200, { 'content-type': 'text/xml', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' }).end(gz);
      }
      case 'html200@x':
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Outlook Web App sign-in</body></html>');
      case 'notxml@x':
        return xml(res, '{"json": true}');
      default:
        return xml(res, CALENDAR);
    }
  });
  const tr = transport(srv.url, { maxResponseBytes: 100_000 });
  const fail = (mailbox: string, via = tr) => via.call(getFolder, calendarArgs, { auth, mailbox }).then(() => undefined, (e: unknown) => e as EwsdavError);

  const throttled = await fail('429@x');
  t.equal(throttled?.code, 'EWSDAV_ERR_UPSTREAM_THROTTLED');
  t.equal(throttled?.retryAfterMs, 12_000);
  t.equal((await fail('302@x'))?.code, 'EWSDAV_ERR_UPSTREAM_UNAVAILABLE', 'genericerrorpage = transient outage');
  const redirect = await fail('302b@x');
  t.equal(redirect?.code, 'EWSDAV_ERR_UPSTREAM_RESPONSE');
  t.match(redirect?.hint, /EWS URL/);
  t.equal((await fail('404@x'))?.details.body, '<html>Not Found</html>', 'a short snippet of non-SOAP bodies');
  t.equal((await fail('big@x', transport(srv.url, { maxResponseBytes: 3000 })))?.code, 'EWSDAV_ERR_UPSTREAM_TOO_LARGE', 'over the limit');
  t.equal((await fail('bomb@x'))?.code, 'EWSDAV_ERR_UPSTREAM_TOO_LARGE', 'counted after decompression');
  t.equal((await fail('html200@x'))?.code, 'EWSDAV_ERR_UPSTREAM_RESPONSE');
  t.equal((await fail('notxml@x'))?.code, 'EWSDAV_ERR_UPSTREAM_RESPONSE');

  const tls = await fail('mara@contoso.com', transport(srv.url.replace('http:', 'https:')));
  t.equal(tls?.code, 'EWSDAV_ERR_UPSTREAM_NETWORK', 'HTTPS to a plain-HTTP port');
  t.match(tls?.message, /TLS|SSL|EPROTO/);

  const aborted = new AbortController();
  aborted.abort(new Error('caller gave up'));
  const cancelled = await tr.call(getFolder, calendarArgs, { ...call, signal: aborted.signal }).catch((e: unknown) => e);
  t.match(cancelled, { message: 'caller gave up' }, "the caller's abort passes through unchanged");
});

t.test('logs: operation, mailbox, duration, result — never credentials', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  const logger = pino({ level: 'debug' }, sink);
  const srv = await serve((req, _body, res) => (req.headers['x-anchormailbox'] === 'busy@x' ? xml(res, fixture('faults/server-busy.xml'), 500) : xml(res, CALENDAR)));
  const tr = transport(srv.url, { logger, logBodies: true });
  await tr.call(getFolder, calendarArgs, call);
  await tr.call(getFolder, calendarArgs, { auth, mailbox: 'busy@x' }).catch(() => undefined);
  const all = lines.join('');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(records.some((r) => r.op === 'GetFolder' && r.mailbox === 'mara@contoso.com' && r.result === 'ok' && typeof r.durationMs === 'number'));
  t.ok(records.some((r) => r.result === 'throttled' && r.upstreamCode === 'ErrorServerBusy' && r.level === 40));
  t.ok(records.some((r) => r.msg === 'ews request body'), 'bodies only because logBodies is on');
  t.notOk(all.includes('s3cret-Pa55') || all.includes(Buffer.from('mara@contoso.com:s3cret-Pa55').toString('base64')), 'no password, no Authorization');
  t.notMatch(inspect(auth), /s3cret/);
  t.notMatch(JSON.stringify(auth), /s3cret/);
  t.equal(auth.describe(), 'basic:mara@contoso.com');
});
