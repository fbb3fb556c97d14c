// App-only OAuth for org-wide deployments (DESIGN.md "Upstream sign-in": `oauth-app`,
// OAUTH-NOTES §5): the client credentials grant for `<EWS resource>/.default`, one token for every
// mailbox — an app token names no user, so each EWS call picks its mailbox with the
// ExchangeImpersonation SOAP header (and the transport's X-AnchorMailbox). The token is held in
// memory and renewed before it expires; concurrent callers share one renewal (single flight), so
// twenty syncs over three mailboxes cost the authority one request. A 401 forces exactly one new
// token (§7 "Bridge rule"); a second 401 is final. Tokens are opaque to the bridge (§6): only
// `expiresOn` from msal is read, never the claims.

import { inspect } from 'node:util';
import { ConfidentialClientApplication, LogLevel, type AuthenticationResult, type Configuration } from '@azure/msal-node';
import type { buildConnector } from 'undici';
import { resolveSecret, type Config } from '../../config/index.js';
import { EwsdavError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { type UpstreamTarget, upstreamResource, upstreamTargetOf } from './oauth-deployment.js';
import { oauthError } from './oauth-errors.js';
import { AuthorityHttp } from './oauth-network.js';
import type { AuthRequestContext, UpstreamAuth, UpstreamAuthorization } from './types.js';
import { BearerToken, type IssuedToken } from './bearer-token.js';

/** The part of a ConfidentialClientApplication the provider needs (tests may fake it). */
export interface ClientCredentialApp {
  acquireTokenByClientCredential(request: { scopes: string[]; skipCache?: boolean }): Promise<AuthenticationResult | null>;
}

export interface OAuthAppAuthOptions {
  clientId: string;
  app: ClientCredentialApp;
  /** `<resource>/.default` (OAUTH-NOTES §5). */
  scope: string;
  /** Renew when the held token expires within this, default 300 s (msal's own renewal offset). */
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
  /** Closes what the provider owns (the authority HTTP client). */
  onClose?: () => Promise<void>;
}

/** What `ewsdav check` may show about the app token: never the token itself. */
export interface AppTokenInfo {
  expiresOn: Date;
  scope: string;
  acquisitions: number;
}

export class OAuthAppAuth implements UpstreamAuth {
  readonly scheme = 'oauth-app' as const;
  /** Token requests made through msal, for tests and metrics. */
  acquisitions = 0;
  readonly clientId: string;
  readonly scope: string;
  readonly #o: OAuthAppAuthOptions;
  readonly #token: BearerToken;

  constructor(options: OAuthAppAuthOptions) {
    this.#o = options;
    this.clientId = options.clientId;
    this.scope = options.scope;
    this.#token = new BearerToken({
      issue: (renew) => this.#acquire(renew),
      // skipCache when renewing an expiring token: msal's cache could hand back the same one.
      renewExpiring: true,
      ...(options.refreshMarginMs !== undefined ? { refreshMarginMs: options.refreshMarginMs } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  describe(): string {
    return `oauth-app:${this.clientId}`;
  }

  async authorize(ctx: AuthRequestContext): Promise<UpstreamAuthorization> {
    // The transport turns `impersonate` into the SOAP header and sends X-AnchorMailbox = mailbox.
    return { headers: { authorization: await this.#token.header(ctx) }, impersonate: { primarySmtpAddress: ctx.mailbox } };
  }

  async onUnauthorized(ctx: AuthRequestContext): Promise<'retry' | 'fail'> {
    // Another call already replaced the token this one carried: retry with the new one, no request.
    if (this.#token.replacedSince(ctx)) return 'retry';
    this.#o.logger?.info({ app: this.clientId, mailbox: ctx.mailbox }, 'EWS refused the app token; requesting a new one once');
    await this.#token.renew();
    return 'retry';
  }

  /** Gets a token now (for `ewsdav check`) and tells when it expires. */
  async tokenInfo(): Promise<AppTokenInfo> {
    return { expiresOn: await this.#token.expiresOn(), scope: this.scope, acquisitions: this.acquisitions };
  }

  async #acquire(renew: boolean): Promise<IssuedToken> {
    this.acquisitions += 1;
    try {
      // skipCache on renewal: msal's own cache would hand back the token EWS just refused.
      const result = await this.#o.app.acquireTokenByClientCredential({ scopes: [this.scope], ...(renew ? { skipCache: true } : {}) });
      if (!result?.accessToken) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', 'Microsoft sign-in returned no app token.', { hint: 'Check oauth.clientId, oauth.tenant and the app credential.' });
      return result;
    } catch (err) {
      const mapped = oauthError(err, 'the app token request (client credentials)');
      // App-only has no user grant to re-link: every refusal is the admin's to fix.
      mapped.details['relink'] = false;
      throw mapped;
    }
  }

  async close(): Promise<void> {
    await this.#o.onClose?.();
  }

  toJSON(): { scheme: 'oauth-app'; clientId: string } {
    return { scheme: 'oauth-app', clientId: this.clientId };
  }

  [inspect.custom](): string {
    return `OAuthAppAuth { clientId: ${JSON.stringify(this.clientId)}, token: [redacted] }`;
  }
}

// msal-node knows these hosts' metadata; any other host (the tests' fake authority, a proxy) must be
// named in knownAuthorities, or msal asks login.microsoftonline.com for instance discovery (§9).
const MICROSOFT_HOSTS = new Set([
  'login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net',
  'login.microsoftonline.us', 'login.usgovcloudapi.net', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn',
]);

/** `<resource>/.default` for the cloud exchange.url points at (national clouds, §1); else the global one. */
/** App-only tokens ask for the resource's `.default`: the application permissions an admin granted. */
export function appScope(target: UpstreamTarget): string {
  return `${upstreamResource(target)}/.default`;
}

export interface OAuthAppRuntimeOptions {
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Connect options for the authority (a private CA, e.g. the tests' fake authority). */
  authorityConnect?: buildConnector.BuildOptions;
}

/** `exchange.auth: "oauth-app"` from the configuration: one provider for the whole deployment. */
export async function createOAuthAppAuth(config: Config, options: OAuthAppRuntimeOptions): Promise<OAuthAppAuth> {
  const oauth = config.oauth;
  if (!oauth || (oauth.clientSecret === undefined && oauth.certificate === undefined)) {
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', 'exchange.auth "oauth-app" needs an "oauth" section with tenant, clientId and clientSecret or certificate.', {
      hint: 'See docs/exchange-online.md, "Org-wide app-only access".',
    });
  }
  const secret = (ref: Parameters<typeof resolveSecret>[0], path: string) => resolveSecret(ref, { baseDir: options.baseDir, ...(options.env ? { env: options.env } : {}), path });
  const authorityHost = oauth.authorityHost.replace(/\/+$/, '');
  const host = new URL(authorityHost);
  const http = new AuthorityHttp(options.authorityConnect ? { connect: options.authorityConnect } : {});
  const logger = options.logger;
  const msalConfig: Configuration = {
    auth: {
      clientId: oauth.clientId,
      authority: `${authorityHost}/${oauth.tenant}`,
      ...(MICROSOFT_HOSTS.has(host.hostname) ? {} : { knownAuthorities: [host.host] }),
      // A certificate wins over a secret (secrets expire, AADSTS7000222). msal signs the assertion
      // (PS256, x5t#S256); the fake authority refuses assertions today (700027), so it is untested.
      ...(oauth.certificate
        ? { clientCertificate: { thumbprintSha256: oauth.certificate.thumbprintSha256, privateKey: await secret(oauth.certificate.privateKey, 'oauth.certificate.privateKey') } }
        : { clientSecret: await secret(oauth.clientSecret!, 'oauth.clientSecret') }),
    },
    system: {
      networkClient: http,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (_level, message) => logger?.debug({ component: 'msal' }, message),
      },
    },
  };
  return new OAuthAppAuth({
    clientId: oauth.clientId,
    app: new ConfidentialClientApplication(msalConfig),
    scope: appScope(upstreamTargetOf(config)),
    ...(logger ? { logger: logger.child({ component: 'oauth-app' }) } : {}),
    onClose: () => http.close(),
  });
}
