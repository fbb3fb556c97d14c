// Linking a Microsoft 365 account (OAUTH-NOTES §2, §3, §4): auth code + PKCE with the
// `nativeclient` paste-back or the bridge's /oauth/callback, and the device authorization grant.
// A pending sign-in is {state (256 bits), PKCE verifier, user, redirect URI, 10-minute expiry},
// kept in this process and consumed on first use. Everything is checked before anything is
// stored: a refused sign-in (error, tampered state, reused code, wrong verifier, other tenant or
// domain) links nothing. A re-link renews the grant row in place, so the user's calendars,
// ETags and device passwords stay (DESIGN.md "Account page and OAuth URLs").

import { randomBytes } from 'node:crypto';
import { CryptoProvider, ServerError, type AuthenticationResult } from '@azure/msal-node';
import { EwsdavError } from '../../errors.js';
import { pollDeviceCode, type DeviceCodePrompt, type PollOptions } from './device-code.js';
import type { MsalApp, OAuthDeployment } from './oauth-deployment.js';
import { oauthError } from './oauth-errors.js';
import { accessTokenExpiry } from './token-cache.js';

const PENDING_MS = 10 * 60_000; // codes live "about 10 minutes" (§2.1)
const MAX_PENDING = 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RedirectStyle = 'nativeclient' | 'callback';

export interface LinkerOptions {
  deployment: OAuthDeployment;
  /** E-mail domains allowed to link; empty = any in the allowed tenants. */
  allowedDomains: readonly string[];
  /** More tenant ids allowed besides the configured one (multi-tenant apps). */
  allowedTenants: readonly string[];
  /** Base URL for the callback style (`{publicUrl}oauth/callback`). */
  publicUrl?: string;
  /** Told after a grant was stored (the bridge restarts that account's sync). */
  onLinked?: (result: LinkResult) => void | Promise<void>;
  now?: () => number;
}

export interface LinkResult {
  user: string;
  tenantId: string;
  homeAccountId: string;
  /** True when an existing grant was renewed in place. */
  relinked: boolean;
  scopes: string[];
  expiresAt?: number;
}

export interface PendingSignIn {
  url: string;
  state: string;
  redirectUri: string;
  expiresAt: number;
}

interface Pending {
  verifier: string;
  user?: string;
  redirectUri: string;
  expiresAt: number;
}

const refuse = (message: string, hint?: string, code: 'EWSDAV_ERR_CLIENT_BAD_REQUEST' | 'EWSDAV_ERR_CLIENT_FORBIDDEN' = 'EWSDAV_ERR_CLIENT_BAD_REQUEST'): EwsdavError =>
  new EwsdavError(code, message, hint ? { hint } : {});

export class Linker {
  readonly #o: LinkerOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Pending>();
  readonly #crypto = new CryptoProvider();

