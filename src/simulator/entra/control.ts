// The test-facing control API (OAUTH-NOTES §10.7, §10.11): revocation events, policy switches,
// the virtual clock, key rotation, faults, counters. In process as `EntraControl`, over HTTP as
// `POST /_entra/<method>` with the arguments as a JSON object (`GET` for the read-only ones).

import type { EntraConfig, EntraContext, RefreshMode } from './context.js';
import { type User, buildApp, buildUser } from './directory.js';
import type { ActiveEntraFault, EntraFaultSpec } from './faults.js';
import type { Counters, LogEntry } from './stats.js';
import type { AppSpec, UserSpec } from './types.js';

export class EntraControl {
  constructor(private readonly ctx: EntraContext) {}

  private user(upn: string): User {
    return this.ctx.directory.requireUser(upn);
  }

  /** Every access token issued so far now fails verify.ts with "The token has expired."; clients
   *  still think it valid, so this exercises "401 → refresh once → retry" (§7). */
  expireAllAccessTokens(): void {
    for (const { uti } of this.ctx.issuedUtis) this.ctx.expiredUtis.add(uti);
  }

  /** "Revoke sessions" for a user: every refresh token fails with AADSTS50173. */
  revokeUser(upn: string): void {
    this.user(upn).revokeGeneration++;
    this.dropSessions(this.user(upn));
  }

  /** A user password change revokes password-based public-client grants (50133); with
   *  `admin: true` (reset in the Entra admin center) every grant (§2.5). */
  changePassword(upn: string, password: string, opts: { admin?: boolean } = {}): void {
    const u = this.user(upn);
    u.password = password;
    if (opts.admin) u.adminResetGeneration++;
    else u.passwordGeneration++;
    this.dropSessions(u);
  }

  /** Grants made without the second factor now fail with 50076. */
  setMfaRequired(upn: string, required = true): void {
    this.user(upn).mfaRequired = required;
  }

  /** Conditional Access: block every flow, only device code, or nothing (53003). */
  blockByConditionalAccess(upn: string, block: boolean | 'deviceCode' = true): void {
    this.user(upn).caBlock = block === true ? 'all' : block === false ? 'none' : 'deviceCode';
  }

  /** Withdraw the user's consent for a client (all scopes or some); refresh then fails with 65001. */
  removeConsent(upn: string, clientId: string, scopes?: string[]): void {
    const set = this.user(upn).consents.get(clientId.toLowerCase());
    if (!set) return;
    if (!scopes) set.clear();
    else for (const s of [...set]) if (scopes.some((x) => x.toLowerCase() === s.toLowerCase())) set.delete(s);
  }

  grantConsent(upn: string, clientId: string, scopes: string[]): void {
    const u = this.user(upn);
    const set = u.consents.get(clientId.toLowerCase()) ?? new Set<string>();
    for (const s of scopes) set.add(s);
    u.consents.set(clientId.toLowerCase(), set);
  }

  disableUser(upn: string, disabled = true): void {
    this.user(upn).disabled = disabled;
  }

  advanceClock(ms: number): number {
    this.ctx.clock.advance(ms);
    return this.ctx.clock.now();
  }

  now(): number {
    return this.ctx.clock.now();
  }

  /** Publishes a new signing key (old one stays in the JWKS) and signs with it from now on. */
  rotateKeys(): { kid: string } {
    return { kid: this.ctx.keys.rotate().kid };
  }

  /** Drops every key but the newest: tokens signed with old keys no longer verify. */
  retireOldKeys(): void {
    this.ctx.keys.retire();
  }

  injectFault(spec: EntraFaultSpec): ActiveEntraFault {
    return this.ctx.faults.add(spec);
  }

  clearFaults(): void {
    this.ctx.faults.clear();
  }

  counters(): Counters {
    return this.ctx.stats.snapshot();
  }

  requestLog(): LogEntry[] {
    return this.ctx.stats.log();
  }

  resetCounters(): void {
    this.ctx.stats.reset();
  }

  setRefreshMode(mode: RefreshMode): void {
    this.ctx.config.refreshMode = mode;
  }

  /** Change lifetimes, device-code interval, slow_down … at run time. */
  configure(patch: Partial<EntraConfig>): EntraConfig {
    Object.assign(this.ctx.config, patch);
    return { ...this.ctx.config };
  }

  /** Approves a device code as `upn` without the pages (consent is granted on the way). */
  approveDeviceCode(userCode: string, upn: string, opts: { mfa?: boolean } = {}): void {
    const flow = this.ctx.devices.byUserCode(userCode);
    if (!flow) throw new Error(`no pending device code ${userCode}`);
    const u = this.user(upn);
    this.grantConsent(upn, flow.app.clientId, flow.requested);
    this.ctx.devices.approve(flow, u, opts.mfa || u.mfaRequired ? ['pwd', 'mfa'] : ['pwd'], this.ctx.clock.now());
  }

  declineDeviceCode(userCode: string): void {
    const flow = this.ctx.devices.byUserCode(userCode);
    if (!flow) throw new Error(`no pending device code ${userCode}`);
    this.ctx.devices.decline(flow);
  }

  /** Registers (or replaces) an app, e.g. with the bridge's callback URL known only at start. */
  registerApp(spec: AppSpec, tenantId?: string): void {
    const t = tenantId ? this.ctx.directory.tenantById(tenantId) : this.ctx.directory.tenants[0];
    if (!t) throw new Error(`no tenant ${tenantId ?? ''}`);
    t.apps.set(spec.clientId.toLowerCase(), buildApp(spec, t));
  }

  addRedirectUri(clientId: string, platform: 'web' | 'mobileDesktop', uri: string): void {
    this.ctx.directory.requireApp(clientId)[platform].push(uri);
  }

  /** Adds a secret (value, optional expiry in epoch ms) to an app. */
  addSecret(clientId: string, value: string, expiresAt?: number): void {
    this.ctx.directory.requireApp(clientId).secrets.push({ id: `secret-${value.length}-${Date.now()}`, value, expiresAt });
  }

  addUser(spec: UserSpec, tenantId?: string): void {
    const t = tenantId ? this.ctx.directory.tenantById(tenantId) : this.ctx.directory.tenants[0];
    if (!t) throw new Error(`no tenant ${tenantId ?? ''}`);
    const existing = this.ctx.directory.user(spec.upn);
    if (existing) throw new Error(`user ${spec.upn} exists`);
    t.users.set(spec.upn.toLowerCase(), buildUser(spec, t));
  }

  /** Summary of refresh grants (never the token strings). */
  grants(): ReturnType<EntraContext['grants']['summary']> {
    return this.ctx.grants.summary();
  }

  private dropSessions(u: User): void {
    for (const [id, s] of this.ctx.sessions) if (s.userOid === u.oid) this.ctx.sessions.delete(id);
  }
}
