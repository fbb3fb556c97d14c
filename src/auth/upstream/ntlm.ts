// NTLM/Negotiate sign-in for on-premises Exchange (EWS-NOTES §1, §2.1): the default there, and
// often the only scheme left when Basic is switched off. The handshake authenticates a kept-alive
// connection, so this provider adds no header; it wraps the transport's dispatcher with an
// NtlmDispatcher (./ntlm-dispatcher.ts) that handshakes once per new connection and reuses it.
// A rejected password is final (no onUnauthorized): retrying would lock the AD account (§14.3).
// Only the NTOWFv2 key derived from the password is kept — still a secret, never printed.

import { inspect } from 'node:util';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Dispatcher, buildConnector } from 'undici';
import type { UpstreamAuth, UpstreamAuthorization } from './types.js';
import { NtlmDispatcher, inheritedConnect, type HttpAuthScheme, type NtlmStats } from './ntlm-dispatcher.js';
import { buildAuthenticate, buildNegotiate, ntowfv2, parseChallenge, splitUserName } from './ntlm-messages.js';
import { tlsChannelBindings } from './ntlm-cbt.js';

export interface NtlmAuthOptions {
  /** `DOMAIN\user` or a UPN `user@contoso.com` (then the domain field stays empty, MS-NLMP §3.3.2). */
  username: string;
  password: string;
  /** Kept-alive, authenticated connections per EWS origin (default 4, EWS-NOTES §14.4). */
  maxConnections?: number;
  /** Scheme name to try first (default "NTLM"); a server that offers only the other gets that. */
  scheme?: HttpAuthScheme;
  /** Socket options for the connections; default: those of the transport's dispatcher. */
  connect?: buildConnector.BuildOptions | buildConnector.connector;
  keepAliveTimeoutMs?: number;
  /** Send TLS channel bindings (default true; Extended Protection needs them). */
  channelBindings?: boolean;
}

const NO_HEADERS: UpstreamAuthorization = Object.freeze({ headers: Object.freeze({}) });

export class NtlmAuth implements UpstreamAuth {
  readonly scheme = 'ntlm' as const;
  readonly #username: string;
  readonly #user: string;
  readonly #domain: string;
  readonly #key: Buffer;
  readonly #options: Omit<NtlmAuthOptions, 'username' | 'password'>;
  readonly #dispatchers: NtlmDispatcher[] = [];

  constructor(options: NtlmAuthOptions) {
    const { username, password, ...rest } = options;
    if (!username) throw new TypeError('NTLM needs a user name (DOMAIN\\user or user@domain)');
    this.#username = username;
    const { user, domain } = splitUserName(username);
    this.#user = user;
    this.#domain = domain;
    this.#key = ntowfv2(password, user, domain);
    this.#options = rest;
  }

  describe(): string {
    return `ntlm:${this.#username}`;
  }

  authorize(): UpstreamAuthorization {
    return NO_HEADERS;
  }

  // No onUnauthorized: the final 401 of a handshake is the answer.

  wrapDispatcher(base: Dispatcher): Dispatcher {
    const connect = this.#options.connect ?? inheritedConnect(base);
    const d = new NtlmDispatcher({
      tokens: {
        negotiate: buildNegotiate,
        authenticate: (challenge, negotiate, info) => this.#authenticate(challenge, negotiate, info),
      },
      maxConnections: this.#options.maxConnections,
      scheme: this.#options.scheme,
      keepAliveTimeoutMs: this.#options.keepAliveTimeoutMs,
      ...(connect ? { connect } : {}),
    });
    this.#dispatchers.push(d);
    return d;
  }

  #authenticate(challenge: Buffer, negotiate: Buffer, info: { host: string; socket: Socket }): Buffer {
    const cert = this.#options.channelBindings !== false && info.socket instanceof TLSSocket ? info.socket.getPeerX509Certificate() : undefined;
    return buildAuthenticate({
      user: this.#user,
      domain: this.#domain,
      responseKeyNT: this.#key,
      negotiate,
      challenge: parseChallenge(challenge),
      spn: `HTTP/${info.host}`,
      ...(cert ? { channelBindings: tlsChannelBindings(cert) } : {}),
    });
  }

  /** Connections, handshakes and requests across this provider's dispatchers (for `ewsdav check` and the bench). */
  stats(): NtlmStats {
    const total: NtlmStats = { connections: 0, handshakes: 0, requests: 0, resends: 0 };
    for (const d of this.#dispatchers) {
      const s = d.stats();
      total.connections += s.connections;
      total.handshakes += s.handshakes;
      total.requests += s.requests;
      total.resends += s.resends;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.#dispatchers.splice(0).map((d) => d.close()));
  }

  toJSON(): { scheme: 'ntlm'; username: string } {
    return { scheme: 'ntlm', username: this.#username };
  }

  [inspect.custom](): string {
    return `NtlmAuth { username: ${JSON.stringify(this.#username)}, password: [redacted] }`;
  }
}
