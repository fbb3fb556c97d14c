// NTLM sign-in (src/auth/upstream/ntlm*.ts, md4.ts): known answers from RFC 1320 and MS-NLMP
// §4.2.4, then the real EWS transport against the simulator's own NTLM server over loopback.
// Assertions are on the simulator's counters (handshakes, authenticated calls, requests), never
// on time.

import t, { type Test } from 'tap';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { md4, md4Portable } from '../../src/auth/upstream/md4.js';
import { AV, buildNegotiate, computeV2, encodeAvPairs, ntowfv2, splitUserName } from '../../src/auth/upstream/ntlm-messages.js';
import { NtlmAuth } from '../../src/auth/upstream/ntlm.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import type { UpstreamAuth } from '../../src/auth/upstream/types.js';
import { EwsTransport, type EwsTransportOptions } from '../../src/exchange/call.js';
import { getFolder } from '../../src/exchange/operations/get-folder.js';
import { defaultRetryPolicy, failFast } from '../../src/upstream/retry.js';
import { EwsdavError } from '../../src/errors.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { NtlmServer, ntlmAuth, type OfferMode } from '../../src/simulator/ntlm/index.js';

const hex = (b: Buffer): string => b.toString('hex');

t.test('MD4: RFC 1320 §A.5 test suite', async (t) => {
  const suite: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [input, digest] of suite) {
    t.equal(hex(md4Portable(Buffer.from(input))), digest, `MD4("${input.slice(0, 20)}")`);
    t.equal(hex(md4(Buffer.from(input))), digest);
  }
  // Block boundaries: 55/56/64 bytes change the padding.
  for (const n of [55, 56, 63, 64, 65, 119, 120]) t.equal(md4Portable(Buffer.alloc(n, 0x61)).length, 16);
});

t.test('NTLMv2: MS-NLMP §4.2.4 known answers', async (t) => {
  // §4.2.1 inputs: User "User", UserDom "Domain", Passwd "Password", server challenge
  // 0123456789abcdef, client challenge aa×8, Time 0; §4.2.4 target info: Domain, Server.
  const key = ntowfv2('Password', 'User', 'Domain');
  t.equal(hex(key), '0c868a403bfd7a93a3001ef22ef02e3f', 'NTOWFv2 (§4.2.4.1.1)');
  const targetInfo = encodeAvPairs([
    { id: AV.NB_DOMAIN, value: Buffer.from('Domain', 'utf16le') },
    { id: AV.NB_COMPUTER, value: Buffer.from('Server', 'utf16le') },
  ]);
  const v2 = computeV2({ responseKeyNT: key, serverChallenge: Buffer.from('0123456789abcdef', 'hex'), clientChallenge: Buffer.alloc(8, 0xaa), time: Buffer.alloc(8), targetInfo });
  t.equal(hex(v2.lmv2), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa', 'LMv2 response (§4.2.4.2.1)');
  t.equal(hex(v2.ntProofStr), '68cd0ab851e51c96aabc927bebef6a1c', 'NTProofStr (§4.2.4.2.2)');
  t.equal(hex(v2.sessionBaseKey), '8de40ccadbc14a82f15cb0ad0de95ca3', 'SessionBaseKey (§4.2.4.1.2)');
  t.equal(hex(v2.ntChallengeResponse.subarray(16, 44)), '0101000000000000' + '0000000000000000' + 'aaaaaaaaaaaaaaaa' + '00000000', 'temp header');

  const neg = buildNegotiate();
  t.equal(neg.toString('latin1', 0, 8), 'NTLMSSP\0');
  t.equal(neg.readUInt32LE(8), 1);
  t.ok(neg.readUInt32LE(12) & 0x00080000, 'asks for extended session security');
  t.same(splitUserName('CONTOSO\\mara'), { domain: 'CONTOSO', user: 'mara' });
  t.same(splitUserName('mara@contoso.com'), { domain: '', user: 'mara@contoso.com' }, 'UPN: empty domain, whole UPN as user');
});

// --- against the simulator -------------------------------------------------------------------
const ARGS = { folders: [{ distinguished: 'calendar' as const }] };
const MAILBOX = 'demo@example.com';

async function setup(t: Test, offer: OfferMode = 'windows', transportOpts: Partial<EwsTransportOptions> = {}): Promise<{ sim: Simulator; server: NtlmServer; transport: EwsTransport }> {
  const server = new NtlmServer();
  const sim = await startSimulator({ auth: ntlmAuth(server, offer) });
  const transport = new EwsTransport({ url: sim.ewsUrl, retry: failFast, sleep: async () => undefined, ...transportOpts });
  t.teardown(async () => {
    await transport.close();
    await sim.close();
  });
  return { sim, server, transport };
}

function ntlm(t: Test, username = 'EXAMPLE\\demo', password = 'demo', extra: Partial<ConstructorParameters<typeof NtlmAuth>[0]> = {}): NtlmAuth {
  const a = new NtlmAuth({ username, password, maxConnections: 4, ...extra });
  t.teardown(() => a.close());
  return a;
}

async function calls(transport: EwsTransport, auth: UpstreamAuth, n: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: n }, () => transport.call(getFolder, ARGS, { auth, mailbox: MAILBOX })));
  for (const r of results) if (!r.folders[0]?.ok) throw new Error('GetFolder failed');
}

