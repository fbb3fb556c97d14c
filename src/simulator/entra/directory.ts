// The fake directory at run time: tenants (GUID + verified domains), users with their
// consents and revocation state, app registrations. Tests change it through the control API;
// the grant checks (grants.ts) read the generation counters kept here.

import { createHash } from 'node:crypto';
import type { AppSpec, DirectorySpec, SecretSpec, TenantSpec, UserSpec } from './types.js';
import { hasScope } from './scopes.js';

export interface User {
  upn: string;
  password: string;
  displayName: string;
  oid: string;
  otp: string;
  mfaRequired: boolean;
  disabled: boolean;
  /** client id → consented delegated scopes. */
  consents: Map<string, Set<string>>;
  /** Bumped by "revoke all sessions": grants of older generations fail with 50173. */
  revokeGeneration: number;
  /** Bumped by a password change: public-client grants of older generations fail with 50133. */
  passwordGeneration: number;
  /** Bumped by an admin password reset in the Entra admin center: every grant fails (50133). */
  adminResetGeneration: number;
  /** Conditional Access blocks token issuance (53003): for every flow, or only device code
   *  (the "authentication flows" policy, OAUTH-NOTES §4). */
  caBlock: 'none' | 'all' | 'deviceCode';
  tenant: Tenant;
}

export interface App {
  clientId: string;
  displayName: string;
  web: string[];
  mobileDesktop: string[];
  allowPublicClientFlows: boolean;
  secrets: { id: string; value: string; expiresAt?: number }[];
  multiTenant: boolean;
  permissions: string[];
  adminConsentedScopes: string[];
  appRoles: Map<string, string[]>;
  servicePrincipalId: string;
  tenant: Tenant;
}

export interface Tenant {
  id: string;
  domains: string[];
  displayName: string;
  userConsentAllowed: boolean;
  users: Map<string, User>;
  apps: Map<string, App>;
}

/** A stable GUID-shaped id from a name, so ids survive restarts without being configured. */
export function derivedGuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string): boolean => GUID.test(s);

function toTime(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`bad date ${String(v)}`);
  return t;
}

export function buildUser(spec: UserSpec, tenant: Tenant): User {
  return {
    upn: spec.upn.toLowerCase(), password: spec.password, displayName: spec.displayName,
    oid: spec.oid ?? derivedGuid(`user:${spec.upn.toLowerCase()}`), otp: spec.otp ?? '123456',
    mfaRequired: spec.mfaRequired ?? false, disabled: spec.disabled ?? false,
    consents: new Map(Object.entries(spec.consents ?? {}).map(([c, s]) => [c.toLowerCase(), new Set(s)])),
    revokeGeneration: 0, passwordGeneration: 0, adminResetGeneration: 0, caBlock: 'none', tenant,
  };
}

function buildSecret(s: SecretSpec, i: number): App['secrets'][number] {
  return { id: s.id ?? derivedGuid(`secret:${s.value}:${i}`), value: s.value, expiresAt: toTime(s.expiresAt) };
}

export function buildApp(spec: AppSpec, tenant: Tenant): App {
  return {
    clientId: spec.clientId.toLowerCase(), displayName: spec.displayName,
    web: [...(spec.redirectUris?.web ?? [])], mobileDesktop: [...(spec.redirectUris?.mobileDesktop ?? [])],
    allowPublicClientFlows: spec.allowPublicClientFlows ?? false,
    secrets: (spec.secrets ?? []).map(buildSecret),
    multiTenant: spec.multiTenant ?? false,
    permissions: [...(spec.permissions ?? [])], adminConsentedScopes: [...(spec.adminConsentedScopes ?? [])],
    appRoles: new Map(Object.entries(spec.appRoles ?? {})),
    servicePrincipalId: spec.servicePrincipalId ?? derivedGuid(`sp:${spec.clientId.toLowerCase()}`),
    tenant,
  };
}

