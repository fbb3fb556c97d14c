// login.mode "devicePasswords" (DESIGN.md): the bridge issues each calendar app its own password.
// 20 characters from a 32-symbol alphabet without look-alikes (no 0/o, 1/l) = 100 random bits,
// shown once as five groups of four (typeable on a phone: lowercase and digits only), stored only
// as an scrypt verifier (./verifier.ts). Every login after the first is answered from an in-memory
// cache of verified (user, password) digests under a per-process key — a primary-key probe still
// runs so a revocation (from this or another process) takes effect on the next request, and a new
// login still pays a real hash. Last use is written at most once a minute.

import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { EwsdavError } from '../../errors.js';
import type { DevicePasswordRecord, DevicePasswordRows } from '../../store/sqlite/oauth-rows.js';
import { normalizeUser } from './passthrough.js';
import type { FailureLimiter } from './rate-limit.js';
import type { ClientLogin, LoginFailureReason, LoginResult } from './types.js';
import { checkVerifier, createVerifier } from './verifier.js';

export const DEVICE_PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 20;
const NAME_SHAPE = /^[\p{L}\p{N}][\p{L}\p{N} ._'()-]{0,63}$/u;
const MAX_PER_USER = 50;

export function generateDevicePassword(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += DEVICE_PASSWORD_ALPHABET[randomInt(DEVICE_PASSWORD_ALPHABET.length)];
  return raw.match(/.{4}/g)!.join('-');
}

/** What users type may carry spaces, dashes or capitals (phone keyboards); the verifier is over the bare 20 symbols. */
export function normalizeDevicePassword(input: string): string | undefined {
  const bare = input.toLowerCase().replace(/[\s-]/g, '');
  if (bare.length !== LENGTH) return undefined;
  for (const ch of bare) if (!DEVICE_PASSWORD_ALPHABET.includes(ch)) return undefined;
  return bare;
}

export interface CreatedDevicePassword extends DevicePasswordRecord {
  /** Shown once; never stored. */
  password: string;
}

/** Management (CLI and, later, the account page). */
export class DevicePasswords {
  constructor(private readonly rows: DevicePasswordRows, private readonly now: () => number = Date.now) {}

  async create(rawUser: string, rawName?: string): Promise<CreatedDevicePassword> {
    const user = normalizeUser(rawUser);
    const existing = this.rows.list(user);
    if (existing.length >= MAX_PER_USER) throw new EwsdavError('EWSDAV_ERR_CLIENT_FORBIDDEN', `${user} already has ${MAX_PER_USER} device passwords; revoke unused ones first.`);
    let name = rawName?.trim() || `device-${existing.length + 1}`;
    if (!rawName) for (let i = existing.length + 2; this.rows.nameTaken(user, name); i++) name = `device-${i}`;
    if (!NAME_SHAPE.test(name)) throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `Device password name "${name}" is not allowed: up to 64 letters, digits, spaces and . _ ' ( ) -.`);
    if (this.rows.nameTaken(user, name)) throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `${user} already has a device password named "${name}".`);
    const password = generateDevicePassword();
    const id = randomBytes(8).toString('hex');
    const createdAt = this.now();
    this.rows.insert({ id, user, name, verifier: await createVerifier(normalizeDevicePassword(password)!), createdAt });
    return { id, user, name, createdAt, password };
  }

  list(rawUser: string): DevicePasswordRecord[] {
    return this.rows.list(normalizeUser(rawUser));
  }

  revoke(rawUser: string, idOrName: string): boolean {
    return this.rows.revoke(normalizeUser(rawUser), idOrName);
  }
}

export interface DevicePasswordLoginOptions {
  rows: DevicePasswordRows;
  limiter: FailureLimiter;
  /** Users that may log in at all (linked accounts); others fail without hashing much. */
  acceptsUser?: (user: string) => boolean;
  /** How long a verified password is answered from memory, default 15 min. */
  cacheTtlMs?: number;
  now?: () => number;
}

interface Verified {
  id: string;
  expires: number;
}

const TOUCH_EVERY_MS = 60_000;

export class DevicePasswordLogin implements ClientLogin {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, Verified>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly touched = new Map<string, number>();
  private readonly now: () => number;
  private readonly ttl: number;
  /** A verifier for unknown users so a miss costs what a wrong password costs. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly o: DevicePasswordLoginOptions) {
    this.now = o.now ?? Date.now;
    this.ttl = o.cacheTtlMs ?? 15 * 60_000;
  }

  async authenticate(rawUser: string, password: string, remoteAddress: string): Promise<LoginResult> {
    const user = normalizeUser(rawUser);
    const wait = Math.max(this.o.limiter.retryAfterMs(`addr:${remoteAddress}`), this.o.limiter.retryAfterMs(`user:${user}`));
    if (wait > 0) return { ok: false, status: 429, reason: 'rate-limited', retryAfterSeconds: Math.ceil(wait / 1000) };
    const bare = normalizeDevicePassword(password);
    if (!user || !bare) return this.fail(user, remoteAddress, 'wrong-password');
    const digest = createHmac('sha256', this.key).update(`${user}\0${bare}`).digest('base64url');

    const hit = this.verified.get(digest);
    if (hit && hit.expires > this.now()) {
      if (this.o.rows.exists(hit.id)) return this.ok(user, hit.id);
      this.verified.delete(digest); // revoked since: fall through to a real check (which fails)
    }
    // Single flight: a client opening several connections at once pays one hash.
    let flight = this.inFlight.get(digest);
    if (!flight) {
      flight = this.check(user, bare).finally(() => this.inFlight.delete(digest));
      this.inFlight.set(digest, flight);
    }
    const id = await flight;
    if (!id) return this.fail(user, remoteAddress, 'wrong-password');
    this.verified.set(digest, { id, expires: this.now() + this.ttl });
    this.o.limiter.reset(`user:${user}`);
    return this.ok(user, id);
  }

  private async check(user: string, bare: string): Promise<string | undefined> {
    const candidates = this.o.acceptsUser && !this.o.acceptsUser(user) ? [] : this.o.rows.verifiers(user);
    if (candidates.length === 0) {
      this.decoy ??= createVerifier(randomBytes(16).toString('hex'));
      await checkVerifier(bare, await this.decoy);
      return undefined;
    }
    for (const c of candidates) if (await checkVerifier(bare, c.verifier)) return c.id;
    return undefined;
  }

  private ok(user: string, id: string): LoginResult {
    const now = this.now();
    if (now - (this.touched.get(id) ?? -Infinity) >= TOUCH_EVERY_MS) {
      this.touched.set(id, now);
      this.o.rows.touch(id, now);
    }
    return { ok: true, user };
  }

  private fail(user: string, remoteAddress: string, reason: LoginFailureReason): LoginResult {
    this.o.limiter.recordFailure(`addr:${remoteAddress}`);
    if (user) this.o.limiter.recordFailure(`user:${user}`);
    return { ok: false, status: 401, reason };
  }
}
