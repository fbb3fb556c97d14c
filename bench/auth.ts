// Device-password login figures (login.mode "devicePasswords") with the verifier's parameters
// (scrypt N=2^15, r=8, p=1, src/auth/clients/verifier.ts): new logins, each paying a real hash
// (several distinct passwords, serial and two at a time), and repeated logins answered from the
// verified cache (an HMAC digest, a map lookup and a primary-key probe). Baselines in the same
// run: a bare crypto.scryptSync with the same parameters, and an HMAC-SHA256 plus a constant-time
// compare. A real SqliteStore in a temp folder and the real DevicePasswordLogin.
// Run: node --import tsx bench/auth.ts  (BENCH_NEW, BENCH_REPEAT, BENCH_MANY)

import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevicePasswordLogin, DevicePasswords } from '../src/auth/clients/device-passwords.js';
import { FailureLimiter } from '../src/auth/clients/rate-limit.js';
import { SqliteStore } from '../src/store/sqlite/store.js';

const NEW = Number(process.env.BENCH_NEW ?? 8);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 20_000);
const MANY = Number(process.env.BENCH_MANY ?? 4);
const USER = 'mara@contoso.com';
const ADDR = '127.0.0.1';

const ms = (t0: number): number => performance.now() - t0;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-bench-auth-'));
  const store = new SqliteStore({ dataDir: dir });
  try {
    // The limiter never trips here (every login succeeds), but it runs as in the bridge.
    const limiter = () => new FailureLimiter({ maxFailures: 10, windowMs: 600_000 });
    const manage = new DevicePasswords(store.devicePasswords);
    // Distinct users with one password each (the usual case: the hash count is one per new
    // login), and one user with MANY passwords (a new login may hash against each of them).
    const users = Array.from({ length: 2 * NEW }, (_, i) => `user${i}@contoso.com`);
    const t0 = performance.now();
    const passwords: string[] = [];
    for (const u of users) passwords.push((await manage.create(u, 'phone')).password);
    const createMs = ms(t0) / passwords.length;
    const many: string[] = [];
    for (let i = 0; i < MANY; i++) many.push((await manage.create(USER, `device ${i}`)).password);

    // Baselines first: the cost floor of one hash and of one cached check.
    const salt = randomBytes(16);
    const params = { N: 1 << 15, r: 8, p: 1, maxmem: 128 * (1 << 15) * 8 * 2 };
    scryptSync('warm-up', salt, 32, params);
    const t1 = performance.now();
    for (let i = 0; i < NEW; i++) scryptSync(`password-${i}`, salt, 32, params);
    const scryptMs = ms(t1) / NEW;
    const key = randomBytes(32);
    const expected = createHmac('sha256', key).update(`${USER}\0abcdefghijkmnpqrstu`).digest();
    const t2 = performance.now();
    let same = 0;
    for (let i = 0; i < REPEAT; i++) {
      const d = createHmac('sha256', key).update(`${USER}\0abcdefghijkmnpqrstu`).digest();
      if (timingSafeEqual(d, expected)) same++;
    }
    const hmacUs = (ms(t2) * 1000) / REPEAT;
    if (same !== REPEAT) throw new Error('baseline compare failed');

    // (a) New logins: a fresh DevicePasswordLogin (empty cache) per case, distinct passwords.
    const check = (ok: boolean) => { if (!ok) throw new Error('login refused'); };
    const serialLogin = new DevicePasswordLogin({ rows: store.devicePasswords, limiter: limiter() });
    const t3 = performance.now();
    for (let i = 0; i < NEW; i++) check((await serialLogin.authenticate(users[i]!, passwords[i]!, ADDR)).ok);
    const serialMs = ms(t3) / NEW;

    const pairLogin = new DevicePasswordLogin({ rows: store.devicePasswords, limiter: limiter() });
    const t4 = performance.now();
    for (let i = NEW; i < 2 * NEW; i += 2) {
      const results = await Promise.all([i, i + 1].filter((j) => j < 2 * NEW).map((j) => pairLogin.authenticate(users[j]!, passwords[j]!, ADDR)));
      for (const r of results) check(r.ok);
    }
    const pairMs = ms(t4) / NEW;

    // One user with MANY passwords, each used for the first time: verifiers are tried most
    // recently used first, so an unused one is found after hashing against several others.
    const manyLogin = new DevicePasswordLogin({ rows: store.devicePasswords, limiter: limiter() });
    const t5 = performance.now();
    for (const p of many) check((await manyLogin.authenticate(USER, p, ADDR)).ok);
    const manyMs = ms(t5) / MANY;

    // (b) Repeated logins: served from the verified cache of serialLogin.
    for (let i = 0; i < NEW; i++) check((await serialLogin.authenticate(users[i]!, passwords[i]!, ADDR)).ok);
    const t6 = performance.now();
    for (let i = 0; i < REPEAT; i++) check((await serialLogin.authenticate(users[i % NEW]!, passwords[i % NEW]!, ADDR)).ok);
    const repeatUs = (ms(t6) * 1000) / REPEAT;

    console.log(`node ${process.version}, scrypt N=2^15 r=8 p=1 (32 MiB), ${NEW} new logins per case (distinct users), ${REPEAT} repeated logins`);
    console.log(`baseline  scryptSync, same parameters         ${scryptMs.toFixed(1).padStart(8)} ms/hash   ${(1000 / scryptMs).toFixed(1).padStart(8)} /s`);
    console.log(`baseline  HMAC-SHA256 + timingSafeEqual       ${hmacUs.toFixed(2).padStart(8)} µs/check  ${(1e6 / hmacUs).toFixed(0).padStart(8)} /s`);
    console.log(`create    device password (one hash + insert) ${createMs.toFixed(1).padStart(8)} ms`);
    console.log(`new login, serial (one verifier each)         ${serialMs.toFixed(1).padStart(8)} ms/login  ${(1000 / serialMs).toFixed(1).padStart(8)} /s  (${(serialMs / scryptMs).toFixed(2)}× one hash)`);
    console.log(`new login, 2-way concurrent                   ${pairMs.toFixed(1).padStart(8)} ms/login  ${(1000 / pairMs).toFixed(1).padStart(8)} /s  (${(pairMs / scryptMs).toFixed(2)}× one hash)`);
    console.log(`new login, one user with ${MANY} passwords         ${manyMs.toFixed(1).padStart(8)} ms/login  ${(1000 / manyMs).toFixed(1).padStart(8)} /s  (${(manyMs / scryptMs).toFixed(2)}× one hash)`);
    console.log(`repeated login (verified cache)               ${repeatUs.toFixed(1).padStart(8)} µs/login  ${(1e6 / repeatUs).toFixed(0).padStart(8)} /s  ${repeatUs < 1000 ? '(target < 1 ms: met)' : '(target < 1 ms: MISSED)'}`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
