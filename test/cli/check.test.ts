// `ewsdav check` against the simulator over HTTP: the calendar list for good credentials, and the
// diagnosis a user can act on for each failure class (foundation issue, "Done when").

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCheck, type CheckDeps } from '../../src/cli/commands/check.js';
import { startSimulator, DEMO_USER } from '../../src/simulator/index.js';
import { loopbackLookup, makeCertificates, startTlsFront } from '../support/tls.js';
import { NtlmServer, ntlmAuth } from '../../src/simulator/ntlm/index.js';
import { AutodiscoverEndpoint } from '../../src/simulator/autodiscover/endpoint.js';
import { buildConnector } from 'undici';

const sim = await startSimulator({ demo: true });
t.teardown(() => sim.close());
const dir = mkdtempSync(join(tmpdir(), 'ewsdav-check-'));

function configFile(name: string, exchangeUrl: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ exchange: { url: exchangeUrl, auth: 'basic', timeoutSeconds: 5 }, store: { dataDir: join(dir, 'data') }, ...extra }));
  return file;
}

async function check(args: string[], deps: CheckDeps & { password?: string } = {}) {
  let out = '';
  const code = await runCheck(args, {
    ...deps,
    env: { EWSDAV_PASSWORD: deps.password ?? DEMO_USER.password },
    out: (text) => (out += text),
  });
  return { code, out };
}

const good = configFile('good', sim.ewsUrl);

t.test('good credentials: exit 0, server version, calendars with item counts', async (t) => {
  const { code, out } = await check(['--config', good, '--user', DEMO_USER.smtp]);
  t.equal(code, 0);
  t.match(out, /✓ demo@example\.com: logged in — 15\.20/);
  t.match(out, /Calendar\s+\d+ items/);
  t.match(out, /Birthdays\s+\d+ items\s+\(birthdays, read-only\)/);
  const json = await check(['--config', good, '--user', DEMO_USER.smtp, '--json']);
  const doc = JSON.parse(json.out) as { accounts: { ok: boolean; calendars: { name: string; itemCount: number }[]; roundTripMs: number }[] };
  t.equal(doc.accounts[0]!.ok, true);
  t.ok(doc.accounts[0]!.calendars.some((c) => c.name === 'Team' && c.itemCount >= 0));
  t.type(doc.accounts[0]!.roundTripMs, 'number');
});

t.test('accounts from the configuration are all checked, secrets from the environment', async (t) => {
  const file = configFile('accounts', sim.ewsUrl, {
    login: { mode: 'accounts' },
    accounts: [
      { id: 'demo', username: DEMO_USER.smtp, password: { env: 'EWSDAV_PASSWORD' }, clientPassword: 'client-secret' },
      { id: 'alex', username: 'alex@example.com', password: 'wrong', clientPassword: 'client-secret2' },
    ],
  });
  const { code, out } = await check(['--config', file]);
  t.equal(code, 1, 'one failing account fails the check');
  t.match(out, /✓ demo@example\.com/);
  t.match(out, /✗ alex@example\.com: .*rejected/i);
  t.notMatch(out, /wrong/, 'never prints a password');
});

t.test('wrong password: named username, no password, one request, no retry', async (t) => {
  sim.control.resetCounters();
  const { code, out } = await check(['--config', good, '--user', DEMO_USER.smtp], { password: 'not-the-password' });
  t.equal(code, 1);
  t.match(out, /demo@example\.com/);
  t.match(out, /EWSDAV_ERR_UPSTREAM_AUTH/);
  t.notMatch(out, /not-the-password/);
  t.equal(sim.control.counters().requests, 1, 'a 401 is never retried');
});

t.test('403: says what an admin checks', async (t) => {
  sim.control.injectFault({ kind: 'http403', count: 1 });
  const { code, out } = await check(['--config', good, '--user', DEMO_USER.smtp]);
  t.equal(code, 1);
  t.match(out, /EWSEnabled/);
  t.match(out, /EwsAllowedAppIDs/);
  t.match(out, /EWSDAV_ERR_UPSTREAM_FORBIDDEN/);
});

t.test('refused port and unresolvable host are named with host and port', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await check(['--config', configFile('refused', `http://127.0.0.1:${port}/EWS/Exchange.asmx`), '--user', DEMO_USER.smtp]);
  t.equal(refused.code, 1);
  t.match(refused.out, /refused/i);
  t.match(refused.out, new RegExp(`127\\.0\\.0\\.1:${port}`));

  const unknown = await check(['--config', configFile('dns', 'https://mail.ewsdav-test.invalid/EWS/Exchange.asmx'), '--user', DEMO_USER.smtp], {
    connect: { lookup: loopbackLookup(['mail.ewsdav-test.invalid']) },
  });
  t.equal(unknown.code, 1);
  t.match(unknown.out, /mail\.ewsdav-test\.invalid/);
  t.match(unknown.out, /DNS|resolve|not found/i);
});

t.test('a 401 from Exchange Online explains that Basic auth is switched off there', async (t) => {
  // The check decides by the configured host name; a resolver override and a test CA put
  // "outlook.office365.com" on loopback without any special case in product code.
  const certs = makeCertificates(['outlook.office365.com']);
  const front = await startTlsFront(certs, Number(new URL(sim.url).port));
  t.teardown(() => front.close());
  const file = configFile('exo', `https://outlook.office365.com:${front.port}/EWS/Exchange.asmx`);
  const { code, out } = await check(['--config', file, '--user', 'demo@example.com'], { password: 'app-password-123', connect: { lookup: loopbackLookup(), ca: certs.ca } });
  t.equal(code, 1);
  t.match(out, /EWSDAV_ERR_UPSTREAM_BASIC_REFUSED/);
  t.match(out, /OAuth/);
  t.notMatch(out, /app-password-123/);
});