  constructor(options: LinkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get callbackUri(): string | undefined {
    const base = this.#o.publicUrl;
    return base ? `${base.endsWith('/') ? base : `${base}/`}oauth/callback` : undefined;
  }

  /** Step 1 of auth code + PKCE: the URL to open in a browser. */
  async startAuthCode(options: { user?: string; redirect: RedirectStyle }): Promise<PendingSignIn> {
    const redirectUri = options.redirect === 'nativeclient' ? this.#o.deployment.nativeClientUri : this.callbackUri;
    if (!redirectUri) throw refuse('The callback sign-in needs server.publicUrl.', 'Set server.publicUrl, or use oauth.redirect "nativeclient" (paste the URL).');
    this.#prune();
    const { verifier, challenge } = await this.#crypto.generatePkceCodes();
    const state = randomBytes(32).toString('base64url');
    const app = this.#o.deployment.createApp();
    let url: string;
    try {
      url = await app.getAuthCodeUrl({
        scopes: [...this.#o.deployment.scopes], redirectUri, responseMode: 'query', codeChallenge: challenge, codeChallengeMethod: 'S256', state,
        prompt: 'select_account', ...(options.user ? { loginHint: options.user } : {}),
      });
    } catch (err) {
      throw oauthError(err, 'creating the sign-in URL');
    }
    const expiresAt = this.#now() + PENDING_MS;
    this.#pending.set(state, { verifier, redirectUri, expiresAt, ...(options.user ? { user: options.user.toLowerCase() } : {}) });
    return { url, state, redirectUri, expiresAt };
  }

  /** The `nativeclient` flow: the whole address the browser ended on, pasted by the user (§3). */
  async completePaste(pasted: string): Promise<LinkResult> {
    let url: URL;
    try {
      url = new URL(pasted.trim());
    } catch {
      throw refuse('That is not a URL: paste the whole address from the browser\'s address bar (it starts with https://).');
    }
    const params = new URLSearchParams(url.search);
    // A fragment answer (response_mode=fragment) carries the same parameters after '#'.
    if (!params.has('state') && url.hash.length > 1) for (const [k, v] of new URLSearchParams(url.hash.slice(1))) params.set(k, v);
    return this.#complete(params, `${url.origin}${url.pathname}`);
  }

  /** The callback flow: the query of GET /oauth/callback. */
  async completeCallback(query: URLSearchParams | Record<string, string | undefined>): Promise<LinkResult> {
    const params = query instanceof URLSearchParams ? query : new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return this.#complete(params, this.callbackUri);
  }

  /** The device authorization grant (§4): returns the code to show and a promise of the result. */
  async startDeviceCode(options: { user?: string; poll?: PollOptions } = {}): Promise<{ prompt: DeviceCodePrompt; result: Promise<LinkResult> }> {
    const d = this.#o.deployment;
    if (d.confidential) {
      throw refuse('Device-code sign-in needs a public client registration, but oauth.clientSecret (or a certificate) is configured.', 'Use the paste flow (ewsdav link USER --paste), or a public app registration with "Allow public client flows".');
    }
    const flow = await pollDeviceCode({ http: d.http, authority: d.authority, clientId: d.clientId, scopes: d.scopes }, options.poll);
    const result = flow.tokens.then(async (refreshToken) => {
      // msal cannot adopt a raw token response; redeeming the fresh refresh token once fills its
      // cache through the supported path (one extra token request per link).
      const app = d.createApp();
      let r: AuthenticationResult | null;
      try {
        r = await app.acquireTokenByRefreshToken({ refreshToken, scopes: [...d.scopes], forceCache: true });
      } catch (err) {
        throw oauthError(err, 'the device-code sign-in');
      }
      if (!r) throw refuse('Microsoft returned no token for the device-code sign-in.');
      return this.#finish(app, r, options.user?.toLowerCase());
    });
    return { prompt: flow.prompt, result };
  }

  async #complete(params: URLSearchParams, arrivedAt: string | undefined): Promise<LinkResult> {
    const state = params.get('state');
    if (!state) throw refuse('The sign-in answer has no "state": paste the whole address, including everything after "?".');
    const pending = this.#pending.get(state);
    if (!pending) {
      throw refuse('This sign-in answer does not belong to a pending sign-in of this bridge (altered, already used, or from another sign-in). Nothing was linked.', 'Start the sign-in again.');
    }
    this.#pending.delete(state); // single use, whatever happens next
    if (pending.expiresAt < this.#now()) throw refuse('The sign-in took longer than 10 minutes. Nothing was linked.', 'Start the sign-in again.');
    if (arrivedAt !== undefined && arrivedAt.toLowerCase() !== pending.redirectUri.toLowerCase()) {
      throw refuse(`The pasted address is not the sign-in's return address (${pending.redirectUri}). Nothing was linked.`, 'Paste the address the browser shows after signing in.');
    }
    const error = params.get('error');
    if (error) {
      const description = (params.get('error_description') ?? '').split(/\r?\n/)[0] ?? '';
      const fromUri = /[?&]code=(\d+)/.exec(params.get('error_uri') ?? '')?.[1];
      const errorNo = fromUri ?? /AADSTS(\d+)/.exec(description)?.[1];
      const mapped = oauthError(new ServerError(error, '', description, undefined, errorNo), 'the sign-in');
      const declined = error === 'access_denied';
      throw new EwsdavError(declined ? 'EWSDAV_ERR_CLIENT_FORBIDDEN' : 'EWSDAV_ERR_UPSTREAM_AUTH', `Microsoft sign-in ended with "${error}"${description ? `: ${description}` : ''}. Nothing was linked.`, {
        ...(mapped.details.upstreamCode ? { upstreamCode: mapped.details.upstreamCode } : {}),
        hint: errorNo !== undefined && mapped.hint ? mapped.hint : declined ? 'The permissions were declined; sign in again and accept them.' : 'Start the sign-in again.',
      });
    }
    const code = params.get('code');
    if (!code) throw refuse('The sign-in answer has no "code". Nothing was linked.', 'Start the sign-in again.');
    const app = this.#o.deployment.createApp();
    let result: AuthenticationResult;
    try {
      result = await app.acquireTokenByCode({ code, scopes: [...this.#o.deployment.scopes], redirectUri: pending.redirectUri, codeVerifier: pending.verifier });
    } catch (err) {
      const mapped = oauthError(err, 'the sign-in code');
      throw new EwsdavError(mapped.code, `${mapped.message} Nothing was linked.`, mapped.details, { cause: err });
    }
    return this.#finish(app, result, pending.user);
  }

  /** Tenant, domain and user checks, then the encrypted grant is stored (in place on a re-link). */
  async #finish(app: MsalApp, result: AuthenticationResult, expectedUser: string | undefined): Promise<LinkResult> {
    const account = result.account;
    if (!account) throw refuse('Microsoft returned no account for the sign-in. Nothing was linked.');
    const username = account.username.toLowerCase();
    const tenantId = account.tenantId.toLowerCase();
    const d = this.#o.deployment;
    const tenants = [...this.#o.allowedTenants, ...(GUID.test(d.tenant) ? [d.tenant] : [])].map((x) => x.toLowerCase());
    // A tenant configured by domain is a tenant-specific authority: Entra signs in only that
    // tenant's users there. "organizations"/"common" accept any tenant, so only the list counts.
    const specificDomain = !GUID.test(d.tenant) && !['organizations', 'common', 'consumers'].includes(d.tenant.toLowerCase());
    const tenantOk = tenants.includes(tenantId) || specificDomain;
    if (!tenantOk) {
      throw refuse(`${username} belongs to tenant ${tenantId}, which may not use this bridge. Nothing was linked.`, 'Sign in with an account of the organisation this bridge serves (an admin can add the tenant to oauth.allowedTenants).', 'EWSDAV_ERR_CLIENT_FORBIDDEN');
    }
    const domain = username.split('@')[1] ?? '';
    if (this.#o.allowedDomains.length > 0 && !this.#o.allowedDomains.some((x) => x.toLowerCase() === domain)) {
      throw refuse(`Accounts of ${domain || 'this domain'} may not use this bridge (allowed: ${this.#o.allowedDomains.join(', ')}). Nothing was linked.`, undefined, 'EWSDAV_ERR_CLIENT_FORBIDDEN');
    }
    if (expectedUser && expectedUser !== username) {
      throw refuse(`Signed in as ${username}, but the link was for ${expectedUser}. Nothing was linked.`, `Sign in as ${expectedUser} (use "Sign in with another account" on Microsoft's page).`, 'EWSDAV_ERR_CLIENT_FORBIDDEN');
    }
    const serialized = app.getTokenCache().serialize();
    const relinked = d.grants.get(username) !== undefined;
    const scopes = result.scopes;
    const expiresAt = result.expiresOn?.getTime() ?? accessTokenExpiry(serialized);
    d.grants.link(username, {
      homeAccountId: account.homeAccountId, tenantId, username, cache: d.box.seal(serialized, username), scopes,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    d.forget(username);
    const linked: LinkResult = { user: username, tenantId, homeAccountId: account.homeAccountId, relinked, scopes, ...(expiresAt !== undefined ? { expiresAt } : {}) };
    await this.#o.onLinked?.(linked);
    return linked;
  }

  #prune(): void {
    const now = this.#now();
    for (const [k, p] of this.#pending) if (p.expiresAt < now) this.#pending.delete(k);
    // Bounded: the oldest pending sign-ins go first (Maps iterate in insertion order).
    while (this.#pending.size >= MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value as string);
  }
}