async function failure(p: Promise<unknown>): Promise<EwsdavError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EwsdavError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

t.test('100 calls, 4 connections: at most 4 handshakes, 100 authenticated calls', async (t) => {
  const { sim, server, transport } = await setup(t, 'windows', { maxConcurrencyPerMailbox: 4 });
  const auth = ntlm(t);
  await calls(transport, auth, 100);
  const s = server.stats();
  t.ok(s.handshakes <= 4, `handshakes: ${s.handshakes}`);
  t.equal(s.authenticatedCalls, 100);
  t.equal(s.failures, 0);
  const c = sim.control.counters();
  t.equal(c.byOperation.GetFolder, 100);
  t.equal(c.requests, 100 + s.handshakes, 'one extra HTTP request (the NEGOTIATE leg) per handshake');
  t.equal(c.byStatus['401'], s.handshakes);
  t.ok(Object.keys(s.connections).length <= 4, 'no more connections than maxConnections');
  t.same(auth.stats(), { connections: s.handshakes, handshakes: s.handshakes, requests: 100, resends: 0 });
  t.ok(sim.control.requestLog().filter((e) => e.status === 200).every((e) => e.authScheme === 'Negotiate' || e.authScheme === 'NTLM'));
});

t.test('a wrong password: one handshake, the 401 diagnosis, no retry', async (t) => {
  const { sim, server, transport } = await setup(t, 'windows', { retry: defaultRetryPolicy({ random: () => 0 }) });
  const auth = ntlm(t, 'demo@example.com', 'not-the-Pa55word');
  const err = await failure(transport.call(getFolder, ARGS, { auth, mailbox: MAILBOX }));
  t.equal(err.code, 'EWSDAV_ERR_UPSTREAM_AUTH');
  t.equal(err.category, 'auth');
  t.same(err.details.offeredSchemes, ['Negotiate', 'NTLM']);
  t.match(err.message, /rejected the credentials \(HTTP 401\)/);
  t.equal(server.stats().handshakes, 1);
  t.equal(server.stats().failures, 1);
  t.equal(sim.control.counters().requests, 2, 'NEGOTIATE + AUTHENTICATE, nothing more');
  const text = `${err.message} ${JSON.stringify(err.details)} ${inspect(auth)} ${JSON.stringify(auth)}`;
  t.notMatch(text, /not-the-Pa55word/, 'no password in errors or inspection');
});

