// GET /{tenant}/oauth2/v2.0/authorize (OAUTH-NOTES §2.1, §10.4): validation in Entra's order —
// problems with the client or redirect URI stop on an error page (there is nowhere safe to
// redirect), everything else redirects back with error + AADSTS + state — then the sign-in
// (login.ts), and finally the code redirect with state, session_state and client_info.

import { randomUUID } from 'node:crypto';
import { type EntraContext, errorContext } from './context.js';
import { type Tenant, redirectPlatforms } from './directory.js';
import { EntraError, errorRedirectParams } from './errors.js';
import type { Params } from './http.js';
import { type AuthorizeRequest, type LoginStep, type LoginTx, expandScopes } from './login.js';
import { clientInfo, randomToken } from './mint.js';
import { parseScopes } from './scopes.js';

export type AuthorizeStart =
  /** Stop on Entra's own error page. */
  | { kind: 'page'; err: EntraError }
  | { kind: 'redirect'; req: AuthorizeRequest; params: Record<string, string> }
  | { kind: 'step'; step: LoginStep };

export interface FinalRedirect {
  /** The URL the browser ends on (for form_post: the redirect URI itself). */
  url: string;
  mode: AuthorizeRequest['responseMode'];
  params: Record<string, string>;
}

const PROMPTS = ['login', 'none', 'consent', 'select_account', 'create'];
// RFC 7636 §4.2: 43–128 characters of the unreserved set.
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Validates the request up to the point where errors may be sent to the redirect URI. */
function validateClient(ctx: EntraContext, segment: string, q: Params): { req: AuthorizeRequest; tenant?: Tenant } {
  const ref = ctx.directory.resolveTenant(segment);
  if (!ref || ref.kind === 'consumers') throw EntraError.of(90002, { detail: `Tenant '${segment}' not found.` });
  const tenant = ref.kind === 'tenant' ? ref.tenant : undefined;
  const clientId = q.get('client_id');
  if (!clientId) throw EntraError.missing('client_id');
  const app = ctx.directory.app(clientId, tenant);
  if (!app) throw EntraError.of(700016, { detail: `Application with identifier '${clientId}' was not found in the directory '${tenant?.domains[0] ?? segment}'.` });
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri) throw EntraError.of(900971);
  const platforms = redirectPlatforms(app, redirectUri);
  if (platforms.size === 0) throw EntraError.of(50011, { detail: `Redirect URI '${redirectUri}', application '${app.clientId}'.` });
  if (!tenant && !app.multiTenant) throw EntraError.of(50194);
  const clientKind = platforms.size === 2 ? 'either' : platforms.has('web') ? 'confidential' : 'public';
  return { req: { app, redirectUri, clientKind, responseMode: 'query', clientInfo: q.get('client_info') === '1' }, tenant };
}

/** The rest of §2.1; errors from here on are redirected. */
function validateRest(req: AuthorizeRequest, q: Params): { requested: string[]; oidc: Set<string> } {
  const state = q.get('state');
  if (state !== undefined) req.state = state;
  const mode = q.get('response_mode') ?? 'query';
  if (mode !== 'query' && mode !== 'fragment' && mode !== 'form_post') throw EntraError.invalidParam('response_mode', mode);
  req.responseMode = mode;
  const type = q.get('response_type');
  if (!type) throw EntraError.missing('response_type');
  if (type !== 'code') throw EntraError.of(700054, { detail: `response_type '${type}'.` });
  const scope = q.get('scope');
  if (!scope) throw EntraError.missing('scope');
  const parsed = parseScopes(scope);
  const requested = expandScopes(parsed, req.app);
  if (requested.length === 0 && parsed.oidc.size === 0) throw EntraError.of(70011, { detail: `The scope ${scope} isn't valid.` });
  const challenge = q.get('code_challenge');
  const method = q.get('code_challenge_method');
  if (challenge !== undefined) {
    if (!PKCE_VALUE.test(challenge)) throw EntraError.of(501491);
    // Absent method with a challenge means plain (RFC 7636 §4.3).
    const m = method ?? 'plain';
    if (m !== 'S256' && m !== 'plain') throw EntraError.invalidParam('code_challenge_method', m);
    req.challenge = challenge;
    req.challengeMethod = m;
  } else if (method !== undefined) {
    throw EntraError.missing('code_challenge');
  }
  const nonce = q.get('nonce');
  if (nonce !== undefined) req.nonce = nonce;
  const prompt = q.get('prompt');
  if (prompt !== undefined && !PROMPTS.includes(prompt)) throw EntraError.invalidParam('prompt', prompt);
  return { requested, oidc: parsed.oidc };
}

