// The running bridge: store, sync engine, upstream sources, client login and the HTTP front-ends,
// assembled from one configuration. `ewsdav serve`, `ewsdav demo` and end-to-end tests start it.

import { mkdirSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { buildConnector } from 'undici';
import { resolveSecret, type Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import { parseBasicAuth } from '../auth/clients/basic-header.js';
import { FailureLimiter } from '../auth/clients/rate-limit.js';
import { PassthroughLogin, normalizeUser } from '../auth/clients/passthrough.js';
import { AccountsLogin } from '../auth/clients/accounts.js';
import type { ClientLogin, LoginFailureReason } from '../auth/clients/types.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { SyncEngine } from '../store/sync/engine.js';
import { feedPlugin } from '../feed/plugin.js';
import { StoredFeedTokens } from '../feed/stored-tokens.js';
import { resolveConfiguredFeeds, withConfiguredFeeds } from '../feed/configured.js';
import type { Logger } from '../log.js';
import { BridgeMetrics } from '../metrics.js';
import { buildApp } from './app.js';
import { registerDav } from './dav-plugin.js';
import { parsePublicUrl } from './public-url.js';
import { readiness } from './readiness.js';
import { UpstreamFactory } from './upstream.js';
import { createOAuthRuntime, type OAuthRuntime } from '../auth/upstream/oauth-config.js';
import { DevicePasswords } from '../auth/clients/device-passwords.js';
import { accountPlugin } from '../account/index.js';
import { devicePasswordLogin, syncLinkedUser, appDevicePasswordLogin, LinkWatcher } from './oauth-login.js';
import { createOAuthAppAuth, type OAuthAppAuth } from '../auth/upstream/oauth-app.js';

export interface BridgeOptions {
  config: Config;
  /** Directory relative secrets are read from (the config file's). */
  baseDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Upstream connect options (tests resolve host names to loopback here). */
  connect?: buildConnector.BuildOptions | buildConnector.connector;
  /** Connect options for the Entra authority (exchange.auth "oauth"; tests trust the fake's CA here). */
  authorityConnect?: buildConnector.BuildOptions;
}

export class Bridge {
  private constructor(
    readonly app: FastifyInstance,
    readonly store: SqliteStore,
    readonly engine: SyncEngine,
    private readonly upstream: UpstreamFactory,
    private readonly logger: Logger,
    /** exchange.auth "oauth": the deployment and the linker (the account page and `ewsdav link` use it). */
    readonly oauth?: OAuthRuntime,
    /** exchange.auth "oauth-app": the one app-token provider every configured mailbox shares. */
    readonly appAuth?: OAuthAppAuth,
    /** exchange.auth "oauth": restarts sync for grants (re-)linked by another process; tests call check(). */
    readonly links?: LinkWatcher,
  ) {}

  static async create(options: BridgeOptions): Promise<Bridge> {
    const { config, logger } = options;
    const env = options.env ?? process.env;
    mkdirSync(config.store.dataDir, { recursive: true });
    const store = new SqliteStore({ dataDir: config.store.dataDir });
    let oauth: OAuthRuntime | undefined;
    let appAuth: OAuthAppAuth | undefined;
    let links: LinkWatcher | undefined;
    try {
      // Metrics first: the layers below report to it through plain callbacks, never prom-client.
      const metrics = config.server.metrics.enabled ? new BridgeMetrics() : undefined;
      const upstream = new UpstreamFactory({ config, logger, ...(options.connect ? { connect: options.connect } : {}), ...(metrics ? { observe: metrics.ewsCall } : {}) });
      const engine = new SyncEngine({
        store,
        logger: logger.child({ component: 'sync' }),
        config: { ...config.sync, maxConcurrency: config.exchange.maxConcurrency },
        ...(metrics ? { observer: metrics.syncObserver } : {}),
      });
      metrics?.watchSync(() => engine.status());
      const filters = new Map(config.accounts.map((a) => [normalizeUser(a.username), a.calendars] as const));
      if (config.exchange.auth === 'oauth') {
        oauth = await createOAuthRuntime(config, {
          baseDir: options.baseDir, env, grants: store.oauthGrants, logger,
          ...(options.authorityConnect ? { authorityConnect: options.authorityConnect } : {}),
          // A (re-)link restarts the account with the new grant: same user row, calendars and ETags.
          // Through the watcher, so its periodic check knows this link is already running.
          onLinked: (r) => (links ? links.restart(r.user) : syncLinkedUser({ engine, upstream, oauth, filters }, r.user)),
        });
        links = new LinkWatcher({ store, engine, upstream, oauth, filters, logger: logger.child({ component: 'oauth' }) });
      }
      if (config.exchange.auth === 'oauth-app') {
        appAuth = await createOAuthAppAuth(config, { baseDir: options.baseDir, env, logger, ...(options.authorityConnect ? { authorityConnect: options.authorityConnect } : {}) });
      }
      const limiter = () => new FailureLimiter({ maxFailures: config.login.rateLimit.maxFailures, windowMs: config.login.rateLimit.windowSeconds * 1000 });
      const login = config.login.mode === 'devicePasswords'
        ? appAuth
          ? await appDevicePasswordLogin({ config, store, engine, upstream, filters, limiter: limiter() }, appAuth)
          : await devicePasswordLogin({ config, store, engine, upstream, oauth, filters, limiter: limiter(), logger }, links)
        : await createLogin(config, options.baseDir, env, store, engine, upstream, appAuth);
      const authenticate = authenticator(login, metrics?.loginFailure);
      const metricsToken = config.server.metrics.token ? await resolveSecret(config.server.metrics.token, { baseDir: options.baseDir, env, path: 'server.metrics.token' }) : undefined;
      const configuredFeeds = await resolveConfiguredFeeds(config.feeds, { baseDir: options.baseDir, env });
      const tokens = withConfiguredFeeds(new StoredFeedTokens(store.feedTokens), configuredFeeds);
      const basePath = parsePublicUrl(config.server.publicUrl)?.prefix ?? '/';

      const app = await buildApp({
        logger,
        ...(metrics ? { metrics } : {}),
        ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
        trustProxy: config.server.trustProxy,
        metricsAccess: { ...(metricsToken ? { token: metricsToken } : {}), ...(config.server.metrics.allow ? { allow: config.server.metrics.allow } : {}) },
        // Ten missed intervals (at least ten minutes) before an account counts as not ready.
        readiness: () => readiness(engine, store, { maxLagMs: Math.max(600, 10 * config.sync.intervalSeconds) * 1000 }),
        plugins: [
          // Per request: without a publicUrl, a trusted proxy's X-Forwarded-Prefix sets the hrefs' prefix.
          (app, ctx) => registerDav(app, { store, refresh: engine, basePath, basePathFor: (request) => ctx.publicBase(request).prefix, authenticate }),
          feedPlugin({ store, tokens, authenticate, syncIntervalSeconds: config.sync.intervalSeconds, refresh: engine }),
          // exchange.auth "oauth": /account and /oauth/callback (linking, device passwords).
          ...(oauth ? [accountPlugin({ oauth, store, devicePasswords: new DevicePasswords(store.devicePasswords), engine, config })] : []),
        ],
      });
      return new Bridge(app, store, engine, upstream, logger, oauth, appAuth, links);
    } catch (error) {
      await oauth?.close();
      await appAuth?.close();
      store.close();
      throw error;
    }
  }

  /** Listen and start background sync. Returns the bound address. */
  async listen(host: string, port: number): Promise<string> {
    const address = await this.app.listen({ host, port });
    this.engine.start();
    this.links?.startTimer();
    if (!isLoopback(host)) {
      this.logger.warn({ host }, 'listening on a non-loopback address over plain http: put a TLS-terminating reverse proxy in front (docs/deploy.md), or passwords travel in clear text');
    }
    return address;
  }

  /** Graceful: stop taking requests, let in-flight ones finish, stop sync, close the store. */
  async close(): Promise<void> {
    this.links?.stopTimer();
    await this.app.close();
    await this.engine.stop();
    await this.upstream.close();
    await this.oauth?.close();
    await this.appAuth?.close();
    this.store.close();
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

async function createLogin(config: Config, baseDir: string, env: NodeJS.ProcessEnv, store: SqliteStore, engine: SyncEngine, upstream: UpstreamFactory, appAuth?: OAuthAppAuth): Promise<ClientLogin> {
  const limiter = new FailureLimiter({ maxFailures: config.login.rateLimit.maxFailures, windowMs: config.login.rateLimit.windowSeconds * 1000 });
  const filters = new Map(config.accounts.map((a) => [normalizeUser(a.username), a.calendars] as const));

  if (config.login.mode === 'accounts') {
    const clients = [];
    for (const [i, account] of config.accounts.entries()) {
      const secret = (key: 'password' | 'clientPassword') => {
        const ref = account[key];
        if (!ref) throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `accounts[${i}].${key} is required in "accounts" login mode.`);
        return resolveSecret(ref, { baseDir, env, path: `accounts[${i}].${key}` });
      };
      const user = normalizeUser(account.username);
      // oauth-app: the shared app token reads every mailbox; no Exchange password per account.
      const source = appAuth ? upstream.sourceWithAuth(user, appAuth) : upstream.sourceWithPassword({ username: account.username, password: await secret('password') });
      await engine.addAccount(user, source, account.calendars);
      clients.push({ user, clientPassword: await secret('clientPassword') });
    }
    return new AccountsLogin(clients, limiter);
  }

  if (config.login.mode === 'passthrough') {
    // The password a client proved last, per user: a changed password replaces the sync source.
    const active = new Map<string, string>();
    return new PassthroughLogin({
      verifyUpstream: async (user, password) => {
        await upstream.sourceWithPassword({ username: user, password }).verify();
      },
      verifiers: store.verifiers(),
      onVerified: async (user, password) => {
        if (active.get(user) === password) return;
        active.set(user, password);
        await engine.addAccount(user, upstream.sourceWithPassword({ username: user, password }), filters.get(user));
        // A first login has nothing in the store: an app that lists calendars right after adding
        // the account would find none and show an empty account. Wait, bounded, for the first
        // sync (its calendar list comes first); a big mailbox keeps filling in the background.
        if ((await store.listCalendars(user)).length === 0) await withinMs(FIRST_LOGIN_WAIT_MS, engine.syncNow(user));
      },
      limiter,
      verifierTtlMs: config.login.verifierTtlSeconds * 1000,
    });
  }

  throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `login.mode "${config.login.mode}" is not available in this version of ewsdav.`, {
    hint: 'Device passwords come with OAuth sign-in, which is being built; use "passthrough" or "accounts".',
  });
}

const FIRST_LOGIN_WAIT_MS = 15_000;

/** Waits for `work` at most `ms`; its outcome (or failure) is left to the engine's own status. */
async function withinMs(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * Basic credentials → user, for every front-end; refusals become 401, 429 or 503 with Retry-After.
 * A request without credentials is the normal first step of a Basic challenge, not a failure.
 */
function authenticator(login: ClientLogin, onFailure?: (reason: LoginFailureReason) => void): (request: FastifyRequest) => Promise<string | undefined> {
  return async (request) => {
    const credentials = parseBasicAuth(request.headers.authorization);
    if (!credentials) return undefined;
    const result = await login.authenticate(credentials.user, credentials.password, request.ip);
    if (result.ok) return result.user;
    onFailure?.(result.reason);
    if (result.status === 401) return undefined;
    const code = result.status === 429 ? 'EWSDAV_ERR_CLIENT_RATE_LIMITED' : 'EWSDAV_ERR_UPSTREAM_UNAVAILABLE';
    throw new EwsdavError(code, undefined, { retryAfterMs: (result.retryAfterSeconds ?? 30) * 1000 });
  };
}
