// Refresh tokens as server-side records (OAUTH-NOTES §2.3, §2.5, §10.7): opaque strings bound
// to user + client (not to a resource), rotated on every use, and checked against the
// directory's revocation state — in the order a user would fix them.

import type { ClientKind, EntraContext } from './context.js';
import type { App, User } from './directory.js';
import { EntraError } from './errors.js';
import { randomToken } from './mint.js';

export interface RefreshRecord {
  token: string;
  userOid: string;
  clientId: string;
  /** How the client authenticated when the grant was made: public-client grants die on a
   *  user password change, confidential ones survive it (§2.5). */
  clientKind: ClientKind;
  amr: string[];
  authTime: number;
  issuedAt: number;
  lastUsed: number;
  revokeGeneration: number;
  passwordGeneration: number;
  adminResetGeneration: number;
  valid: boolean;
}

export type NewGrant = Pick<RefreshRecord, 'userOid' | 'clientId' | 'clientKind' | 'amr' | 'authTime'>;

/** Checks that hold for every token issued to a user, whatever the grant (§8). */
export function checkUserMayGetTokens(user: User, amr: readonly string[], flow: 'interactive' | 'refresh' | 'deviceCode'): void {
  if (user.disabled) throw EntraError.of(50057, { detail: `User: '${user.upn}'.` });
  if (user.caBlock === 'all' || (user.caBlock === 'deviceCode' && flow === 'deviceCode')) throw EntraError.of(53003);
  if (user.mfaRequired && !amr.includes('mfa')) throw EntraError.of(50076);
}

export class GrantStore {
  private readonly records = new Map<string, RefreshRecord>();

  constructor(private readonly ctx: EntraContext) {}

  issue(g: NewGrant, user: User): string {
    const now = this.ctx.clock.now();
    const rec: RefreshRecord = {
      ...g, token: randomToken('1.AXoA'), issuedAt: now, lastUsed: now, valid: true,
      revokeGeneration: user.revokeGeneration, passwordGeneration: user.passwordGeneration,
      adminResetGeneration: user.adminResetGeneration,
    };
    this.records.set(rec.token, rec);
    return rec.token;
  }

  /** Validates a presented refresh token for `app`; returns its record and user. */
  check(token: string, app: App): { rec: RefreshRecord; user: User } {
    const rec = this.records.get(token);
    if (!rec) throw EntraError.of(70000, { detail: 'The refresh token is malformed or unknown.' });
    if (rec.clientId !== app.clientId) throw EntraError.of(70000, { detail: 'The refresh token was issued to a different client.' });
    if (!rec.valid) throw EntraError.of(70000, { detail: 'The refresh token was already rotated (fake authority in strict rotation mode).' });
    const user = this.ctx.directory.userByOid(rec.userOid);
    if (!user) throw EntraError.of(50057, { detail: 'The user no longer exists.' });
    if (user.disabled) throw EntraError.of(50057, { detail: `User: '${user.upn}'.` });
    if (rec.revokeGeneration < user.revokeGeneration) throw EntraError.of(50173);
    if (rec.adminResetGeneration < user.adminResetGeneration) throw EntraError.of(50133);
    if (rec.clientKind === 'public' && rec.passwordGeneration < user.passwordGeneration) throw EntraError.of(50133);
    if (this.ctx.clock.now() - rec.lastUsed > this.ctx.config.refreshIdleMs) throw EntraError.of(700082);
    checkUserMayGetTokens(user, rec.amr, 'refresh');
    return { rec, user };
  }

  /** Every use returns a new token; "entra" mode keeps the old one valid, "strict" revokes it. */
  rotate(rec: RefreshRecord): string {
    const now = this.ctx.clock.now();
    rec.lastUsed = now;
    if (this.ctx.config.refreshMode === 'strict') rec.valid = false;
    const next: RefreshRecord = { ...rec, token: randomToken('1.AXoA'), issuedAt: now, lastUsed: now, valid: true };
    this.records.set(next.token, next);
    return next.token;
  }

  /** Grants of a user (for counters/inspection; never returns the token strings). */
  summary(): { userOid: string; clientId: string; clientKind: ClientKind; valid: boolean; issuedAt: number; lastUsed: number }[] {
    return [...this.records.values()].map((r) => ({
      userOid: r.userOid, clientId: r.clientId, clientKind: r.clientKind, valid: r.valid, issuedAt: r.issuedAt, lastUsed: r.lastUsed,
    }));
  }
}
