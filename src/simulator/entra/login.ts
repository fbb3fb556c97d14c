// The interactive sign-in as a state machine shared by the browser pages, the test hooks and
// the device-code verification page (OAUTH-NOTES §10.4): username + password → OTP when MFA
// is required → consent when the scopes are not yet granted → done. Pages only render steps.

import { randomBytes } from 'node:crypto';
import type { EntraContext } from './context.js';
import type { App, Tenant, User } from './directory.js';
import { EntraError } from './errors.js';
import { checkUserMayGetTokens } from './grants.js';
import { b64url } from './jwt.js';
import { type ParsedScopes, resourceOfScope } from './scopes.js';

/** A validated /authorize request (OAUTH-NOTES §2.1) waiting for the sign-in to finish. */
export interface AuthorizeRequest {
  app: App;
  redirectUri: string;
  clientKind: 'public' | 'confidential' | 'either';
  responseMode: 'query' | 'fragment' | 'form_post';
  state?: string;
  nonce?: string;
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  clientInfo: boolean;
}

export type LoginTarget = { kind: 'code'; req: AuthorizeRequest } | { kind: 'device'; deviceCode: string };

export interface LoginTx {
  id: string;
  /** The tenant of the path, or undefined for /common and /organizations. */
  tenant?: Tenant;
  app: App;
  /** Concrete delegated scopes asked for (`/.default` expanded). */
  requested: string[];
  oidc: Set<string>;
  loginHint?: string;
  prompt?: string;
  user?: User;
  amr: string[];
  authTime: number;
  consentShown: boolean;
  target: LoginTarget;
  expiresAt: number;
}

export type LoginStep =
  | { kind: 'login'; tx: LoginTx; error?: string }
  | { kind: 'otp'; tx: LoginTx; error?: string }
  | { kind: 'consent'; tx: LoginTx }
  | { kind: 'done'; tx: LoginTx }
  | { kind: 'declined'; tx: LoginTx }
  | { kind: 'failed'; tx: LoginTx; err: EntraError };

const TX_LIFETIME_MS = 30 * 60_000;

/** The delegated scopes a request names, with `resource/.default` → the registration's permissions. */
export function expandScopes(p: ParsedScopes, app: App): string[] {
  const out = [...p.resourceScopes];
  for (const res of p.defaults) {
    for (const perm of app.permissions) if (resourceOfScope(perm) === res && !out.includes(perm)) out.push(perm);
  }
  return out;
}

export class Logins {
  private readonly txs = new Map<string, LoginTx>();

  constructor(private readonly ctx: EntraContext) {}

  begin(init: Omit<LoginTx, 'id' | 'amr' | 'authTime' | 'consentShown' | 'expiresAt'>): LoginTx {
    const tx: LoginTx = { ...init, id: b64url(randomBytes(18)), amr: [], authTime: 0, consentShown: false, expiresAt: this.ctx.clock.now() + TX_LIFETIME_MS };
    this.txs.set(tx.id, tx);
    return tx;
  }

  get(id: string): LoginTx | undefined {
    const tx = this.txs.get(id);
    if (tx && tx.expiresAt < this.ctx.clock.now()) {
      this.txs.delete(id);
      return undefined;
    }
    return tx;
  }

  end(tx: LoginTx): void {
    this.txs.delete(tx.id);
  }

  /** Resumes an existing browser session (SSO) for `user`. */
  resume(tx: LoginTx, user: User, amr: string[], authTime: number): LoginStep {
    tx.user = user;
    tx.amr = [...amr];
    tx.authTime = authTime;
    return this.next(tx);
  }

  submitPassword(tx: LoginTx, username: string, password: string): LoginStep {
    const user = this.ctx.directory.user(username.trim());
    if (!user) return { kind: 'login', tx, error: `AADSTS50034: This username may be incorrect. We couldn't find an account with that username.` };
    if (tx.tenant && user.tenant !== tx.tenant) {
      return { kind: 'failed', tx, err: EntraError.of(50020, { detail: `User '${user.upn}' is not in tenant '${tx.tenant.displayName}'.` }) };
    }
    if (!tx.tenant && user.tenant !== tx.app.tenant && !tx.app.multiTenant) {
      return { kind: 'failed', tx, err: EntraError.of(700016, { detail: `Application '${tx.app.clientId}' in directory '${user.tenant.domains[0] ?? ''}'.` }) };
    }
    if (user.password !== password) return { kind: 'login', tx, error: 'AADSTS50126: Your account or password is incorrect.' };
    tx.user = user;
    tx.amr = ['pwd'];
    tx.authTime = this.ctx.clock.now();
    return this.next(tx);
  }

  submitOtp(tx: LoginTx, otp: string): LoginStep {
    if (!tx.user) return { kind: 'login', tx };
    if (otp.trim() !== tx.user.otp) return { kind: 'otp', tx, error: "You didn't enter the expected verification code." };
    tx.amr = ['pwd', 'mfa'];
    return this.next(tx);
  }

  submitConsent(tx: LoginTx, accept: boolean): LoginStep {
    if (!tx.user) return { kind: 'login', tx };
    if (!accept) return { kind: 'declined', tx };
    const set = tx.user.consents.get(tx.app.clientId) ?? new Set<string>();
    for (const s of tx.requested) set.add(s);
    tx.user.consents.set(tx.app.clientId, set);
    tx.consentShown = true;
    return this.next(tx);
  }

  /** The step after the user is known: second factor, policy, consent, done. */
  next(tx: LoginTx): LoginStep {
    const user = tx.user;
    if (!user) return { kind: 'login', tx };
    if (user.disabled) return { kind: 'failed', tx, err: EntraError.of(50057, { detail: `User: '${user.upn}'.` }) };
    if (user.mfaRequired && !tx.amr.includes('mfa')) return { kind: 'otp', tx };
    try {
      checkUserMayGetTokens(user, tx.amr, tx.target.kind === 'device' ? 'deviceCode' : 'interactive');
    } catch (e) {
      if (e instanceof EntraError) return { kind: 'failed', tx, err: e };
      throw e;
    }
    const missing = tx.requested.filter((s) => !this.ctx.directory.isGranted(user, tx.app, s));
    const forced = tx.prompt === 'consent' && !tx.consentShown;
    if (missing.length > 0 || forced) {
      if (!user.tenant.userConsentAllowed) return { kind: 'failed', tx, err: EntraError.of(90094) };
      return { kind: 'consent', tx };
    }
    return { kind: 'done', tx };
  }
}