function buildTenant(spec: TenantSpec): Tenant {
  const t: Tenant = {
    id: spec.id.toLowerCase(), domains: spec.domains.map((d) => d.toLowerCase()),
    displayName: spec.displayName ?? spec.domains[0] ?? spec.id, userConsentAllowed: spec.userConsentAllowed ?? true,
    users: new Map(), apps: new Map(),
  };
  for (const u of spec.users) t.users.set(u.upn.toLowerCase(), buildUser(u, t));
  for (const a of spec.apps) t.apps.set(a.clientId.toLowerCase(), buildApp(a, t));
  return t;
}

/** What a `{tenant}` path segment means (OAUTH-NOTES §1 "Tenant values"). */
export type TenantRef = { kind: 'tenant'; tenant: Tenant } | { kind: 'common' } | { kind: 'organizations' } | { kind: 'consumers' };

export class Directory {
  readonly tenants: Tenant[];

  constructor(spec: DirectorySpec) {
    this.tenants = spec.tenants.map(buildTenant);
  }

  resolveTenant(segment: string): TenantRef | undefined {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations' || s === 'consumers') return { kind: s };
    const t = this.tenants.find((x) => x.id === s || x.domains.includes(s));
    return t ? { kind: 'tenant', tenant: t } : undefined;
  }

  tenantById(id: string): Tenant | undefined {
    return this.tenants.find((t) => t.id === id.toLowerCase());
  }

  user(upn: string): User | undefined {
    const u = upn.toLowerCase();
    for (const t of this.tenants) {
      const found = t.users.get(u);
      if (found) return found;
    }
    return undefined;
  }

  userByOid(oid: string): User | undefined {
    for (const t of this.tenants) for (const u of t.users.values()) if (u.oid === oid) return u;
    return undefined;
  }

  requireUser(upn: string): User {
    const u = this.user(upn);
    if (!u) throw new Error(`no such user ${upn}`);
    return u;
  }

  /** The registration as seen from `tenant`: its home tenant, or any tenant when multi-tenant;
   *  for /common-style segments (tenant undefined) wherever it is registered. */
  app(clientId: string, tenant?: Tenant): App | undefined {
    const id = clientId.toLowerCase();
    const home = this.tenants.map((t) => t.apps.get(id)).find((a) => a !== undefined);
    if (!home) return undefined;
    if (!tenant || home.tenant === tenant || home.multiTenant) return home;
    return undefined;
  }

  requireApp(clientId: string): App {
    const a = this.app(clientId);
    if (!a) throw new Error(`no such app ${clientId}`);
    return a;
  }

  /** Delegated scopes `user` has granted `app`: own consent plus tenant-wide admin consent. */
  granted(user: User, app: App): Set<string> {
    const out = new Set(user.consents.get(app.clientId) ?? []);
    if (app.tenant === user.tenant) for (const s of app.adminConsentedScopes) out.add(s);
    return out;
  }

  isGranted(user: User, app: App, scope: string): boolean {
    return hasScope(this.granted(user, app), scope);
  }
}

/** Which platforms list this redirect URI. Loopback http URIs match on any port
 *  (ID/reply-url "localhost exceptions"); everything else must match exactly. */
export function redirectPlatforms(app: App, uri: string): Set<'web' | 'mobileDesktop'> {
  const out = new Set<'web' | 'mobileDesktop'>();
  const matches = (registered: string): boolean => registered === uri || loopbackEqual(registered, uri);
  if (app.web.some(matches)) out.add('web');
  if (app.mobileDesktop.some(matches)) out.add('mobileDesktop');
  return out;
}

function loopbackEqual(a: string, b: string): boolean {
  let x: URL;
  let y: URL;
  try {
    x = new URL(a);
    y = new URL(b);
  } catch {
    return false;
  }
  const loop = (u: URL): boolean => u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1');
  return loop(x) && loop(y) && x.hostname === y.hostname && x.pathname === y.pathname && x.search === y.search;
}
