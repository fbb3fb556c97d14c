// Builds the upstream side from the configuration: one EWS or Graph transport per deployment (auth
// is per call, so it serves every mailbox) and one CalendarSource per mailbox. The only place that picks
// between upstreams and auth providers; front-ends and the store see only CalendarSource.

import { Agent, type buildConnector } from 'undici';
import type { Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import { EwsTransport, type EwsCallEvent } from '../exchange/call.js';
import { EwsCalendarSource } from '../exchange/source.js';
import { GraphCalendarSource } from '../graph/source.js';
import { GraphTransport } from '../graph/transport.js';
import { autodiscover } from '../exchange/autodiscover.js';
import { DiscoveringSource } from '../exchange/discovering-source.js';
import { createHash } from 'node:crypto';
import { BasicAuth } from '../auth/upstream/basic.js';
import { NtlmAuth } from '../auth/upstream/ntlm.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { OAuthAppAuth } from '../auth/upstream/oauth-app.js';
import { AppOnlySource } from '../auth/upstream/oauth-app-errors.js';
import type { Logger } from '../log.js';
import type { CalendarSource } from '../store/types.js';
import { version } from '../cli/version.js';

export interface UpstreamFactoryOptions {
  config: Config;
  logger: Logger;
  /** Connect options for the upstream HTTP client (tests resolve host names to loopback here). */
  connect?: buildConnector.BuildOptions | buildConnector.connector;
  /** Told about every EWS attempt (metrics). */
  observe?: (event: EwsCallEvent) => void;
}

export interface PasswordCredentials {
  username: string;
  password: string;
}

/** Exchange Online's fixed endpoint (EWS-NOTES §13): OAuth deployments need no Autodiscover. */
export const EXCHANGE_ONLINE_EWS = 'https://outlook.office365.com/EWS/Exchange.asmx';

export class UpstreamFactory {
  private readonly options: UpstreamFactoryOptions;
  /** The configured EWS URL; undefined: each mailbox's URL comes from Autodiscover. */
  readonly ewsUrl: string | undefined;
  // One transport per EWS URL (normally exactly one): auth is per call, so it serves every mailbox.
  private readonly transports = new Map<string, EwsTransport>();

  constructor(options: UpstreamFactoryOptions) {
    this.options = options;
    const { exchange } = options.config;
    this.ewsUrl = exchange.url ?? (exchange.auth === 'oauth' || exchange.auth === 'oauth-app' ? EXCHANGE_ONLINE_EWS : undefined);
  }

  // One Graph transport per deployment (exchange.api "graph"); its limits are per mailbox.
  private graph: GraphTransport | undefined;

  private graphTransport(): GraphTransport {
    if (!this.graph) {
      const { exchange, graph } = this.options.config;
      this.graph = new GraphTransport({ url: graph.url, ...this.httpOptions(), ...(exchange.maxResponseBytes ? { maxResponseBytes: exchange.maxResponseBytes } : {}) });
    }
    return this.graph;
  }

  /** What both upstream transports share: deadlines, limits, user agent, the test resolver, metrics. */
  private httpOptions() {
    const { exchange } = this.options.config;
    const { connect } = this.options;
    return {
      timeoutMs: exchange.timeoutSeconds * 1000,
      maxConcurrencyPerMailbox: exchange.maxConcurrency,
      userAgent: exchange.userAgent ?? `ewsdav/${version}`,
      ...(connect && typeof connect !== 'function' ? { connect } : {}),
      ...(typeof connect === 'function' ? { dispatcher: new Agent({ connect }) } : {}),
      ...(this.options.observe ? { observe: this.options.observe } : {}),
    };
  }

  /** The transport of the configured URL (Autodiscover deployments: of the first URL found). */
  get transport(): EwsTransport {
    if (this.ewsUrl) return this.transportFor(this.ewsUrl);
    const first = this.transports.values().next().value;
    if (!first) throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', 'No EWS URL is known yet: it is found with Autodiscover on the first sign-in.');
    return first;
  }

  transportFor(url: string): EwsTransport {
    let transport = this.transports.get(url);
    if (!transport) {
      const { exchange } = this.options.config;
      transport = new EwsTransport({
        url,
        serverVersion: exchange.version,
        maxResponseBytes: exchange.maxResponseBytes,
        logger: this.options.logger.child({ component: 'ews' }),
        ...this.httpOptions(),
      });
      this.transports.set(url, transport);
    }
    return transport;
  }

  /** The upstream auth provider for a mailbox's password credentials. */
  passwordAuth(credentials: PasswordCredentials): UpstreamAuth {
    const scheme = this.options.config.exchange.auth;
    if (scheme === 'basic') return new BasicAuth({ username: credentials.username, password: credentials.password });
    if (scheme === 'ntlm') return this.ntlmAuth(credentials);
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `exchange.auth "${scheme}" does not sign in with passwords.`, {
      hint: 'With OAuth each user links their Microsoft 365 account (ewsdav link, or the /account page); "basic" and "ntlm" take passwords.',
    });
  }

  // NTLM authenticates connections, so a user's provider (and its warm connections) is reused for
  // every source built with the same credentials; a new password gets a new provider.
  private readonly ntlm = new Map<string, NtlmAuth>();

  private ntlmAuth(credentials: PasswordCredentials): NtlmAuth {
    const key = createHash('sha256').update(credentials.username.toLowerCase()).update('\0').update(credentials.password).digest('hex');
    let auth = this.ntlm.get(key);
    if (!auth) {
      auth = new NtlmAuth({ username: credentials.username, password: credentials.password, maxConnections: this.options.config.exchange.maxConcurrency });
      this.ntlm.set(key, auth);
      // Refused passwords leave providers behind; bound them (the oldest go first, Map order).
      if (this.ntlm.size > 1000) {
        const [oldestKey, oldest] = this.ntlm.entries().next().value as [string, NtlmAuth];
        this.ntlm.delete(oldestKey);
        void oldest.close();
      }
    }
    return auth;
  }

  /** A source reading `mailbox` with a password; the mailbox is the login name unless given. */
  sourceWithPassword(credentials: PasswordCredentials, mailbox = mailboxOf(credentials.username)): CalendarSource {
    return this.sourceWithAuth(mailbox, this.passwordAuth(credentials));
  }

  /** A source reading `mailbox` with a given provider (exchange.auth "oauth": one per linked user). */
  sourceWithAuth(mailbox: string, auth: UpstreamAuth): CalendarSource {
    const { exchange, graph } = this.options.config;
    if (exchange.api === 'graph') {
      return new GraphCalendarSource({
        transport: this.graphTransport(), auth, mailbox, window: graph.window,
        logger: this.options.logger.child({ component: 'graph', mailbox }),
      });
    }
    if (!this.ewsUrl) {
      const { connect } = this.options;
      // exchange.url omitted: the mailbox's domain says where EWS is (cached per domain).
      return new DiscoveringSource(
        mailbox,
        () => autodiscover({ email: mailbox, auth, ...(connect && typeof connect !== 'function' ? { connect } : {}), ...(typeof connect === 'function' ? { dispatcher: new Agent({ connect }) } : {}) }),
        (url) => this.ewsSource(url, mailbox, auth),
      );
    }
    return this.ewsSource(this.ewsUrl, mailbox, auth);
  }

  private ewsSource(url: string, mailbox: string, auth: UpstreamAuth): CalendarSource {
    const source = new EwsCalendarSource({ transport: this.transportFor(url), auth, mailbox, logger: this.options.logger.child({ component: 'ews', mailbox }) });
    // exchange.auth "oauth-app": one shared provider for every mailbox; its refusals get app-only advice.
    return auth instanceof OAuthAppAuth ? new AppOnlySource(source, auth.clientId) : source;
  }

  async close(): Promise<void> {
    await Promise.all([...this.ntlm.values()].map((auth) => auth.close()));
    this.ntlm.clear();
    await Promise.all([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
    await this.graph?.close();
    this.graph = undefined;
  }
}

/** DOMAIN\user logins have no address; EWS then needs the mailbox from elsewhere (the same string is the best we have). */
export function mailboxOf(username: string): string {
  return username.trim().toLowerCase();
}
