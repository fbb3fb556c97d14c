// Builds the upstream side from the configuration: one EWS transport per deployment (auth is per
// call, so it serves every mailbox) and one CalendarSource per mailbox. The only place that picks
// between upstreams and auth providers; front-ends and the store see only CalendarSource.

import type { buildConnector } from 'undici';
import type { Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import { EwsTransport } from '../exchange/call.js';
import { EwsCalendarSource } from '../exchange/source.js';
import { BasicAuth } from '../auth/upstream/basic.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import type { Logger } from '../log.js';
import type { CalendarSource } from '../store/types.js';
import { version } from '../cli/version.js';

export interface UpstreamFactoryOptions {
  config: Config;
  logger: Logger;
  /** Connect options for the upstream HTTP client (tests resolve host names to loopback here). */
  connect?: buildConnector.BuildOptions;
}

export interface PasswordCredentials {
  username: string;
  password: string;
}

export class UpstreamFactory {
  readonly transport: EwsTransport;
  private readonly options: UpstreamFactoryOptions;

  constructor(options: UpstreamFactoryOptions) {
    this.options = options;
    const { exchange } = options.config;
    if (exchange.api !== 'ews') {
      throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `exchange.api "${exchange.api}" is not available in this version of ewsdav.`, {
        hint: 'Use "ews" (the default) for now; Microsoft Graph support is being built.',
      });
    }
    if (!exchange.url) {
      throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', 'exchange.url is required in this version of ewsdav.', {
        hint: 'Set exchange.url to your EWS endpoint, e.g. "https://mail.example.org/EWS/Exchange.asmx".',
      });
    }
    this.transport = new EwsTransport({
      url: exchange.url,
      serverVersion: exchange.version,
      timeoutMs: exchange.timeoutSeconds * 1000,
      maxResponseBytes: exchange.maxResponseBytes,
      maxConcurrencyPerMailbox: exchange.maxConcurrency,
      userAgent: exchange.userAgent ?? `ewsdav/${version}`,
      logger: options.logger.child({ component: 'ews' }),
      ...(options.connect ? { connect: options.connect } : {}),
    });
  }

  /** The upstream auth provider for a mailbox's password credentials. */
  passwordAuth(credentials: PasswordCredentials): UpstreamAuth {
    const scheme = this.options.config.exchange.auth;
    if (scheme === 'basic') return new BasicAuth({ username: credentials.username, password: credentials.password });
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `exchange.auth "${scheme}" is not available in this version of ewsdav.`, {
      hint: scheme === 'ntlm' ? 'Use "basic" if your Exchange server allows it; NTLM support is being built.' : 'OAuth sign-in is being built; on-prem Exchange accepts "basic".',
    });
  }

  /** A source reading `mailbox` with a password; the mailbox is the login name unless given. */
  sourceWithPassword(credentials: PasswordCredentials, mailbox = mailboxOf(credentials.username)): CalendarSource {
    return new EwsCalendarSource({
      transport: this.transport,
      auth: this.passwordAuth(credentials),
      mailbox,
      logger: this.options.logger.child({ component: 'ews', mailbox }),
    });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** DOMAIN\user logins have no address; EWS then needs the mailbox from elsewhere (the same string is the best we have). */
export function mailboxOf(username: string): string {
  return username.trim().toLowerCase();
}
