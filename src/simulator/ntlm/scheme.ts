// NTLM and Negotiate as the simulator's AuthSchemes, behaving like IIS with Windows
// Authentication: NEGOTIATE → 401 with a CHALLENGE, AUTHENTICATE → the request runs, and the
// identity stays bound to that TCP connection, so later requests on it need no header. A failed
// AUTHENTICATE answers the full list of offered schemes again. Counters per connection let tests
// assert "≤ 4 handshakes for 100 calls" without looking at time.

import type { AuthOutcome, AuthRequest, AuthScheme } from '../auth.js';
import { mailboxForLogon } from '../auth.js';
import type { MailboxStore } from '../mailbox/store.js';
import type { Mailbox } from '../mailbox/types.js';
import { AV_ID, NtlmProtocolError, makeChallenge, messageType, negotiateFlagsOf, readAuthenticate, verifyNtlmV2, type ServerIdentity } from './messages.js';

export interface NtlmServerOptions extends Partial<ServerIdentity> {
  /** Put MsvAvTimestamp in the target info (default true, as Windows ≥ 2008 R2 does). */
  timestamp?: boolean;
  /** Clock for the timestamp (ms since the epoch). */
  now?: () => number;
  /** Expected MsvAvChannelBindings (16 bytes): Extended Protection "Require". */
  channelBindings?: Buffer;
}

export interface NtlmConnectionStats {
  handshakes: number;
  /** Requests authenticated on this connection (the AUTHENTICATE leg and every bound request after it). */
  calls: number;
  failures: number;
  user?: string;
  open: boolean;
}

export interface NtlmServerStats {
  handshakes: number;
  authenticatedCalls: number;
  failures: number;
  connections: Record<string, NtlmConnectionStats>;
}

interface ConnState extends NtlmConnectionStats {
  pending?: { negotiate: Buffer; challenge: Buffer; serverChallenge: Buffer; scheme: string };
  mailbox?: Mailbox;
}

export class NtlmServer {
  readonly #id: ServerIdentity;
  readonly #opts: NtlmServerOptions;
  #conns = new Map<number, ConnState>();
  #totals = { handshakes: 0, authenticatedCalls: 0, failures: 0 };
  /** `NTLM` and `Negotiate` (raw NTLMSSP tokens under Negotiate, as SSPI accepts them). */
  readonly ntlm: AuthScheme;
  readonly negotiate: AuthScheme;

  constructor(options: NtlmServerOptions = {}) {
    this.#opts = options;
    this.#id = {
      netbiosDomain: options.netbiosDomain ?? 'EXAMPLE',
      netbiosComputer: options.netbiosComputer ?? 'EXCH01',
      dnsDomain: options.dnsDomain ?? 'example.com',
      dnsComputer: options.dnsComputer ?? 'exch01.example.com',
    };
    this.ntlm = this.#scheme('NTLM');
    this.negotiate = this.#scheme('Negotiate');
  }

  /** Both schemes, for `startSimulator({ auth: { schemes } })`. */
  get schemes(): AuthScheme[] {
    return [this.negotiate, this.ntlm];
  }

  stats(): NtlmServerStats {
    const connections: Record<string, NtlmConnectionStats> = {};
    for (const [id, c] of this.#conns) connections[id] = { handshakes: c.handshakes, calls: c.calls, failures: c.failures, open: c.open, ...(c.user ? { user: c.user } : {}) };
    return { ...this.#totals, connections };
  }

  /** Unbind every identity but keep the TCP connections, as an IIS application pool recycle does. */
  forgetBindings(): void {
    for (const c of this.#conns.values()) {
      c.mailbox = undefined;
      c.pending = undefined;
    }
  }

  resetStats(): void {
    this.#totals = { handshakes: 0, authenticatedCalls: 0, failures: 0 };
    for (const [id, c] of this.#conns) {
      if (!c.open) this.#conns.delete(id);
      else Object.assign(c, { handshakes: 0, calls: 0, failures: 0 });
    }
  }

  #conn(id: number): ConnState {
    let c = this.#conns.get(id);
    if (!c) this.#conns.set(id, (c = { handshakes: 0, calls: 0, failures: 0, open: true }));
    return c;
  }

  #scheme(name: string): AuthScheme {
    return {
      name,
      challenge: () => name,
      authenticate: (req) => this.#authenticate(name, req),
      connectionUser: (id: number, store: MailboxStore) => {
        const c = this.#conns.get(id);
        if (!c?.mailbox || !c.open) return undefined;
        c.calls++;
        this.#totals.authenticatedCalls++;
        return store.mailbox(c.mailbox.smtp) ?? c.mailbox;
      },
      connectionClosed: (id: number) => {
        const c = this.#conns.get(id);
        if (!c) return;
        c.open = false;
        c.mailbox = undefined;
        c.pending = undefined;
      },
    };
  }

  #authenticate(name: string, req: AuthRequest): AuthOutcome {
    const conn = this.#conn(req.connectionId);
    let token: Buffer;
    try {
      token = Buffer.from(req.credentials.trim(), 'base64');
      const type = messageType(token);
      if (type === 1) {
        // A new handshake replaces whatever was bound to the connection.
        conn.mailbox = undefined;
        conn.user = undefined;
        const issued = makeChallenge(negotiateFlagsOf(token), this.#id, (this.#opts.now ?? Date.now)(), this.#opts.timestamp ?? true);
        conn.pending = { negotiate: token, challenge: issued.message, serverChallenge: issued.serverChallenge, scheme: name };
        conn.handshakes++;
        this.#totals.handshakes++;
        return { kind: 'continue', challenge: `${name} ${issued.message.toString('base64')}` };
      }
      if (type !== 3) return this.#fail(conn, `unexpected NTLM message type ${type}`);
    } catch (err) {
      return this.#fail(conn, err instanceof NtlmProtocolError ? err.message : 'malformed NTLM token');
    }
    const pending = conn.pending;
    conn.pending = undefined;
    // The CHALLENGE lives on the connection that asked for it: a type 3 on another one fails (IIS).
    if (!pending || pending.scheme !== name) return this.#fail(conn, 'AUTHENTICATE without a CHALLENGE on this connection');
    return this.#verify(conn, token, pending, req.store);
  }

  #verify(conn: ConnState, token: Buffer, pending: NonNullable<ConnState['pending']>, store: MailboxStore): AuthOutcome {
    try {
      const auth = readAuthenticate(token);
      const logon = auth.domain ? `${auth.domain}\\${auth.user}` : auth.user;
      const mb = mailboxForLogon(store, logon);
      if (!mb || mb.password === undefined) return this.#fail(conn, 'bad user name or password');
      const verdict = verifyNtlmV2({ auth, password: mb.password, serverChallenge: pending.serverChallenge, negotiate: pending.negotiate, challenge: pending.challenge });
      if (!verdict.ok) return this.#fail(conn, verdict.reason);
      const expected = this.#opts.channelBindings;
      if (expected && !verdict.pairs.get(AV_ID.channelBindings)?.equals(expected)) return this.#fail(conn, 'channel binding mismatch (Extended Protection)');
      conn.mailbox = mb;
      conn.user = mb.smtp;
      conn.calls++;
      this.#totals.authenticatedCalls++;
      return { kind: 'ok', mailbox: mb };
    } catch (err) {
      return this.#fail(conn, err instanceof NtlmProtocolError ? err.message : 'malformed AUTHENTICATE_MESSAGE');
    }
  }

  #fail(conn: ConnState, reason: string): AuthOutcome {
    conn.failures++;
    this.#totals.failures++;
    return { kind: 'fail', reason };
  }
}