export function startAuthorize(ctx: EntraContext, segment: string, q: Params, sessionId: string | undefined): AuthorizeStart {
  let client: { req: AuthorizeRequest; tenant?: Tenant };
  try {
    client = validateClient(ctx, segment, q);
  } catch (e) {
    if (e instanceof EntraError) return { kind: 'page', err: e };
    throw e;
  }
  const { req, tenant } = client;
  let scopes: { requested: string[]; oidc: Set<string> };
  try {
    scopes = validateRest(req, q);
  } catch (e) {
    if (e instanceof EntraError) return { kind: 'redirect', req, params: errorRedirectParams(e, errorContext(ctx), req.state) };
    throw e;
  }
  const prompt = q.get('prompt');
  const loginHint = q.get('login_hint');
  const tx = ctx.logins.begin({ tenant, app: req.app, requested: scopes.requested, oidc: scopes.oidc, loginHint, prompt, target: { kind: 'code', req } });

  const session = sessionId !== undefined ? ctx.sessions.get(sessionId) : undefined;
  const sessionUser = session ? ctx.directory.userByOid(session.userOid) : undefined;
  const usable = session && sessionUser && prompt !== 'login' && prompt !== 'select_account'
    && (!loginHint || loginHint.toLowerCase() === sessionUser.upn)
    && (!tenant || sessionUser.tenant === tenant);
  if (prompt === 'none') {
    if (!usable) return silentError(ctx, tx, req, EntraError.of(50058));
    const step = ctx.logins.resume(tx, sessionUser, session.amr, session.authTime);
    if (step.kind === 'otp') return silentError(ctx, tx, req, EntraError.of(50076, { error: 'interaction_required' }));
    if (step.kind === 'consent') return silentError(ctx, tx, req, EntraError.of(65001, { error: 'consent_required' }));
    if (step.kind === 'failed') return silentError(ctx, tx, req, step.err);
    return { kind: 'step', step };
  }
  if (usable) return { kind: 'step', step: ctx.logins.resume(tx, sessionUser, session.amr, session.authTime) };
  return { kind: 'step', step: { kind: 'login', tx } };
}

function silentError(ctx: EntraContext, tx: LoginTx, req: AuthorizeRequest, err: EntraError): AuthorizeStart {
  ctx.logins.end(tx);
  return { kind: 'redirect', req, params: errorRedirectParams(err, errorContext(ctx), req.state) };
}

/** Issues the code for a finished sign-in; returns the redirect parameters and the session id. */
export function issueCode(ctx: EntraContext, tx: LoginTx, req: AuthorizeRequest): { params: Record<string, string>; sessionId: string } {
  const user = tx.user;
  if (!user) throw new Error('issueCode before sign-in');
  const code = randomToken('1.AXoAfake', 96);
  if (ctx.codes.size >= 10_000) pruneCodes(ctx);
  ctx.codes.set(code, {
    code, clientId: req.app.clientId, redirectUri: req.redirectUri, tenantId: user.tenant.id, userOid: user.oid,
    scopes: tx.requested, oidc: [...tx.oidc], challenge: req.challenge, challengeMethod: req.challengeMethod,
    nonce: req.nonce, amr: tx.amr, authTime: tx.authTime, expiresAt: ctx.clock.now() + ctx.config.codeLifetimeMs, redeemed: false,
  });
  const sessionId = randomUUID();
  ctx.sessions.set(sessionId, { id: sessionId, userOid: user.oid, amr: tx.amr, authTime: tx.authTime });
  ctx.logins.end(tx);
  const params: Record<string, string> = { code };
  if (req.state !== undefined) params.state = req.state;
  params.session_state = sessionId;
  if (req.clientInfo) params.client_info = clientInfo(user);
  return { params, sessionId };
}

/** Drops codes that can no longer be redeemed, keeping recent ones so reuse still says 54005. */
function pruneCodes(ctx: EntraContext): void {
  const horizon = ctx.clock.now() - ctx.config.codeLifetimeMs;
  for (const [k, c] of ctx.codes) if (c.expiresAt < horizon) ctx.codes.delete(k);
}

export function declinedParams(ctx: EntraContext, tx: LoginTx, req: AuthorizeRequest): Record<string, string> {
  ctx.logins.end(tx);
  return errorRedirectParams(EntraError.of(65004), errorContext(ctx), req.state);
}

export function finalRedirect(req: AuthorizeRequest, params: Record<string, string>): FinalRedirect {
  const encoded = new URLSearchParams(params).toString();
  if (req.responseMode === 'form_post') return { url: req.redirectUri, mode: 'form_post', params };
  if (req.responseMode === 'fragment') return { url: `${req.redirectUri.split('#')[0] ?? ''}#${encoded}`, mode: 'fragment', params };
  const sep = req.redirectUri.includes('?') ? '&' : '?';
  return { url: `${req.redirectUri}${sep}${encoded}`, mode: 'query', params };
}
