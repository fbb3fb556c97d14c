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
import type { ClientLogin } from '../auth/clients/types.js';
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

export interface BridgeOptions {
  config: Config;
  /** Directory relative secrets are read from (the config file's). */
  baseDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Upstream connect options (tests resolve host names to loopback here). */
  connect?: buildConnector.BuildOptions;
}

export class Bridge {
  private constructor(
    readonly app: FastifyInstance,
    readonly store: SqliteStore,
    readonly engine: SyncEngine,
    private readonly upstream: UpstreamFactory,
    private readonly logger: Logger,
  ) {}

  static async create(options: BridgeOptions): Promise<Bridge> {
    const { config, logger } = options;
    const env = options.env ?? process.env;
    mkdirSync(config.store.dataDir, { recursive: true });
    const store = new SqliteStore({ dataDir: config.store.dataDir });
    try {
      const upstream = new UpstreamFactory({ config, logger, ...(options.connect ? { connect: options.connect } : {}) });
      const engine = new SyncEngine({
        store,
        logger: logger.child({ component: 'sync' }),
        config: { ...config.sync, maxConcurrency: config.exchange.maxConcurrency },
      });
      const login = await createLogin(config, options.baseDir, env, store, engine, upstream);
      const authenticate = authenticator(login);
      const metrics = config.server.metrics.enabled ? new BridgeMetrics() : undefined;
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
          (app) => registerDav(app, { store, refresh: engine, basePath, authenticate }),
          feedPlugin({ store, tokens, authenticate, syncIntervalSeconds: config.sync.intervalSeconds, refresh: engine }),
        ],
      });
      return new Bridge(app, store, engine, upstream, logger);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  /** Listen and start background sync. Returns the bound address. */
  async listen(host: string, port: number): Promise<string> {
    const address = await this.app.listen({ host, port });
    this.engine.start();
    if (!isLoopback(host)) {
      this.logger.warn({ host }, 'listening on a non-loopback address over plain http: put a TLS-terminating reverse proxy in front (docs/deploy.md), or passwords travel in clear text');
    }
    return address;
  }

  /** Graceful: stop taking requests, let in-flight ones finish, stop sync, close the store. */
  async close(): Promise<void> {
    await this.app.close();
    await this.engine.stop();
    await this.upstream.close();
    this.store.close();
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

async function createLogin(config: Config, baseDir: string, env: NodeJS.ProcessEnv, store: SqliteStore, engine: SyncEngine, upstream: UpstreamFactory): Promise<ClientLogin> {
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
      await engine.addAccount(user, upstream.sourceWithPassword({ username: account.username, password: await secret('password') }), account.calendars);
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
      onVerified: (user, password) => {
        if (active.get(user) === password) return;
        active.set(user, password);
        void engine.addAccount(user, upstream.sourceWithPassword({ username: user, password }), filters.get(user));
      },
      limiter,
      verifierTtlMs: config.login.verifierTtlSeconds * 1000,
    });
  }

  throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `login.mode "${config.login.mode}" is not available in this version of ewsdav.`, {
    hint: 'Device passwords come with OAuth sign-in, which is being built; use "passthrough" or "accounts".',
  });
}

/** Basic credentials → user, for every front-end; refusals become 401, 429 or 503 with Retry-After. */
function authenticator(login: ClientLogin): (request: FastifyRequest) => Promise<string | undefined> {
  return async (request) => {
    const credentials = parseBasicAuth(request.headers.authorization);
    if (!credentials) return undefined;
    const result = await login.authenticate(credentials.user, credentials.password, request.ip);
    if (result.ok) return result.user;
    if (result.status === 401) return undefined;
    const code = result.status === 429 ? 'EWSDAV_ERR_CLIENT_RATE_LIMITED' : 'EWSDAV_ERR_UPSTREAM_UNAVAILABLE';
    throw new EwsdavError(code, undefined, { retryAfterMs: (result.retryAfterSeconds ?? 30) * 1000 });
  };
}