t.test('idle connections closed by the server: re-handshake, no failed call', async (t) => {
  const { sim, server, transport } = await setup(t);
  const auth = ntlm(t);
  await calls(transport, auth, 8);
  const first = server.stats().handshakes;
  sim.closeIdleConnections();
  await calls(transport, auth, 8);
  const s = server.stats();
  t.ok(s.handshakes > first && s.handshakes <= first + 4, `re-handshakes: ${s.handshakes - first}`);
  t.equal(s.authenticatedCalls, 16);
  t.equal(sim.control.counters().byOperation.GetFolder, 16, 'every call answered once');

  // The server forgets the bindings but keeps the sockets (app pool recycle): the 401 on a warm
  // connection is swallowed and answered with exactly one new handshake per connection.
  server.forgetBindings();
  await calls(transport, auth, 4);
  t.equal(server.stats().authenticatedCalls, 20);
  t.equal(server.stats().failures, 0);
});

t.test('scheme mismatches name the setting to use', async (t) => {
  const basicOnly = await setup(t, 'basic');
  const err = await failure(basicOnly.transport.call(getFolder, ARGS, { auth: ntlm(t), mailbox: MAILBOX }));
  t.equal(err.code, 'EWSDAV_ERR_UPSTREAM_AUTH');
  t.same(err.details.offeredSchemes, ['Basic']);
  t.match(err.message, /does not offer NTLM or Negotiate \(HTTP 401; it offers Basic\), but exchange\.auth is "ntlm"/);
  t.match(err.hint, /Set exchange\.auth to "basic"/);
  t.equal(basicOnly.sim.control.counters().requests, 1, 'no password was tried');

  const windowsOnly = await setup(t, 'windows');
  const basic = new BasicAuth({ username: 'demo@example.com', password: 'demo' });
  const err2 = await failure(windowsOnly.transport.call(getFolder, ARGS, { auth: basic, mailbox: MAILBOX }));
  t.same(err2.details.offeredSchemes, ['Negotiate', 'NTLM']);
  t.match(err2.hint, /The server offers: Negotiate, NTLM\. "basic" is not among them/);
  t.match(err2.hint, /set exchange\.auth to "ntlm"/);
});

t.test('Negotiate-only servers, UPN and DOMAIN\\user, kept connect options', async (t) => {
  const { sim, server } = await setup(t, 'negotiate');
  // Resolve a real-looking host name to the simulator with a lookup: the NTLM connections must
  // use the transport's connect options.
  const port = new URL(sim.url).port;
  const looked: string[] = [];
  const transport = new EwsTransport({
    url: `http://ews.example.test:${port}/EWS/Exchange.asmx`, retry: failFast,
    connect: {
      lookup: (host, opts, cb) => {
        looked.push(host);
        if ((opts as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }] as never, 4);
        else cb(null, '127.0.0.1', 4);
      },
    },
  });
  t.teardown(() => transport.close());
  for (const user of ['demo@example.com', 'EXAMPLE\\demo', 'example\\DEMO']) {
    await calls(transport, ntlm(t, user), 2);
  }
  t.ok(looked.includes('ews.example.test'), 'the test resolver was used');
  t.equal(server.stats().failures, 0);
  t.equal(server.stats().authenticatedCalls, 6);
  const log = sim.control.requestLog();
  t.same([...new Set(log.filter((e) => e.status === 200).map((e) => e.authScheme))], ['Negotiate'], 'raw NTLMSSP under Negotiate');
  const ntlmTries = log.filter((e) => e.status === 401 && e.authScheme === 'NTLM').length;
  t.ok(ntlmTries <= server.stats().handshakes, 'at most one NTLM attempt per handshake before Negotiate');
});

t.test('nothing secret reaches the transport log', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  const { transport } = await setup(t, 'windows', { logger });
  const auth = ntlm(t, 'EXAMPLE\\demo', 'demo');
  await calls(transport, auth, 2);
  const bad = ntlm(t, 'EXAMPLE\\demo', 'Secr3t-wrong');
  await failure(transport.call(getFolder, ARGS, { auth: bad, mailbox: MAILBOX }));
  t.ok(lines.length > 0);
  t.notMatch(lines.join(''), /Secr3t-wrong|TlRMTVNTUA/, 'neither passwords nor NTLM tokens');
  t.equal(auth.describe(), 'ntlm:EXAMPLE\\demo');
});