t.test('a configuration error is one readable message with the JSON path', async (t) => {
  const file = join(dir, 'typo.json');
  writeFileSync(file, JSON.stringify({ exchnge: { url: sim.ewsUrl } }));
  await t.rejects(check(['--config', file]), /exchnge: unknown key; did you mean "exchange"\?/);
});

t.test('NTLM on-prem: exchange.auth "ntlm" logs in; "basic" against an NTLM-only server names the fix', async (t) => {
  const ntlmServer = new NtlmServer();
  const onPrem = await startSimulator({ demo: true, serverVersion: 'exchange2016', auth: ntlmAuth(ntlmServer, 'windows') });
  t.teardown(() => onPrem.close());
  const ntlmConfig = join(dir, 'ntlm.json');
  writeFileSync(ntlmConfig, JSON.stringify({ exchange: { url: onPrem.ewsUrl, auth: 'ntlm' }, store: { dataDir: join(dir, 'data') } }));
  const ok = await check(['--config', ntlmConfig, '--user', 'EXAMPLE\\demo']);
  t.equal(ok.code, 0, ok.out);
  t.match(ok.out, /logged in — 15\.1/);
  const wrong = await check(['--config', configFile('basic-vs-ntlm', onPrem.ewsUrl), '--user', DEMO_USER.smtp]);
  t.equal(wrong.code, 1);
  t.match(wrong.out, /set exchange\.auth to "ntlm"/);
});

t.test('no exchange.url: Autodiscover finds EWS from the address, and check shows how', async (t) => {
  const ad = new AutodiscoverEndpoint();
  const onPrem = await startSimulator({ demo: true, autodiscover: ad });
  t.teardown(() => onPrem.close());
  const certs = makeCertificates(['example.com', 'autodiscover.example.com', 'mail.example.com']);
  const simPort = Number(new URL(onPrem.url).port);
  const front = await startTlsFront(certs, simPort);
  t.teardown(() => front.close());
  // Every name is loopback and every https port the TLS front: the product code sees the real
  // https://example.com/autodiscover/… URLs (EWS-NOTES §13) without a special case.
  const tlsConnect = buildConnector({ ca: certs.ca, lookup: loopbackLookup() });
  const connect: buildConnector.connector = (opts, cb) => tlsConnect({ ...opts, port: opts.protocol === 'https:' ? String(front.port) : String(simPort) }, cb);
  const file = join(dir, 'autodiscover.json');
  writeFileSync(file, JSON.stringify({ exchange: { auth: 'basic' }, store: { dataDir: join(dir, 'data') } }));
  const { code, out } = await check(['--config', file, '--user', DEMO_USER.smtp], { connect });
  t.equal(code, 0, out);
  t.match(out, /EWS URL found by Autodiscover: https:\/\//);
  t.match(out, /POST https:\/\/example\.com\/autodiscover\/autodiscover\.xml/);
  t.match(out, /Calendar\s+\d+ items/);
});

t.test('which API: EWS on-prem says nothing more; Exchange Online over EWS warns with the dates and the switch', async (t) => {
  const { upstreamNotice } = await import('../../src/cli/commands/check-probe.js');
  const { validateConfig } = await import('../../src/config/index.js');
  const config = (exchange: Record<string, unknown>, extra: Record<string, unknown> = {}) => validateConfig({ exchange, ...extra });
  const onPrem = upstreamNotice(config({ url: 'https://mail.contoso.com/EWS/Exchange.asmx', auth: 'ntlm' }), Date.UTC(2026, 10, 25));
  t.same(onPrem, { api: 'ews', endpoint: 'https://mail.contoso.com/EWS/Exchange.asmx', warnings: [] });

  const exo = config({ url: 'https://outlook.office365.com/EWS/Exchange.asmx', auth: 'basic' });
  const [before] = upstreamNotice(exo, Date.UTC(2026, 8, 1)).warnings;
  t.match(before, /will block EWS by default from 2026-10-01 .* switches it off on 2027-04-01, in 212 days/);
  const [now] = upstreamNotice(exo, Date.UTC(2026, 10, 25)).warnings;
  t.match(now, /Exchange Online blocks EWS by default from 2026-10-01 .* in 127 days\. Switch this deployment to Microsoft Graph: set "exchange": \{"api": "graph"\}/);
  const [after] = upstreamNotice(exo, Date.UTC(2027, 4, 1)).warnings;
  t.match(after, /^Microsoft switched EWS off in Exchange Online on 2027-04-01\. Switch/);
  t.equal(upstreamNotice(config({ auth: 'oauth', api: 'ews' }, { oauth: { tenant: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001' }, secrets: { key: 'k'.repeat(44) } })).warnings.length, 1, 'oauth without a URL is Exchange Online');

  const graph = upstreamNotice(config({ auth: 'oauth', api: 'graph' }, { oauth: { tenant: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001' }, secrets: { key: 'k'.repeat(44) }, graph: { url: 'https://graph.microsoft.us' } }));
  t.same(graph, { api: 'graph', endpoint: 'https://graph.microsoft.us/v1.0', warnings: [] });

  const { out } = await check(['--config', good, '--user', DEMO_USER.smtp]);
  t.match(out, /^Exchange {2}http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx {2}\(basic, EWS\)\n\n/, 'the text report names the API');
});
