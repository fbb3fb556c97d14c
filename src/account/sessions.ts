// Account-page sessions, in memory only (a restart signs everyone out, which is acceptable: the
// page is visited rarely and signing in again is one Microsoft sign-in). A session starts
// anonymous so the "Sign in" form can carry a CSRF token, remembers the sign-ins it started (the
// OAuth state must come back to the browser that started it), and gets a fresh id when a user
// signs in so an id planted before sign-in is worthless afterwards (session fixation).

import { randomBytes, timingSafeEqual } from 'node:crypto';

const IDLE_MS = 30 * 60_000;
const MAX_SESSIONS = 10_000;
const MAX_PENDING = 5;

export interface Session {
  id: string;
  csrf: string;
  /** The signed-in mailbox, after a Microsoft sign-in through this page. */
  user?: string;
  /** OAuth states of sign-ins started from this session (most recent last). */
  pending: string[];
  /** nativeclient: the sign-in URL of the latest pending sign-in, shown with the paste form. */
  pendingUrl?: string;
  /** A one-time message for the next page view (after a POST-redirect-GET). */
  flash?: string;
  expiresAt: number;
}

const token = (): string => randomBytes(32).toString('base64url'); // 256 bits

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;
  readonly #idleMs: number;

  constructor(options: { now?: () => number; idleMs?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#idleMs = options.idleMs ?? IDLE_MS;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The live session for a cookie value; each use extends it (idle timeout). */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt < this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    s.expiresAt = this.#now() + this.#idleMs;
    return s;
  }

  create(user?: string): Session {
    this.#prune();
    const s: Session = { id: token(), csrf: token(), pending: [], expiresAt: this.#now() + this.#idleMs, ...(user ? { user } : {}) };
    this.#sessions.set(s.id, s);
    return s;
  }

  /** Sign-in: a new id and CSRF token for the user; the old session ends. */
  signIn(old: Session | undefined, user: string): Session {
    if (old) this.#sessions.delete(old.id);
    return this.create(user);
  }

  destroy(id: string): void {
    this.#sessions.delete(id);
  }

  addPending(s: Session, state: string): void {
    s.pending.push(state);
    while (s.pending.length > MAX_PENDING) s.pending.shift();
  }

  /** Whether this session started the sign-in with that state (removed: single use). */
  takePending(s: Session | undefined, state: string): boolean {
    if (!s) return false;
    const i = s.pending.findIndex((p) => sameSecret(p, state));
    if (i < 0) return false;
    s.pending.splice(i, 1);
    return true;
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, s] of this.#sessions) if (s.expiresAt < now) this.#sessions.delete(id);
    // Bounded against a flood of anonymous visits: the oldest go first (insertion order).
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
  }
}

export const COOKIE = 'ewsdav_session';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Lax, not Strict: the browser must send the cookie on the top-level redirect back from Microsoft. */
export function sessionCookie(value: string, options: { path: string; secure: boolean; maxAgeSeconds?: number }): string {
  return [
    `${COOKIE}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
    ...(options.maxAgeSeconds !== undefined ? [`Max-Age=${options.maxAgeSeconds}`] : []),
  ].join('; ');
}
