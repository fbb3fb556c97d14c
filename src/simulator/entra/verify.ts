// Access-token checks for the fake resource servers (EWS and Graph simulators), as Exchange
// Online makes them (OAUTH-NOTES §7, §10.12): RS256 signature by `kid` against the authority's
// keys, v1 issuer of a known tenant, audience, nbf/exp with skew, then scope (delegated) or
// role (app-only). Failures carry the x-ms-diagnostics code EWS would send. Imports nothing
// of the authority's state: a trust source is passed in (live, or built from a JWKS document).

import { type KeyObject, createPublicKey } from 'node:crypto';
import { type JwtClaims, decodeJwt, num, str, verifyRs256 } from './jwt.js';

export interface EntraTrust {
  keyForKid(kid: string): KeyObject | undefined;
  knownTenant(tenantId: string): boolean;
  /** Epoch ms; the authority's virtual clock when live. */
  now(): number;
  /** Tokens the test made "expired" with control.expireAllAccessTokens(). */
  isExpiredUti?(uti: string): boolean;
}

export interface VerifyOptions {
  trust: EntraTrust;
  /** Accepted `aud` values, e.g. `https://outlook.office365.com`. */
  audience: string | readonly string[];
  /** Delegated tokens must carry this in `scp` (e.g. `EWS.AccessAsUser.All`). */
  requiredScope?: string;
  /** App-only tokens must carry this in `roles` (e.g. `full_access_as_app`). */
  requiredRole?: string;
  /** Allowed clock skew for nbf/exp (default 300 s). */
  skewSeconds?: number;
}

/** The diagnostics Exchange Online sends with a 401 (OAUTH-NOTES §7, [observed]). */
export type DiagnosticCode = '2000001' | '2000003' | '2000008';

export interface VerifyFailure {
  ok: false;
  /** True when no bearer token was presented at all (challenge without `error=`). */
  noToken: boolean;
  diagnostics: DiagnosticCode;
  category: 'invalid_token' | 'invalid_resource' | 'invalid_grant';
  reason: string;
}

export interface VerifySuccess {
  ok: true;
  kind: 'delegated' | 'app';
  claims: JwtClaims;
  tenantId: string;
  appId: string;
  oid: string;
  /** Delegated only. */
  upn?: string;
  scopes: string[];
  roles: string[];
}

export type VerifyResult = VerifySuccess | VerifyFailure;

const fail = (diagnostics: DiagnosticCode, reason: string, noToken = false): VerifyFailure => ({
  ok: false, noToken, diagnostics, reason,
  category: diagnostics === '2000003' ? 'invalid_resource' : diagnostics === '2000008' ? 'invalid_grant' : 'invalid_token',
});

const has = (list: string[], want: string): boolean => list.some((x) => x.toLowerCase() === want.toLowerCase());

