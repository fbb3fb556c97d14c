// POST /{tenant}/oauth2/v2.0/token (OAUTH-NOTES §2.2–§2.5, §5, §10.5–§10.9): one function per
// grant type. Every failure is an EntraError; the server turns it into §2.2's JSON.

import { createHash } from 'node:crypto';
import { checkClient, lookupApp, readClientCredentials } from './client-auth.js';
import type { ClientKind, EntraContext } from './context.js';
import { type Tenant, type TenantRef, redirectPlatforms } from './directory.js';
import { pollDevice } from './device.js';
import { EntraError } from './errors.js';
import { checkUserMayGetTokens } from './grants.js';
import type { Params } from './http.js';
import { mintAppAccessToken } from './mint.js';
import { type ResourceDef, parseScopes, resourceOfScope, singleResource } from './scopes.js';
import { delegatedTokenResponse, grantedFor } from './token-response.js';

export type TokenBody = Record<string, string | number>;

export interface TokenRequest {
  ref: TenantRef;
  params: Params;
  authorization?: string;
}

const DEVICE_CODE_URN = 'urn:ietf:params:oauth:grant-type:device_code';

/** msal-node sends `device_code`, RFC 8628 the URN; both mean the same (OAUTH-NOTES §4). */
export function normaliseGrantType(g: string | undefined): string | undefined {
  return g === DEVICE_CODE_URN ? 'device_code' : g;
}

const tenantOf = (ref: TenantRef): Tenant | undefined => (ref.kind === 'tenant' ? ref.tenant : undefined);

export function handleToken(ctx: EntraContext, req: TokenRequest): TokenBody {
  const raw = req.params.get('grant_type');
  if (!raw) throw EntraError.missing('grant_type');
  switch (normaliseGrantType(raw)) {
    case 'authorization_code': return authorizationCode(ctx, req);
    case 'refresh_token': return refreshToken(ctx, req);
    case 'client_credentials': return clientCredentials(ctx, req);
    case 'device_code': return pollDevice(ctx, req);
    default: throw EntraError.of(70003, { detail: `Grant type: '${raw}'.` });
  }
}

function required(p: Params, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === '') throw EntraError.missing(name);
  return v;
}

/** The resource and the delegated scopes a token request names; checks they are consented. */
function requestedResource(scopeText: string | undefined, fallback: string[]): { resource: ResourceDef; oidc: Set<string> } {
  const parsed = parseScopes(scopeText ?? '');
  const named = singleResource(parsed, scopeText ?? '');
  const resource = named ?? fallback.map(resourceOfScope).find((r) => r !== undefined);
  if (!resource) throw EntraError.of(70011, { detail: `The scope ${scopeText ?? ''} names no resource.` });
  return { resource, oidc: parsed.oidc };
}

function requireConsent(scopeText: string | undefined, check: (s: string) => boolean, resourceGranted: string[]): void {
  const parsed = parseScopes(scopeText ?? '');
  const missing = parsed.resourceScopes.filter((s) => !check(s));
  // `/.default` on a delegated request = whatever is consented; nothing consented = no grant.
  if (missing.length > 0 || (parsed.defaults.length > 0 && resourceGranted.length === 0)) {
    throw EntraError.of(65001, { detail: `Scopes not consented: ${missing.join(' ') || parsed.defaults.map((d) => `${d.uri}/.default`).join(' ')}.` });
  }
}

function verifyPkce(challenge: string, method: 'S256' | 'plain', verifier: string): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return computed === challenge;
}

