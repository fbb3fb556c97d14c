// Authentication of EWS requests, as pluggable schemes (EWS-NOTES §2.1, §14.3). Basic is
// built in; NTLM/Negotiate (connection-bound handshakes) and Bearer tokens from the fake
// Entra ID (./bearer.ts) slot in as further AuthScheme values.

import { timingSafeEqual } from 'node:crypto';
import type { MailboxStore } from './mailbox/store.js';
import type { Mailbox } from './mailbox/types.js';

export interface AuthRequest {
  /** The credentials after the scheme name in `Authorization`. */
  credentials: string;
  host: string;
  /** Identifies the TCP connection, for handshakes that authenticate a connection (NTLM). */
  connectionId: number;
  store: MailboxStore;
}

export type AuthOutcome =
  | { kind: 'ok'; mailbox: Mailbox }
  /** `challenges`/`headers` replace the offered challenges and add headers (Exchange Online's Bearer
   *  401 with x-ms-diagnostics, OAUTH-NOTES §7); `status: 403` refuses a valid identity (EWS blocked by policy). */
  | { kind: 'fail'; reason: string; challenges?: string[]; headers?: Record<string, string>; status?: 403 }
  /** A handshake step: answer 401 with this `WWW-Authenticate` value and wait for the next leg. */
  | { kind: 'continue'; challenge: string };

export interface AuthScheme {
  /** Scheme token as in `Authorization: <name> …` (compared case-insensitively). */
  name: string;
  /** The `WWW-Authenticate` value offered on a 401. */
  challenge(host: string): string;
  authenticate(req: AuthRequest): AuthOutcome;
  /** Connection-bound schemes (NTLM): the mailbox already signed in on this TCP connection, for a
   *  request without `Authorization` (IIS keeps an NTLM identity per connection). */
  connectionUser?(connectionId: number, store: MailboxStore): Mailbox | undefined;
  /** The TCP connection closed: forget what was bound to it. */
  connectionClosed?(connectionId: number): void;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Finds the mailbox a sign-in name belongs to: SMTP address or a configured `DOMAIN\user` / UPN. */
export function mailboxForLogon(store: MailboxStore, user: string): Mailbox | undefined {
  const lower = user.toLowerCase();
  const direct = store.mailbox(lower);
  if (direct) return direct;
  for (const mb of store.mailboxes.values()) if (mb.logonNames.some((n) => n.toLowerCase() === lower)) return mb;
  return undefined;
}

export const basicAuth: AuthScheme = {
  name: 'Basic',
  challenge: (host) => `Basic realm="${host}"`,
  authenticate({ credentials, store }) {
    let decoded: string;
    try {
      decoded = Buffer.from(credentials.trim(), 'base64').toString('utf8');
    } catch {
      return { kind: 'fail', reason: 'malformed Basic credentials' };
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'fail', reason: 'malformed Basic credentials' };
    const mb = mailboxForLogon(store, decoded.slice(0, colon));
    if (!mb || mb.password === undefined || !safeEqual(mb.password, decoded.slice(colon + 1))) {
      return { kind: 'fail', reason: 'bad user name or password' };
    }
    return { kind: 'ok', mailbox: mb };
  },
};

export interface AuthConfig {
  /** Schemes that can verify credentials. Default: Basic. */
  schemes: AuthScheme[];
  /** Scheme names announced on a 401, in order (one WWW-Authenticate header each). Names
   *  without an AuthScheme are offered bare, e.g. `Negotiate`, `NTLM` as on-prem IIS does. */
  offer: string[];
}

export type AuthDecision =
  | { kind: 'ok'; mailbox: Mailbox; scheme: string }
  | { kind: 'challenge'; headers: string[]; scheme?: string; reason: string; extraHeaders?: Record<string, string>; status?: 403 };

export function authenticate(config: AuthConfig, header: string | undefined, host: string, connectionId: number, store: MailboxStore): AuthDecision {
  const challenges = (): string[] => config.offer.map((name) => {
    const s = config.schemes.find((x) => x.name.toLowerCase() === name.toLowerCase());
    return s ? s.challenge(host) : name;
  });
  if (!header) {
    for (const s of config.schemes) {
      const bound = s.connectionUser?.(connectionId, store);
      if (bound) return { kind: 'ok', mailbox: bound, scheme: s.name };
    }
    return { kind: 'challenge', headers: challenges(), reason: 'no credentials' };
  }
  const space = header.indexOf(' ');
  const schemeName = space < 0 ? header : header.slice(0, space);
  const scheme = config.schemes.find((s) => s.name.toLowerCase() === schemeName.toLowerCase());
  if (!scheme) return { kind: 'challenge', headers: challenges(), scheme: schemeName, reason: `scheme ${schemeName} not accepted` };
  const out = scheme.authenticate({ credentials: space < 0 ? '' : header.slice(space + 1), host, connectionId, store });
  if (out.kind === 'ok') return { kind: 'ok', mailbox: out.mailbox, scheme: scheme.name };
  if (out.kind === 'continue') return { kind: 'challenge', headers: [out.challenge], scheme: scheme.name, reason: 'handshake' };
  return {
    kind: 'challenge', headers: out.challenges ?? challenges(), scheme: scheme.name, reason: out.reason,
    ...(out.headers ? { extraHeaders: out.headers } : {}), ...(out.status ? { status: out.status } : {}),
  };
}
