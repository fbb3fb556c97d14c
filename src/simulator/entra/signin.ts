// HTTP side of the interactive sign-in: /authorize, the posted login pages (/_login…), the
// device verification page (/devicelogin) and the non-browser test hooks (/test/authorize,
// /test/devicelogin) that walk the same steps from one JSON request (OAUTH-NOTES §10.4, §10.8).

import { type FinalRedirect, declinedParams, finalRedirect, issueCode, startAuthorize } from './authorize.js';
import { type EntraContext, errorContext } from './context.js';
import { EntraError, errorBody } from './errors.js';
import type { Params } from './http.js';
import type { LoginStep } from './login.js';
import { consentPage, deviceCodeEntryPage, deviceDonePage, errorPage, formPostPage, loginPage, otpPage } from './pages.js';

export interface Reply {
  status: number;
  json?: unknown;
  html?: string;
  location?: string;
  headers?: Record<string, string>;
  /** For the request log. */
  error?: EntraError;
}

export const SESSION_COOKIE = 'ESTSAUTHFAKE';

const pageError = (e: EntraError): Reply => ({ status: 400, html: errorPage(e.code, e.description), error: e });

/** Renders a step for a browser. */
export function stepReply(ctx: EntraContext, step: LoginStep): Reply {
  const tx = step.tx;
  switch (step.kind) {
    case 'login': return { status: 200, html: loginPage(tx, step.error) };
    case 'otp': return { status: 200, html: otpPage(tx, step.error) };
    case 'consent': return { status: 200, html: consentPage(tx) };
    default: break;
  }
  if (tx.target.kind === 'device') {
    const flow = ctx.devices.byDeviceCode(tx.target.deviceCode);
    ctx.logins.end(tx);
    if (!flow) return pageError(EntraError.of(70019));
    if (step.kind === 'failed') {
      ctx.devices.fail(flow, step.err);
      return pageError(step.err);
    }
    if (step.kind === 'declined') ctx.devices.decline(flow);
    else if (tx.user) ctx.devices.approve(flow, tx.user, tx.amr, tx.authTime);
    return { status: 200, html: deviceDonePage(tx.app.displayName, step.kind === 'done') };
  }
  if (step.kind === 'failed') {
    ctx.logins.end(tx);
    return pageError(step.err);
  }
  const { target, headers } = codeOutcome(ctx, step);
  if (target.mode === 'form_post') return { status: 200, html: formPostPage(target.url, target.params), headers };
  return { status: 302, location: target.url, headers };
}

/** The redirect that ends a finished or declined sign-in, plus the SSO session cookie. */
function codeOutcome(ctx: EntraContext, step: LoginStep): { target: FinalRedirect; headers: Record<string, string> } {
  const tx = step.tx;
  if (tx.target.kind !== 'code') throw new Error('not an authorize sign-in');
  const req = tx.target.req;
  const issued = step.kind === 'done' ? issueCode(ctx, tx, req) : undefined;
  const params = issued ? issued.params : declinedParams(ctx, tx, req);
  const secure = ctx.baseUrl.startsWith('https:') ? '; Secure; SameSite=None' : '';
  const headers: Record<string, string> = issued ? { 'set-cookie': `${SESSION_COOKIE}=${issued.sessionId}; Path=/; HttpOnly${secure}` } : {};
  return { target: finalRedirect(req, params), headers };
}

export function authorizeReply(ctx: EntraContext, segment: string, q: Params, sessionId: string | undefined): Reply {
  const start = startAuthorize(ctx, segment, q, sessionId);
  if (start.kind === 'page') return pageError(start.err);
  if (start.kind === 'redirect') {
    const target = finalRedirect(start.req, start.params);
    return target.mode === 'form_post' ? { status: 200, html: formPostPage(target.url, start.params) } : { status: 302, location: target.url };
  }
  return stepReply(ctx, start.step);
}

/** POST /_login, /_login/otp, /_login/consent */
export function loginPostReply(ctx: EntraContext, which: 'password' | 'otp' | 'consent', f: Params): Reply {
  const tx = ctx.logins.get(f.get('tx') ?? '');
  if (!tx) return pageError(EntraError.of(70000, { detail: 'The sign-in session expired or is unknown; start again.' }));
  if (which === 'password') return stepReply(ctx, ctx.logins.submitPassword(tx, f.get('login') ?? '', f.get('passwd') ?? ''));
  if (which === 'otp') return stepReply(ctx, ctx.logins.submitOtp(tx, f.get('otc') ?? ''));
  return stepReply(ctx, ctx.logins.submitConsent(tx, f.get('consent') === 'accept'));
}