export function verifyAccessToken(token: string, opts: VerifyOptions): VerifyResult {
  const jwt = decodeJwt(token);
  if (!jwt) return fail('2000001', 'The token could not be parsed.');
  if (jwt.header.alg !== 'RS256') return fail('2000001', `Unsupported signing algorithm '${String(jwt.header.alg)}'.`);
  const kid = str(jwt.header.kid);
  const key = kid ? opts.trust.keyForKid(kid) : undefined;
  if (!key) return fail('2000001', `The signing key '${kid ?? ''}' is not known.`);
  if (!verifyRs256(jwt, key)) return fail('2000001', 'The token signature is invalid.');
  const c = jwt.payload;
  const tid = str(c.tid) ?? '';
  if (!tid || !opts.trust.knownTenant(tid)) return fail('2000001', `The tenant '${tid}' is not known.`);
  if (str(c.iss) !== `https://sts.windows.net/${tid}/`) return fail('2000001', `The issuer '${str(c.iss) ?? ''}' is not trusted.`);
  const audiences = typeof opts.audience === 'string' ? [opts.audience] : opts.audience;
  const aud = str(c.aud) ?? '';
  if (!audiences.includes(aud)) {
    return fail('2000003', `The audience claim value is invalid '${aud}'. Expected '${audiences.join("', '")}'.`);
  }
  const now = opts.trust.now() / 1000;
  const skew = opts.skewSeconds ?? 300;
  const exp = num(c.exp);
  const nbf = num(c.nbf);
  if (exp === undefined || now > exp + skew) return fail('2000001', 'The token has expired.');
  if (nbf !== undefined && now < nbf - skew) return fail('2000001', 'The token is not yet valid.');
  const uti = str(c.uti);
  if (uti && opts.trust.isExpiredUti?.(uti)) return fail('2000001', 'The token has expired.');
  const scopes = (str(c.scp) ?? '').split(' ').filter(Boolean);
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [];
  const kind = scopes.length > 0 ? 'delegated' : 'app';
  if (kind === 'delegated' && (opts.requiredScope === undefined ? opts.requiredRole !== undefined : !has(scopes, opts.requiredScope))) {
    return fail('2000008', `The token lacks the required scope '${opts.requiredScope ?? ''}'.`);
  }
  if (kind === 'app' && (opts.requiredRole === undefined ? opts.requiredScope !== undefined : !has(roles, opts.requiredRole))) {
    return fail('2000008', roles.length === 0 ? 'The token has no scope and no role.' : `The token lacks the required role '${opts.requiredRole ?? ''}'.`);
  }
  return {
    ok: true, kind, claims: c, tenantId: tid, appId: str(c.appid) ?? '', oid: str(c.oid) ?? '',
    upn: kind === 'delegated' ? str(c.upn) ?? str(c.unique_name) : undefined, scopes, roles,
  };
}

/** Verifies an `Authorization` header value; no header or no Bearer token → `noToken`. */
export function verifyAuthorizationHeader(header: string | undefined, opts: VerifyOptions): VerifyResult {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return fail('2000001', 'No bearer token was presented.', true);
  return verifyAccessToken(m[1], opts);
}

export interface ChallengeOptions {
  /** Default: Exchange Online's `https://login.microsoftonline.com/common/oauth2/authorize`. */
  authorizationUri?: string;
  /** Append `,Basic Realm=""` as some Exchange Online captures show. */
  basicRealm?: boolean;
}

/** The headers of Exchange Online's 401 for a failed (or absent) bearer token (OAUTH-NOTES §7). */
export function ewsUnauthorizedHeaders(failure: VerifyFailure | undefined, opts: ChallengeOptions = {}): Record<string, string> {
  const parts = [
    'Bearer client_id="00000002-0000-0ff1-ce00-000000000000"',
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*"',
    'token_types="app_asserted_user_v1 service_asserted_app_v1"',
    `authorization_uri="${opts.authorizationUri ?? 'https://login.microsoftonline.com/common/oauth2/authorize'}"`,
  ];
  const sent = failure !== undefined && !failure.noToken;
  if (sent) parts.push('error="invalid_token"');
  const headers: Record<string, string> = { 'www-authenticate': parts.join(', ') + (opts.basicRealm ? ',Basic Realm=""' : '') };
  if (sent) {
    headers['x-ms-diagnostics'] = `${failure.diagnostics};reason="${failure.reason.replace(/"/g, "'")}";error_category="${failure.category}"`;
  }
  return headers;
}

/** A trust source from a JWKS document, for a resource simulator in another process. */
export function trustFromJwks(doc: { keys: readonly { kid?: string; kty?: string; n?: string; e?: string }[] }, tenantIds: readonly string[], now: () => number = Date.now): EntraTrust {
  const keys = new Map<string, KeyObject>();
  for (const k of doc.keys) {
    if (k.kid && k.kty === 'RSA' && k.n && k.e) keys.set(k.kid, createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' }));
  }
  const tenants = new Set(tenantIds.map((t) => t.toLowerCase()));
  return { keyForKid: (kid) => keys.get(kid), knownTenant: (tid) => tenants.has(tid.toLowerCase()), now };
}
