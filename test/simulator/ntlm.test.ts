// The simulator's NTLM server (src/simulator/ntlm/): known answers for its own MD4 and NTLMv2
// check, then the handshake over real HTTP on one undici Client per TCP connection. Tokens come
// from the client's message functions: two independent implementations have to agree.

import t, { type Test } from 'tap';
import { Client } from 'undici';
import { md4 } from '../../src/simulator/ntlm/md4.js';
import { FLAG, makeChallenge, readAuthenticate, verifyNtlmV2 } from '../../src/simulator/ntlm/messages.js';
import { NtlmServer, ntlmAuth } from '../../src/simulator/ntlm/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { buildAuthenticate, buildNegotiate, ntowfv2, parseChallenge } from '../../src/auth/upstream/ntlm-messages.js';
import { envelope } from './helpers.js';

t.test('simulator MD4 and NTLMv2 check: RFC 1320 and MS-NLMP §4.2.4', async (t) => {
  t.equal(md4(Buffer.from('')).toString('hex'), '31d6cfe0d16ae931b73c59d7e0c089c0');
  t.equal(md4(Buffer.from('message digest')).toString('hex'), 'd9130a8164549fe818874806e1c7014b');
  t.equal(md4(Buffer.from('1234567890'.repeat(8))).toString('hex'), 'e33b4ddc9c38f2199c3e7b164fcc0536');
  // An AUTHENTICATE_MESSAGE carrying §4.2.4's NTLMv2 response, written out by hand.
  const pairs = Buffer.concat([Buffer.from('02000c00', 'hex'), Buffer.from('Domain', 'utf16le'), Buffer.from('01000c00', 'hex'), Buffer.from('Server', 'utf16le'), Buffer.alloc(4)]);
  const temp = Buffer.concat([Buffer.from('0101000000000000', 'hex'), Buffer.alloc(8), Buffer.alloc(8, 0xaa), Buffer.alloc(4), pairs, Buffer.alloc(4)]);
  const nt = Buffer.concat([Buffer.from('68cd0ab851e51c96aabc927bebef6a1c', 'hex'), temp]);
  const fields = [Buffer.alloc(24), nt, Buffer.from('Domain', 'utf16le'), Buffer.from('User', 'utf16le'), Buffer.alloc(0), Buffer.alloc(0)];
  const head = Buffer.alloc(64);
  head.write('NTLMSSP\0', 0, 'latin1');
  head.writeUInt32LE(3, 8);
  let offset = 64;
  fields.forEach((f, i) => {
    head.writeUInt16LE(f.length, 12 + i * 8);
    head.writeUInt16LE(f.length, 14 + i * 8);
    head.writeUInt32LE(offset, 16 + i * 8);
    offset += f.length;
  });
  head.writeUInt32LE(FLAG.unicode | FLAG.ntlm | FLAG.ess, 60);
  const auth = readAuthenticate(Buffer.concat([head, ...fields]));
  t.same([auth.user, auth.domain], ['User', 'Domain']);
  const base = { auth, serverChallenge: Buffer.from('0123456789abcdef', 'hex'), negotiate: Buffer.alloc(0), challenge: Buffer.alloc(0) };
  t.ok(verifyNtlmV2({ ...base, password: 'Password' }).ok, 'the spec vector verifies');
  t.notOk(verifyNtlmV2({ ...base, password: 'password' }).ok, 'another password does not');
});

t.test('client messages against the simulator, in process: MIC, timestamp, tampering', async (t) => {
  const negotiate = buildNegotiate();
  const issued = makeChallenge(negotiate.readUInt32LE(12), { netbiosDomain: 'EXAMPLE', netbiosComputer: 'EXCH01', dnsDomain: 'example.com', dnsComputer: 'exch01.example.com' }, Date.UTC(2026, 4, 6), true);
  const challenge = parseChallenge(issued.message);
  t.equal(challenge.targetName, 'EXAMPLE');
  t.ok(challenge.timestamp, 'MsvAvTimestamp present');
  t.ok(challenge.flags & FLAG.unicode && challenge.flags & FLAG.targetInfo);
  const token = buildAuthenticate({ user: 'demo', domain: 'EXAMPLE', responseKeyNT: ntowfv2('demo', 'demo', 'EXAMPLE'), negotiate, challenge, spn: 'HTTP/exch01.example.com' });
  const input = { password: 'demo', serverChallenge: issued.serverChallenge, negotiate, challenge: issued.message };
  t.ok(verifyNtlmV2({ ...input, auth: readAuthenticate(token) }).ok);
  t.same(token.subarray(token.readUInt32LE(16), token.readUInt32LE(16) + 24), Buffer.alloc(24), 'LmChallengeResponse is Z(24) with a timestamp');
  const tampered = Buffer.from(token);
  tampered[75] = (tampered[75]! ^ 0xff) & 0xff;
  t.same(verifyNtlmV2({ ...input, auth: readAuthenticate(tampered) }), { ok: false, reason: 'MIC mismatch' });
  const otherNegotiate = Buffer.from(negotiate);
  otherNegotiate.writeUInt32LE((otherNegotiate.readUInt32LE(12) ^ FLAG.oem) >>> 0, 12); // drop NTLM_NEGOTIATE_OEM
  t.same(verifyNtlmV2({ ...input, negotiate: otherNegotiate, auth: readAuthenticate(token) }), { ok: false, reason: 'MIC mismatch' }, 'the MIC covers NEGOTIATE');
});