/** GET/POST /devicelogin: code entry, then the ordinary sign-in pages. */
export function deviceLoginReply(ctx: EntraContext, f: Params | undefined): Reply {
  if (!f) return { status: 200, html: deviceCodeEntryPage() };
  const flow = ctx.devices.byUserCode(f.get('otc') ?? '');
  if (!flow) return { status: 200, html: deviceCodeEntryPage("AADSTS70018: That code didn't work. Check the code and try again."), error: EntraError.of(70018) };
  const tx = ctx.logins.begin({ tenant: flow.tenant, app: flow.app, requested: flow.requested, oidc: flow.oidc, target: { kind: 'device', deviceCode: flow.deviceCode } });
  return stepReply(ctx, { kind: 'login', tx });
}

// --- test hooks ------------------------------------------------------------------------------

const hookError = (ctx: EntraContext, e: EntraError): Reply => ({ status: e.status, json: errorBody(e, errorContext(ctx)), error: e });

/** Walks the pages with the given answers; stops at the first step that needs missing input. */
function drive(ctx: EntraContext, first: LoginStep, f: Params): LoginStep | EntraError {
  let step = first;
  for (let guard = 0; guard < 8; guard++) {
    if (step.kind === 'login') {
      if (step.error) return EntraError.of(50126, { detail: step.error });
      if (guard > 0) return EntraError.of(50126);
      step = ctx.logins.submitPassword(step.tx, f.get('username') ?? '', f.get('password') ?? '');
    } else if (step.kind === 'otp') {
      if (step.error) return EntraError.of(50076, { detail: step.error });
      const otp = f.get('otp');
      if (otp === undefined) return EntraError.of(50076, { error: 'interaction_required', detail: 'The sign-in needs the second factor: pass "otp".' });
      step = ctx.logins.submitOtp(step.tx, otp);
    } else if (step.kind === 'consent') {
      const c = f.get('consent');
      if (c !== 'accept' && c !== 'decline') return EntraError.of(65001, { error: 'consent_required', detail: 'The sign-in shows a consent page: pass "consent": "accept" or "decline".' });
      step = ctx.logins.submitConsent(step.tx, c === 'accept');
    } else {
      return step;
    }
  }
  return EntraError.of(70000, { detail: 'sign-in did not finish' });
}

/** POST /test/authorize {authorizeUrl, username, password, otp?, consent?} → {redirectUrl}. */
export function testAuthorizeReply(ctx: EntraContext, f: Params): Reply {
  let url: URL;
  try {
    url = new URL(f.get('authorizeUrl') ?? '');
  } catch {
    return hookError(ctx, EntraError.missing('authorizeUrl'));
  }
  const segment = url.pathname.split('/').filter(Boolean)[0] ?? '';
  const q: Params = new Map([...url.searchParams]);
  const start = startAuthorize(ctx, segment, q, undefined);
  if (start.kind === 'page') return hookError(ctx, start.err);
  if (start.kind === 'redirect') {
    const t = finalRedirect(start.req, start.params);
    return { status: 200, json: { redirectUrl: t.url, responseMode: t.mode, params: t.params } };
  }
  const end = drive(ctx, start.step, f);
  if (end instanceof EntraError) {
    ctx.logins.end(start.step.tx);
    return hookError(ctx, end);
  }
  if (end.kind === 'failed') {
    ctx.logins.end(end.tx);
    return hookError(ctx, end.err);
  }
  const { target } = codeOutcome(ctx, end);
  return { status: 200, json: { redirectUrl: target.url, responseMode: target.mode, params: target.params } };
}

/** POST /test/devicelogin {userCode, username, password, otp?, consent?} → {result}. */
export function testDeviceLoginReply(ctx: EntraContext, f: Params): Reply {
  const flow = ctx.devices.byUserCode(f.get('userCode') ?? '');
  if (!flow) return hookError(ctx, EntraError.of(70018));
  if (f.get('consent') === 'decline' && !f.has('username')) {
    ctx.devices.decline(flow);
    return { status: 200, json: { result: 'declined' } };
  }
  const tx = ctx.logins.begin({ tenant: flow.tenant, app: flow.app, requested: flow.requested, oidc: flow.oidc, target: { kind: 'device', deviceCode: flow.deviceCode } });
  const end = drive(ctx, { kind: 'login', tx }, f);
  if (end instanceof EntraError) {
    ctx.logins.end(tx);
    return hookError(ctx, end);
  }
  stepReply(ctx, end);
  if (end.kind === 'failed') return hookError(ctx, end.err);
  return { status: 200, json: { result: end.kind === 'done' ? 'approved' : 'declined' } };
}
