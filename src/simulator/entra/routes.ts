// URL → handler for the protocol endpoints, sign-in pages and test hooks, with fault injection
// in front of the protocol endpoints. Returns a Reply plus what the request log records.

import type { IncomingHttpHeaders } from 'node:http';
import { readClientCredentials } from './client-auth.js';
import { type EntraContext, errorContext } from './context.js';
import { startDeviceCode } from './device.js';
import type { TenantRef } from './directory.js';
import { jwks, openIdConfiguration, openIdConfigurationV1 } from './discovery.js';
import { EntraError, errorBody } from './errors.js';
import type { ActiveEntraFault, EntraEndpoint } from './faults.js';
import { type Params, cookies, parseParams, queryParams } from './http.js';
import { errorPage, signedOutPage } from './pages.js';
import { SESSION_COOKIE, type Reply, authorizeReply, deviceLoginReply, loginPostReply, testAuthorizeReply, testDeviceLoginReply } from './signin.js';
import { handleToken, normaliseGrantType } from './token.js';

export interface RouteInput {
  method: string;
  url: URL;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface RouteOutput {
  reply: Reply;
  endpoint: string;
  grantType?: string;
  clientId?: string;
  fault?: ActiveEntraFault;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

function jsonError(ctx: EntraContext, e: EntraError, correlationId?: string): Reply {
  return { status: e.status, json: errorBody(e, errorContext(ctx, correlationId)), error: e };
}

/** Entra's own answer to an injected 429/503 (OAUTH-NOTES §10.11). */
function faultReply(ctx: EntraContext, f: ActiveEntraFault): Reply | undefined {
  if (f.kind === 'slow') return undefined;
  const e = f.kind === 'http429' ? EntraError.of(90055, { status: 429 }) : EntraError.of(90033, { status: 503 });
  const retry: Record<string, string> = f.retryAfterSeconds === null ? {} : { 'retry-after': String(f.retryAfterSeconds ?? 1) };
  return { ...jsonError(ctx, e), headers: retry };
}

const TENANT_ROUTES: [RegExp, EntraEndpoint | 'logout' | 'discoveryV1', string][] = [
  [/^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/, 'discovery', 'GET'],
  [/^\/([^/]+)\/\.well-known\/openid-configuration$/, 'discoveryV1', 'GET'],
  [/^\/([^/]+)\/discovery(?:\/v2\.0)?\/keys$/, 'keys', 'GET'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/authorize$/, 'authorize', 'GET POST'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/token$/, 'token', 'POST'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/, 'devicecode', 'POST'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/logout$/, 'logout', 'GET POST'],
];

export function route(ctx: EntraContext, input: RouteInput): RouteOutput {
  const { url, method } = input;
  const path = url.pathname;
  const form = (): Params => parseParams(input.body, header(input.headers, 'content-type'));
  if (path === '/_login' || path === '/_login/otp' || path === '/_login/consent') {
    if (method !== 'POST') return { endpoint: 'login', reply: { status: 405, html: errorPage(90100, 'POST only') } };
    const which = path === '/_login' ? 'password' : path === '/_login/otp' ? 'otp' : 'consent';
    return { endpoint: 'login', reply: loginPostReply(ctx, which, form()) };
  }
  if (path === '/devicelogin') {
    const fault = ctx.faults.take('devicelogin', undefined);
    const reply = (fault && faultReply(ctx, fault)) ?? deviceLoginReply(ctx, method === 'POST' ? form() : undefined);
    return { endpoint: 'devicelogin', reply, fault };
  }
  if (path === '/test/authorize' && method === 'POST') return { endpoint: 'test', reply: testAuthorizeReply(ctx, form()) };
  if (path === '/test/devicelogin' && method === 'POST') return { endpoint: 'test', reply: testDeviceLoginReply(ctx, form()) };
  if (path === '/error') {
    const code = Number(url.searchParams.get('code'));
    return { endpoint: 'error', reply: { status: 200, html: errorPage(code, `See ${url.href}`) } };
  }
  for (const [re, endpoint, methods] of TENANT_ROUTES) {
    const m = re.exec(path);
    if (!m?.[1]) continue;
    if (!methods.split(' ').includes(method)) return { endpoint, reply: { status: 405, json: { error: 'method not allowed' } } };
    return tenantRoute(ctx, input, decodeURIComponent(m[1]), endpoint);
  }
  return { endpoint: 'unknown', reply: { status: 404, json: { error: 'not_found', path } } };
}

function tenantRoute(ctx: EntraContext, input: RouteInput, segment: string, endpoint: EntraEndpoint | 'logout' | 'discoveryV1'): RouteOutput {
  const correlationId = header(input.headers, 'client-request-id');
  // Only the token endpoint takes form bodies; msal's JSON-less POSTs are all form-encoded.
  const params: Params = input.method === 'POST' ? parseParams(input.body, 'application/x-www-form-urlencoded') : queryParams(input.url);
  const grantType = endpoint === 'token' ? normaliseGrantType(params.get('grant_type')) : undefined;
  let clientId = params.get('client_id');
  if (endpoint === 'token') {
    try {
      clientId = readClientCredentials(params, header(input.headers, 'authorization')).clientId;
    } catch {
      // logged without a client id; the handler reports the problem
    }
  }
  const base = { endpoint, grantType, clientId: clientId?.toLowerCase() };
  const fault = endpoint === 'logout' || endpoint === 'discoveryV1' ? undefined : ctx.faults.take(endpoint, grantType);
  const injected = fault && faultReply(ctx, fault);
  if (injected) return { ...base, fault, reply: injected };

  if (endpoint === 'authorize') {
    const sid = cookies(header(input.headers, 'cookie')).get(SESSION_COOKIE);
    return { ...base, fault, reply: authorizeReply(ctx, segment, input.method === 'POST' ? params : queryParams(input.url), sid) };
  }
  const ref: TenantRef | undefined = ctx.directory.resolveTenant(segment);
  if (!ref || ref.kind === 'consumers') {
    return { ...base, fault, reply: jsonError(ctx, EntraError.of(90002, { detail: `Tenant '${segment}' not found.` }), correlationId) };
  }
  try {
    switch (endpoint) {
      case 'discovery': return { ...base, fault, reply: { status: 200, json: openIdConfiguration(ctx, ref, segment) } };
      case 'discoveryV1': return { ...base, reply: { status: 200, json: openIdConfigurationV1(ctx, ref, segment) } };
      case 'keys': return { ...base, fault, reply: { status: 200, json: jwks(ctx, ref) } };
      case 'devicecode': {
        const tenant = ref.kind === 'tenant' ? ref.tenant : undefined;
        return { ...base, fault, reply: { status: 200, json: startDeviceCode(ctx, tenant, params) } };
      }
      case 'logout': return { ...base, reply: logout(input.url) };
      default: {
        const json = handleToken(ctx, { ref, params, authorization: header(input.headers, 'authorization') });
        return { ...base, fault, reply: { status: 200, json } };
      }
    }
  } catch (e) {
    if (e instanceof EntraError) return { ...base, fault, reply: jsonError(ctx, e, correlationId ?? params.get('client-request-id')) };
    throw e;
  }
}

/** Sign-out: forget the SSO cookie, go to post_logout_redirect_uri if given. */
function logout(url: URL): Reply {
  const clear = { 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0` };
  const next = url.searchParams.get('post_logout_redirect_uri');
  return next ? { status: 302, location: next, headers: clear } : { status: 200, html: signedOutPage(), headers: clear };
}