function authorizationCode(ctx: EntraContext, req: TokenRequest): TokenBody {
  const p = req.params;
  const codeValue = required(p, 'code');
  const creds = readClientCredentials(p, req.authorization);
  const app = lookupApp(ctx, creds.clientId, tenantOf(req.ref));
  const rec = ctx.codes.get(codeValue);
  if (!rec) throw EntraError.of(70000, { detail: 'The authorization code is malformed or unknown.' });
  if (rec.redeemed) throw EntraError.of(54005);
  if (rec.clientId !== app.clientId) throw EntraError.of(70000, { detail: 'The code was issued to a different client.' });
  if (req.ref.kind === 'tenant' && req.ref.tenant.id !== rec.tenantId) throw EntraError.of(700005);
  if (ctx.clock.now() > rec.expiresAt) throw EntraError.of(70008);
  const redirectUri = required(p, 'redirect_uri');
  if (redirectUri !== rec.redirectUri) throw EntraError.of(500112, { detail: `Reply address '${redirectUri}', expected '${rec.redirectUri}'.` });
  // The platform the redirect URI is registered under decides the client type (§3).
  const platforms = redirectPlatforms(app, rec.redirectUri);
  const need: ClientKind | 'either' = platforms.size === 2 ? 'either' : platforms.has('web') ? 'confidential' : 'public';
  const client = checkClient(ctx, app, creds, need);
  if (rec.challenge !== undefined && rec.challengeMethod !== undefined) {
    const verifier = p.get('code_verifier');
    if (verifier === undefined) throw EntraError.missing('code_verifier');
    if (!verifyPkce(rec.challenge, rec.challengeMethod, verifier)) throw EntraError.of(501481);
  }
  const user = ctx.directory.userByOid(rec.userOid);
  if (!user) throw EntraError.of(50057);
  checkUserMayGetTokens(user, rec.amr, 'interactive');
  const { resource, oidc } = requestedResource(p.get('scope'), rec.scopes);
  const granted = grantedFor(ctx, user, app, resource);
  requireConsent(p.get('scope'), (s) => ctx.directory.isGranted(user, app, s), granted);
  rec.redeemed = true;
  const allOidc = new Set([...rec.oidc, ...oidc]);
  const refresh = allOidc.has('offline_access')
    ? ctx.grants.issue({ userOid: user.oid, clientId: app.clientId, clientKind: client.kind, amr: rec.amr, authTime: rec.authTime }, user)
    : undefined;
  return delegatedTokenResponse(ctx, {
    user, app, amr: rec.amr, appidacr: client.appidacr, resource, oidc: allOidc, authTime: rec.authTime,
    nonce: rec.nonce, clientInfo: p.get('client_info') === '1', refreshToken: refresh,
  });
}

function refreshToken(ctx: EntraContext, req: TokenRequest): TokenBody {
  const p = req.params;
  const token = required(p, 'refresh_token');
  const creds = readClientCredentials(p, req.authorization);
  const app = lookupApp(ctx, creds.clientId, tenantOf(req.ref));
  const { rec, user } = ctx.grants.check(token, app);
  if (req.ref.kind === 'tenant' && req.ref.tenant !== user.tenant) throw EntraError.of(70000, { detail: 'The refresh token belongs to another tenant.' });
  const client = checkClient(ctx, app, creds, rec.clientKind);
  // A refresh token is bound to user + client, not to a resource (§2.3): any consented resource.
  const { resource, oidc } = requestedResource(p.get('scope'), []);
  const granted = grantedFor(ctx, user, app, resource);
  requireConsent(p.get('scope'), (s) => ctx.directory.isGranted(user, app, s), granted);
  const next = ctx.grants.rotate(rec);
  return delegatedTokenResponse(ctx, {
    user, app, amr: rec.amr, appidacr: client.appidacr, resource, oidc, authTime: rec.authTime,
    clientInfo: p.get('client_info') === '1', refreshToken: next,
  });
}

function clientCredentials(ctx: EntraContext, req: TokenRequest): TokenBody {
  if (req.ref.kind !== 'tenant') throw EntraError.of(9001023);
  const p = req.params;
  const creds = readClientCredentials(p, req.authorization);
  const tenant = req.ref.tenant;
  const app = lookupApp(ctx, creds.clientId, tenant);
  const client = checkClient(ctx, app, creds, 'confidential');
  const scope = required(p, 'scope');
  const parsed = parseScopes(scope);
  const resource = parsed.defaults[0];
  // Client credentials take exactly `<resource>/.default` (ID/v2-oauth2-client-creds-grant-flow).
  if (!resource || parsed.defaults.length !== 1 || parsed.resourceScopes.length > 0 || parsed.oidc.size > 0) {
    throw EntraError.of(70011, { detail: `The scope ${scope} isn't valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.` });
  }
  // Application permissions are admin-consented in the app's home tenant only.
  const roles = app.tenant === tenant ? [...(app.appRoles.get(resource.uri) ?? [])] : [];
  const at = mintAppAccessToken(ctx, app, tenant, resource, roles, client.appidacr);
  return { token_type: 'Bearer', expires_in: at.expiresIn, ext_expires_in: at.expiresIn, access_token: at.token };
}
