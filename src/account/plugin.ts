// The account page (DESIGN.md "Account page and OAuth URLs"): GET /account, its POST forms, and
// GET /oauth/callback. Signing in with Microsoft is both how a user links their mailbox and how
// they prove who they are to this page, so the page never asks for a password of its own. Every
// POST carries the session's CSRF token; the OAuth state must come back to the browser session
// that started the sign-in (a state from anywhere else links nothing). Pages are answered with
// no-store and a CSP without scripts; nothing secret is ever put into a URL the bridge emits.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DevicePasswords } from '../auth/clients/device-passwords.js';
import type { OAuthRuntime } from '../auth/upstream/oauth-config.js';
import type { Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import type { AppContext } from '../server/app.js';
import type { PublicBase } from '../server/public-url.js';
import type { SqliteStore } from '../store/sqlite/store.js';
import type { SyncEngine } from '../store/sync/engine.js';
import { COOKIE, SessionStore, readCookie, sameSecret, sessionCookie, type Session } from './sessions.js';
import { accountPage, failurePage, linkedPage, signInPage } from './views.js';

export interface AccountPluginOptions {
  oauth: OAuthRuntime;
  store: Pick<SqliteStore, 'oauthGrants' | 'listCalendars'>;
  devicePasswords: DevicePasswords;
  /** Used for the account's sync state; a link itself restarts sync through the linker's onLinked. */
  engine: Pick<SyncEngine, 'status'>;
  config: Config;
  /** Tests pass their own to observe or age sessions. */
  sessions?: SessionStore;
}

const MICROSOFT = 'https://login.microsoftonline.com';
const FORM_LIMIT = 16 * 1024;

export function contentSecurityPolicy(authorityHost: string | undefined): string {
  // form-action is enforced on the redirect that follows a form POST (Chromium), so the
  // authority the "Sign in" form redirects to must be listed as well.
  const origins = new Set(['\'self\'', MICROSOFT]);
  if (authorityHost) origins.add(new URL(authorityHost).origin);
  return `default-src 'none'; style-src 'self' 'unsafe-inline'; form-action ${[...origins].join(' ')}; frame-ancestors 'none'; base-uri 'self'`;
}

function field(request: FastifyRequest, name: string): string {
  return request.body instanceof URLSearchParams ? (request.body.get(name) ?? '') : '';
}

function stateOf(pasted: string): string | undefined {
  try {
    const url = new URL(pasted.trim());
    return url.searchParams.get('state') ?? new URLSearchParams(url.hash.slice(1)).get('state') ?? undefined;
  } catch {
    return undefined;
  }
}

const NOT_THIS_SESSION = new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST',
  'This sign-in answer does not belong to a sign-in started from this browser (altered, already used, expired, or from another sign-in). Nothing was linked.',
  { hint: 'Go back to the account page and sign in again.' });

