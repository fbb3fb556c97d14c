import t from 'tap';
import { EwsdavError } from '../../src/errors.js';
import { FailureLimiter } from '../../src/auth/clients/rate-limit.js';
import { PassthroughLogin, type VerifierStore } from '../../src/auth/clients/passthrough.js';
import { checkVerifier, createVerifier } from '../../src/auth/clients/verifier.js';
import { parseBasicAuth } from '../../src/auth/clients/basic-header.js';

class MemoryVerifiers implements VerifierStore {
  readonly rows = new Map<string, { verifier: string; updatedAt: number }>();
  constructor(private readonly now: () => number) {}
  async getVerifier(user: string) { return this.rows.get(user); }
  async setVerifier(user: string, verifier: string) { this.rows.set(user, { verifier, updatedAt: this.now() }); }
  async deleteVerifier(user: string) { this.rows.delete(user); }
}

function setup(upstream: { password: string; mode: 'up' | 'down' | 'throttled' }) {
  let clock = 1_000_000;
  const now = () => clock;
  const calls: string[] = [];
  const handed: string[] = [];
  const verifiers = new MemoryVerifiers(now);
  const login = new PassthroughLogin({
    verifyUpstream: async (user, password) => {
      calls.push(user);
      if (upstream.mode === 'down') throw new EwsdavError('EWSDAV_ERR_UPSTREAM_NETWORK', 'connection refused');
      if (upstream.mode === 'throttled') throw new EwsdavError('EWSDAV_ERR_UPSTREAM_THROTTLED', 'busy', { retryAfterMs: 4500 });
      if (password !== upstream.password) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', 'rejected');
    },
    verifiers,
    onVerified: (user) => {
      handed.push(user);
    },
    limiter: new FailureLimiter({ maxFailures: 3, windowMs: 60_000, now }),
    verifierTtlMs: 24 * 3600_000,
    memoryTtlMs: 600_000,
    now,
  });
  return { login, calls, handed, verifiers, advance: (ms: number) => { clock += ms; } };
}

t.test('verifiers are salted and check only the right password', async (t) => {
  const a = await createVerifier('s3cret');
  const b = await createVerifier('s3cret');
  t.not(a, b, 'salted');
  t.notMatch(a, /s3cret/);
  t.ok(await checkVerifier('s3cret', a));
  t.notOk(await checkVerifier('s3cret!', a));
  t.notOk(await checkVerifier('s3cret', 'garbage'));
});

t.test('first login asks Exchange once, then memory answers; concurrent first logins share one call', async (t) => {
  const s = setup({ password: 'pw', mode: 'up' });
  const results = await Promise.all(Array.from({ length: 10 }, () => s.login.authenticate('Mara@Contoso.com', 'pw', '10.0.0.1')));
  t.ok(results.every((r) => r.ok));
  t.equal(s.calls.length, 1, 'one upstream call for ten concurrent requests');
  t.same(s.handed, ['mara@contoso.com']);
  await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.1');
  t.equal(s.calls.length, 1, 'memory answers a returning client');
  t.ok(s.verifiers.rows.get('mara@contoso.com'), 'verifier persisted');
  t.notMatch(JSON.stringify([...s.verifiers.rows]), /"pw"/);
});

t.test('a wrong password is refused, counted and rate limited with Retry-After', async (t) => {
  const s = setup({ password: 'pw', mode: 'up' });
  for (let i = 0; i < 3; i++) t.match(await s.login.authenticate('mara@contoso.com', 'bad' + i, '10.0.0.2'), { ok: false, status: 401 });
  const limited = await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.3');
  t.match(limited, { ok: false, status: 429 }, 'the user is limited even from another address');
  t.ok(!limited.ok && limited.retryAfterSeconds! > 0);
  t.equal(s.calls.length, 3, 'no upstream call while limited: the mailbox cannot be locked out through the bridge');
  s.advance(61_000);
  t.match(await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.3'), { ok: true });
});

t.test('during an outage a known password is accepted from the verifier, an unknown one is not', async (t) => {
  const upstream = { password: 'pw', mode: 'up' as 'up' | 'down' | 'throttled' };
  const s = setup(upstream);
  t.match(await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.1'), { ok: true });
  s.advance(3_600_000); // memory entry expired
  upstream.mode = 'down';
  t.match(await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.1'), { ok: true, offline: true });
  t.match(await s.login.authenticate('mara@contoso.com', 'other', '10.0.0.1'), { ok: false, status: 503 });
  t.match(await s.login.authenticate('new@contoso.com', 'pw', '10.0.0.1'), { ok: false, status: 503 }, 'never seen: cannot be verified');
  upstream.mode = 'throttled';
  s.advance(3_600_000);
  t.match(await s.login.authenticate('nobody@contoso.com', 'x', '10.0.0.1'), { ok: false, status: 503, retryAfterSeconds: 5 });
});

t.test('a password Exchange rejects removes the stored verifier', async (t) => {
  const upstream = { password: 'pw', mode: 'up' as const };
  const s = setup(upstream);
  await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.1');
  upstream.password = 'changed';
  s.advance(3_600_000);
  t.match(await s.login.authenticate('mara@contoso.com', 'pw', '10.0.0.1'), { ok: false, status: 401 });
  t.notOk(s.verifiers.rows.has('mara@contoso.com'));
});

t.test('Basic header parsing', async (t) => {
  const header = 'Basic ' + Buffer.from('mara@contoso.com:pä:ss').toString('base64');
  t.same(parseBasicAuth(header), { user: 'mara@contoso.com', password: 'pä:ss' });
  t.equal(parseBasicAuth('Bearer abc'), undefined);
  t.equal(parseBasicAuth('Basic !!!'), undefined);
  t.equal(parseBasicAuth(undefined), undefined);
});
