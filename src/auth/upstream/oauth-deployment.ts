// One Entra app registration per deployment (OAUTH-NOTES §1, §9 "Which class"): a
// ConfidentialClientApplication when a secret or certificate is configured, else a
// PublicClientApplication. msal's in-memory cache is per instance and deserialize() replaces it
// (§9 "Cache"), so each linked user gets an own instance over the same registration, with the
// encrypted per-user cache plugin; linking uses throwaway instances with memory-only caches, so
// a refused sign-in stores nothing.

import {
  ConfidentialClientApplication, LogLevel, PublicClientApplication, type Configuration, type ICachePlugin,
} from '@azure/msal-node';
import type { Config } from '../../config/index.js';
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

/** Global Microsoft Graph resource (OAUTH-NOTES §1, §11). */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Hosts of Exchange Online's EWS, one per cloud (OAUTH-NOTES §1). */
export const EWS_CLOUD_HOSTS = /^(outlook\.office365\.(com|us)|outlook-dod\.office365\.us|partner\.outlook\.cn)$/i;
const GRAPH_CLOUD_HOSTS = /^(graph\.microsoft\.(com|us)|dod-graph\.microsoft\.us|microsoftgraph\.chinacloudapi\.cn)$/i;

/** Which API the bridge reads (exchange.api) and where: what the token's audience must be. */
export interface UpstreamTarget {
  api: 'ews' | 'graph';
  /** exchange.url (EWS). */
  ewsUrl?: string | undefined;
  /** graph.url (Graph). */
  graphUrl?: string | undefined;
}

/**
 * The resource a token is requested for: the cloud the configured URL points at (§1 table), else
 * the global one (an on-prem host or a test simulator still takes tokens for the global audience).
 */
export function upstreamResource(target: UpstreamTarget): string {
  const [url, known, global] = target.api === 'graph'
    ? [target.graphUrl, GRAPH_CLOUD_HOSTS, GRAPH_RESOURCE]
    : [target.ewsUrl, EWS_CLOUD_HOSTS, EXCHANGE_ONLINE_RESOURCE];
  if (url) {
    const u = new URL(url);
    if (known.test(u.hostname)) return u.origin;
  }
  return global;
}

export function upstreamTargetOf(config: Config): UpstreamTarget {
  return { api: config.exchange.api, ewsUrl: config.exchange.url, graphUrl: config.graph.url };
}

/** Default delegated scopes: EWS.AccessAsUser.All, or Calendars.Read for Graph (plus a refresh token). */
export function defaultScopes(target: UpstreamTarget): string[] {
  const resource = upstreamResource(target);
  return [target.api === 'graph' ? `${resource}/Calendars.Read` : `${resource}/EWS.AccessAsUser.All`, 'offline_access'];
}
