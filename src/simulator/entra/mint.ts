// Token minting (OAUTH-NOTES §6, §10.10, ID/access-token-claims-reference, ID/id-token-claims-reference):
// v1 access tokens for EWS / Graph (delegated and app-only), v2 ID tokens, `client_info`.

import { createHash, randomBytes } from 'node:crypto';
import type { EntraContext } from './context.js';
import type { App, Tenant, User } from './directory.js';
import { type JwtClaims, b64url, signJwt } from './jwt.js';
import type { ResourceDef } from './scopes.js';

/** `appidacr`: 0 public client, 1 client secret, 2 certificate. */
export type AppIdAcr = '0' | '1' | '2';

export interface DelegatedSubject {
  user: User;
  app: App;
  amr: string[];
  appidacr: AppIdAcr;
}

export const v1Issuer = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;
export const v2Issuer = (ctx: EntraContext, tenantId: string): string => `${ctx.baseUrl}/${tenantId}/v2.0`;

/** Pairwise `sub`: stable per user and application, as Entra's. */
function pairwiseSub(oid: string, appId: string): string {
  return b64url(createHash('sha256').update(`${oid}|${appId}`).digest());
}

function sign(ctx: EntraContext, claims: JwtClaims, v1: boolean): string {
  const k = ctx.keys.current;
  // v1 headers carry x5t and kid; v2 headers only kid (OAUTH-NOTES §1 "Token header").
  const header: JwtClaims = v1 ? { typ: 'JWT', x5t: k.x5t, kid: k.kid } : { typ: 'JWT', kid: k.kid };
  return signJwt(header, claims, k.privateKey);
}

function times(ctx: EntraContext, lifetimeSec: number): { iat: number; nbf: number; exp: number } {
  const iat = ctx.clock.seconds();
  return { iat, nbf: iat, exp: iat + lifetimeSec };
}

/** A token id, remembered until the token has expired anyway (bounded for benchmarks). */
function issueUti(ctx: EntraContext, exp: number): string {
  const uti = b64url(randomBytes(16));
  if (ctx.issuedUtis.length >= 10_000) {
    const now = ctx.clock.seconds();
    ctx.issuedUtis = ctx.issuedUtis.filter((x) => x.exp > now);
  }
  ctx.issuedUtis.push({ uti, exp });
  return uti;
}

export interface MintedAccessToken {
  token: string;
  expiresIn: number;
}

export function mintDelegatedAccessToken(ctx: EntraContext, s: DelegatedSubject, resource: ResourceDef, scopes: string[]): MintedAccessToken {
  const lifetime = ctx.config.accessTokenLifetimeSec;
  const [given, ...rest] = s.user.displayName.split(' ');
  const t = times(ctx, lifetime);
  const claims: JwtClaims = {
    aud: resource.uri, iss: v1Issuer(s.user.tenant.id), ...t,
    acr: '1', aio: b64url(randomBytes(24)), amr: s.amr, appid: s.app.clientId, appidacr: s.appidacr,
    family_name: rest.join(' ') || s.user.displayName, given_name: given ?? s.user.displayName,
    ipaddr: '127.0.0.1', name: s.user.displayName, oid: s.user.oid, rh: '0.fake.',
    scp: scopes.map((x) => x.slice(x.lastIndexOf('/') + 1)).join(' '),
    sub: pairwiseSub(s.user.oid, s.app.clientId), tid: s.user.tenant.id,
    unique_name: s.user.upn, upn: s.user.upn, uti: issueUti(ctx, t.exp), ver: '1.0',
  };
  return { token: sign(ctx, claims, true), expiresIn: lifetime };
}

export function mintAppAccessToken(ctx: EntraContext, app: App, tenant: Tenant, resource: ResourceDef, roles: string[], appidacr: AppIdAcr): MintedAccessToken {
  const lifetime = Math.min(ctx.config.accessTokenLifetimeSec, 3599);
  const t = times(ctx, lifetime);
  const claims: JwtClaims = {
    aud: resource.uri, iss: v1Issuer(tenant.id), ...t,
    aio: b64url(randomBytes(24)), app_displayname: app.displayName, appid: app.clientId, appidacr,
    idp: v1Issuer(tenant.id), oid: app.servicePrincipalId, rh: '0.fake.',
    // OAUTH-NOTES §10.9: an app without granted roles still gets a token, just without `roles`.
    ...(roles.length > 0 ? { roles } : {}),
    sub: app.servicePrincipalId, tid: tenant.id, uti: issueUti(ctx, t.exp), ver: '1.0',
  };
  return { token: sign(ctx, claims, true), expiresIn: lifetime };
}

export function mintIdToken(ctx: EntraContext, user: User, app: App, authTime: number, nonce: string | undefined): string {
  const claims: JwtClaims = {
    aud: app.clientId, iss: v2Issuer(ctx, user.tenant.id), ...times(ctx, ctx.config.idTokenLifetimeSec),
    auth_time: Math.floor(authTime / 1000), name: user.displayName, oid: user.oid,
    preferred_username: user.upn, rh: '0.fake.', sub: pairwiseSub(user.oid, app.clientId),
    tid: user.tenant.id, uti: b64url(randomBytes(16)), ver: '2.0',
    // The nonce only when the authorize request carried one: msal throws nonce_mismatch otherwise (§9).
    ...(nonce !== undefined ? { nonce } : {}),
  };
  return sign(ctx, claims, false);
}

/** base64url `{"uid": oid, "utid": tid}`; msal builds homeAccountId `oid.tid` from it (§2.2). */
export function clientInfo(user: User): string {
  return b64url(JSON.stringify({ uid: user.oid, utid: user.tenant.id }));
}

export const randomToken = (prefix: string, bytes = 48): string => `${prefix}${b64url(randomBytes(bytes))}`;