export function accountPlugin(o: AccountPluginOptions): (app: FastifyInstance, ctx: AppContext) => Promise<void> {
  const sessions = o.sessions ?? new SessionStore();
  const mode = o.config.oauth?.redirect === 'callback' ? 'callback' : 'nativeclient';
  const csp = contentSecurityPolicy(o.config.oauth?.authorityHost);
  const linker = o.oauth.linker;

  return async (app, ctx) => {
    await app.register(async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
        done(null, new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8')));
      });
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('Content-Security-Policy', csp).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer')
          .header('X-Frame-Options', 'DENY').header('Cache-Control', 'no-store');
      });

      const base = (request: FastifyRequest): PublicBase => ctx.publicBase(request);
      const setCookie = (request: FastifyRequest, reply: FastifyReply, s: Session): void => {
        const b = base(request);
        void reply.header('Set-Cookie', sessionCookie(s.id, { path: b.prefix, secure: b.origin.startsWith('https:') }));
      };
      const page = (reply: FastifyReply, status: number, body: string): FastifyReply => reply.code(status).type('text/html; charset=utf-8').send(body);
      const toAccount = (request: FastifyRequest, reply: FastifyReply): FastifyReply => reply.code(303).header('Location', `${base(request).prefix}account`).send();

      /** The request's session, or a new anonymous one (with its cookie). */
      const sessionFor = (request: FastifyRequest, reply: FastifyReply): Session => {
        const existing = sessions.get(readCookie(request.headers.cookie, COOKIE));
        if (existing) return existing;
        const created = sessions.create();
        setCookie(request, reply, created);
        return created;
      };

      /** A POST's session, only with the right CSRF token; otherwise the caller answers 403. */
      const postSession = (request: FastifyRequest): Session | undefined => {
        const s = sessions.get(readCookie(request.headers.cookie, COOKIE));
        return s && sameSecret(field(request, 'csrf'), s.csrf) ? s : undefined;
      };
      const refused = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
        page(reply, 403, failurePage(base(request).prefix, 'This form has expired or was not sent from the account page. Nothing was changed.', 'Reload the account page and try again.'));

      const render = async (request: FastifyRequest, reply: FastifyReply, s: Session, extra: { status?: number; created?: { name: string; password: string }; error?: EwsdavError } = {}): Promise<FastifyReply> => {
        const b = base(request);
        const notice = s.flash;
        delete s.flash;
        const error = extra.error ? { message: extra.error.message, ...(extra.error.hint ? { hint: extra.error.hint } : {}) } : undefined;
        const pendingUrl = mode === 'nativeclient' && s.pending.length > 0 ? s.pendingUrl : undefined;
        if (!s.user) return page(reply, extra.status ?? 200, signInPage(b.prefix, { csrf: s.csrf, mode, ...(pendingUrl ? { pendingUrl } : {}), ...(error ? { error } : {}) }));
        const sync = o.engine.status().find((a) => a.user === s.user);
        return page(reply, extra.status ?? 200, accountPage(b.prefix, {
          user: s.user, csrf: s.csrf, mode, base: `${b.origin}${b.prefix}`,
          grant: o.store.oauthGrants.get(s.user), calendars: await o.store.listCalendars(s.user), devices: o.devicePasswords.list(s.user),
          ...(sync?.error ? { syncError: sync.error.message } : {}),
          ...(extra.created ? { created: extra.created } : {}), ...(notice ? { notice } : {}), ...(error ? { error } : {}), ...(pendingUrl ? { pendingUrl } : {}),
        }));
      };

      /** A finished sign-in: a fresh session for the user (fixation), then the "Linked" page. */
      const signedIn = (request: FastifyRequest, reply: FastifyReply, old: Session | undefined, user: string, relinked: boolean): FastifyReply => {
        const s = sessions.signIn(old, user);
        setCookie(request, reply, s);
        return page(reply, 200, linkedPage(base(request).prefix, user, relinked));
      };
      const linkFailed = (request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply => {
        if (!(err instanceof EwsdavError)) throw err;
        request.log.info({ code: err.code }, 'account page: sign-in refused');
        return page(reply, err.status >= 500 ? 502 : err.status, failurePage(base(request).prefix, err.message, err.hint));
      };

      scope.get('/account', async (request, reply) => render(request, reply, sessionFor(request, reply)));

      scope.post('/account/signin', async (request, reply) => {
        const s = postSession(request);
        if (!s) return refused(request, reply);
        try {
          const pending = await linker.startAuthCode({ redirect: mode, ...(s.user ? { user: s.user } : {}) });
          sessions.addPending(s, pending.state);
          if (mode === 'callback') return reply.code(303).header('Location', pending.url).send();
          s.pendingUrl = pending.url;
          return toAccount(request, reply);
        } catch (err) {
          if (err instanceof EwsdavError) return render(request, reply, s, { status: 502, error: err });
          throw err;
        }
      });

      scope.post('/account/paste', async (request, reply) => {
        const s = postSession(request);
        if (!s) return refused(request, reply);
        const pasted = field(request, 'url');
        const state = stateOf(pasted);
        try {
          // Without a state linker.completePaste explains what is missing; with one it must be ours.
          if (state !== undefined && !sessions.takePending(s, state)) throw NOT_THIS_SESSION;
          const result = await linker.completePaste(pasted);
          return signedIn(request, reply, s, result.user, result.relinked);
        } catch (err) {
          return linkFailed(request, reply, err);
        }
      });

      scope.get<{ Querystring: Record<string, string | undefined> }>('/oauth/callback', async (request, reply) => {
        const s = sessions.get(readCookie(request.headers.cookie, COOKIE));
        const state = typeof request.query.state === 'string' ? request.query.state : undefined;
        try {
          if (state === undefined || !sessions.takePending(s, state)) throw NOT_THIS_SESSION;
          const result = await linker.completeCallback(request.query);
          return signedIn(request, reply, s, result.user, result.relinked);
        } catch (err) {
          return linkFailed(request, reply, err);
        }
      });

      scope.post('/account/device-passwords', async (request, reply) => {
        const s = postSession(request);
        if (!s?.user) return refused(request, reply);
        try {
          const created = await o.devicePasswords.create(s.user, field(request, 'name'));
          // Answered directly (not redirected) so the password exists only in this one response.
          return await render(request, reply, s, { created: { name: created.name, password: created.password } });
        } catch (err) {
          if (err instanceof EwsdavError) return render(request, reply, s, { status: err.status, error: err });
          throw err;
        }
      });

      scope.post('/account/device-passwords/revoke', async (request, reply) => {
        const s = postSession(request);
        if (!s?.user) return refused(request, reply);
        const id = field(request, 'id');
        const name = o.devicePasswords.list(s.user).find((d) => d.id === id)?.name;
        // revoke() is scoped to the signed-in user: another user's id revokes nothing.
        s.flash = name !== undefined && o.devicePasswords.revoke(s.user, id) ? `Revoked “${name}”: apps using it are refused from their next request.` : 'Nothing to revoke.';
        return toAccount(request, reply);
      });

      scope.post('/account/signout', async (request, reply) => {
        const s = postSession(request);
        if (!s) return refused(request, reply);
        sessions.destroy(s.id);
        void reply.header('Set-Cookie', sessionCookie('', { path: base(request).prefix, secure: base(request).origin.startsWith('https:'), maxAgeSeconds: 0 }));
        return toAccount(request, reply);
      });
    });
  };
}
