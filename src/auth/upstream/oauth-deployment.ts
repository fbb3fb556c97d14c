// One Entra app registration per deployment (OAUTH-NOTES §1, §9 "Which class"): a
// ConfidentialClientApplication when a secret or certificate is configured, else a
// PublicClientApplication. msal's in-memory cache is per instance and deserialize() replaces it
// (§9 "Cache"), so each linked user gets an own instance over the same registration, with the
// encrypted per-user cache plugin; linking uses throwaway instances with memory-only caches, so
// a refused sign-in stores nothing.

import {
  ConfidentialClientApplication, LogLevel, PublicClientApplication, type Configuration, type ICachePlugin,
} from '@azure/msal-node';
import type { Logger } from '../../log.js';
import type { OAuthGrantRows } from '../../store/sqlite/oauth-rows.js';
import type { SecretBox } from './crypto-box.js';
import { AuthorityHttp, type AuthorityHttpOptions } from './oauth-network.js';
import { OAuthAuth } from './oauth.js';
import { StoredTokenCache } from './token-cache.js';

export const EXCHANGE_ONLINE_RESOURCE = 'https://outlook.office365.com';

// msal-node knows these hosts' metadata (§1 "National clouds"); any other host (a test authority,
// an Entra-compatible proxy) must be named in knownAuthorities, or msal asks
// login.microsoftonline.com for instance discovery (§9 "Running against a local fake authority").
const MICROSOFT_HOSTS = new Set([
  'login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net',
  'login.microsoftonline.us', 'login.usgovcloudapi.net', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn',
]);

export interface OAuthDeploymentOptions {
  clientId: string;
  /** Tenant GUID (preferred), domain, or "organizations". */
  tenant: string;
  /** e.g. https://login.microsoftonline.com; national clouds have their own (§1). */
  authorityHost: string;
  clientSecret?: string;
  certificate?: { privateKey: string; thumbprintSha256: string };
  /** Delegated scopes for EWS (msal adds openid profile offline_access). */
  scopes: readonly string[];
  grants: OAuthGrantRows;
  box: SecretBox;
  http?: AuthorityHttpOptions;
  logger?: Logger;
  now?: () => number;
}

/** What linking and the providers need from an msal client application. */
export type MsalApp = PublicClientApplication | ConfidentialClientApplication;

export class OAuthDeployment {
  readonly authority: string;
  readonly authorityHost: string;
  readonly clientId: string;
  readonly tenant: string;
  readonly scopes: readonly string[];
  readonly confidential: boolean;
  readonly http: AuthorityHttp;
  readonly grants: OAuthGrantRows;
  readonly box: SecretBox;
  readonly #options: OAuthDeploymentOptions;
  readonly #providers = new Map<string, OAuthAuth>();

  constructor(options: OAuthDeploymentOptions) {
    this.#options = options;
    this.authorityHost = options.authorityHost.replace(/\/+$/, '');
    this.tenant = options.tenant;
    this.authority = `${this.authorityHost}/${options.tenant}`;
    this.clientId = options.clientId;
    this.scopes = options.scopes;
    this.confidential = options.clientSecret !== undefined || options.certificate !== undefined;
    this.http = new AuthorityHttp(options.http);
    this.grants = options.grants;
    this.box = options.box;
  }

  /** The Microsoft-hosted blank page for the paste-back flow (§3), on this cloud's host when it is Microsoft's. */
  get nativeClientUri(): string {
    const host = new URL(this.authorityHost).hostname;
    const base = MICROSOFT_HOSTS.has(host) ? this.authorityHost : 'https://login.microsoftonline.com';
    return `${base}/common/oauth2/nativeclient`;
  }

  /** A new msal instance over this registration; `cachePlugin` absent = memory-only cache. */
  createApp(cachePlugin?: ICachePlugin): MsalApp {
    const o = this.#options;
    const host = new URL(this.authorityHost).host;
    const logger = o.logger;
    const config: Configuration = {
      auth: {
        clientId: o.clientId,
        authority: this.authority,
        ...(MICROSOFT_HOSTS.has(new URL(this.authorityHost).hostname) ? {} : { knownAuthorities: [host] }),
        ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
        ...(o.certificate ? { clientCertificate: { thumbprintSha256: o.certificate.thumbprintSha256, privateKey: o.certificate.privateKey } } : {}),
      },
      system: {
        networkClient: this.http,
        loggerOptions: {
          // PII logging stays off: msal then logs no user names or tokens.
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (_level, message) => logger?.debug({ component: 'msal' }, message),
        },
      },
      ...(cachePlugin ? { cache: { cachePlugin } } : {}),
    };
    return this.confidential ? new ConfidentialClientApplication(config) : new PublicClientApplication(config);
  }

  /** The upstream auth provider of a linked user (one per user and process). */
  provider(user: string): OAuthAuth {
    let p = this.#providers.get(user);
    if (!p) {
      const app = this.createApp(new StoredTokenCache(user, this.grants, this.box));
      p = new OAuthAuth({
        user, app, grants: this.grants, scopes: this.scopes,
        ...(this.#options.now ? { now: this.#options.now } : {}),
        ...(this.#options.logger ? { logger: this.#options.logger.child({ component: 'oauth', user }) } : {}),
      });
      this.#providers.set(user, p);
    }
    return p;
  }

  /** After a re-link: the next provider starts from the new grant. */
  forget(user: string): void {
    this.#providers.delete(user);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** Default delegated scope: EWS of the cloud the EWS URL points at (§1 table), else the global one. */
export function defaultScopes(ewsUrl: string | undefined): string[] {
  let resource = EXCHANGE_ONLINE_RESOURCE;
  if (ewsUrl) {
    const u = new URL(ewsUrl);
    if (/^(outlook\.office365\.(com|us)|outlook-dod\.office365\.us|partner\.outlook\.cn)$/i.test(u.hostname)) resource = u.origin;
  }
  return [`${resource}/EWS.AccessAsUser.All`, 'offline_access'];
}