// --- over HTTP ---------------------------------------------------------------------------------
const server = new NtlmServer();
const sim = await startSimulator({ auth: ntlmAuth(server, 'windows') });
t.teardown(() => sim.close());
const BODY = envelope('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>');

function connection(t: Test): Client {
  const c = new Client(sim.url, { pipelining: 1 });
  t.teardown(() => c.destroy());
  return c;
}

async function post(c: Client, authorization?: string, body = BODY): Promise<{ status: number; www: string[] }> {
  const res = await c.request({ path: '/EWS/Exchange.asmx', method: 'POST', body, headers: { 'content-type': 'text/xml; charset=utf-8', ...(authorization ? { authorization } : {}) } });
  await res.body.dump();
  return { status: res.statusCode, www: ([] as string[]).concat(res.headers['www-authenticate'] ?? []) };
}

async function handshake(c: Client, password = 'demo', scheme = 'NTLM', user = 'demo', domain = 'EXAMPLE'): Promise<{ status: number; www: string[] }> {
  const negotiate = buildNegotiate();
  const first = await post(c, `${scheme} ${negotiate.toString('base64')}`, '');
  const b64 = first.www[0]?.split(' ')[1];
  if (first.status !== 401 || !b64) throw new Error(`no challenge: ${first.status} ${first.www}`);
  const token = buildAuthenticate({ user, domain, responseKeyNT: ntowfv2(password, user, domain), negotiate, challenge: parseChallenge(Buffer.from(b64, 'base64')) });
  return post(c, `${scheme} ${token.toString('base64')}`);
}

t.beforeEach(() => {
  server.resetStats();
  sim.control.resetCounters();
});

t.test('401 offers Negotiate and NTLM; the identity binds to the TCP connection', async (t) => {
  const a = connection(t);
  t.same((await post(a)).www, ['Negotiate', 'NTLM']);
  t.equal((await handshake(a)).status, 200);
  t.equal((await post(a)).status, 200, 'same connection, no header: authenticated');
  t.equal((await post(a)).status, 200);
  const b = connection(t);
  t.equal((await post(b)).status, 401, 'another connection is not');
  const s = server.stats();
  t.equal(s.handshakes, 1);
  t.equal(s.authenticatedCalls, 3);
  const mine = Object.values(s.connections).find((c) => c.handshakes === 1);
  t.same(mine, { handshakes: 1, calls: 3, failures: 0, open: true, user: 'demo@example.com' });
});

t.test('failures: wrong password, AUTHENTICATE without CHALLENGE, garbage, Negotiate name', async (t) => {
  const a = connection(t);
  const wrong = await handshake(a, 'nope');
  t.equal(wrong.status, 401);
  t.same(wrong.www, ['Negotiate', 'NTLM'], 'the final 401 lists the schemes again');
  t.equal((await post(a)).status, 401, 'nothing bound after a failure');

  const b = connection(t);
  const negotiate = buildNegotiate();
  const c = connection(t);
  const first = await post(c, `NTLM ${negotiate.toString('base64')}`, '');
  const challenge = parseChallenge(Buffer.from(first.www[0]!.split(' ')[1]!, 'base64'));
  const token = buildAuthenticate({ user: 'demo', domain: 'EXAMPLE', responseKeyNT: ntowfv2('demo', 'demo', 'EXAMPLE'), negotiate, challenge });
  t.equal((await post(b, `NTLM ${token.toString('base64')}`)).status, 401, 'AUTHENTICATE on another connection than its CHALLENGE');
  t.equal((await post(b, 'NTLM bm9wZQ==')).status, 401, 'not NTLMSSP');
  t.equal((await handshake(connection(t), 'demo', 'Negotiate', 'demo@example.com', '')).status, 200, 'Negotiate with a UPN');
  t.equal(server.stats().failures, 3);
});

t.test('offer modes and closing idle connections', async (t) => {
  const basicSrv = new NtlmServer();
  const basicSim = await startSimulator({ auth: ntlmAuth(basicSrv, 'basic') });
  t.teardown(() => basicSim.close());
  const c = new Client(basicSim.url);
  t.teardown(() => c.destroy());
  const res = await c.request({ path: '/EWS/Exchange.asmx', method: 'POST', body: '', headers: { authorization: `NTLM ${buildNegotiate().toString('base64')}` } });
  await res.body.dump();
  t.equal(res.statusCode, 401);
  t.match(String(res.headers['www-authenticate']), /^Basic realm=/, 'only Basic offered, NTLM refused');
  t.equal(basicSrv.stats().handshakes, 0);

  const a = connection(t);
  t.equal((await handshake(a)).status, 200);
  const id = Object.keys(server.stats().connections).find((k) => server.stats().connections[k]!.open && server.stats().connections[k]!.calls === 1)!;
  // The server may not have marked the socket idle yet: ask until the client sees the close.
  let disconnected = false;
  a.once('disconnect', () => (disconnected = true));
  for (let i = 0; i < 1000 && !disconnected; i++) {
    sim.closeIdleConnections();
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 1000 && server.stats().connections[id]!.open; i++) await new Promise((r) => setImmediate(r));
  t.ok(disconnected, 'the client saw the close');
  t.equal(server.stats().connections[id]!.open, false, 'the server forgot the binding');
  t.equal((await post(a)).status, 401, 'the new connection must handshake again');
});
