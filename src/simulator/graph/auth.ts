// Who may call the simulator's Graph endpoints (graph-contract.md "Auth", OAUTH-NOTES §11):
// v1 Bearer tokens of the fake authority with Graph's audience, verified with the same
// verifier the EWS simulator uses (../entra verify). Delegated tokens need scp Calendars.Read(Write)
// and read their own mailbox (/me) or one they are a delegate of; app-only tokens need the
// Calendars.Read(Write) role, may use /users/{upn} only, and only inside the app's access
// policy scope. EWS-audience tokens are refused here just as the EWS side refuses Graph tokens.

import { type EntraTrust, type VerifySuccess, verifyAuthorizationHeader } from '../entra/verify.js';
import { mailboxForLogon } from '../auth.js';
import type { MailboxStore } from '../mailbox/store.js';
import type { Mailbox } from '../mailbox/types.js';
import { GraphError } from './http.js';

export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'] as const;
const PERMISSIONS = ['calendars.read', 'calendars.readwrite'];

export interface GraphAuthCounters {
  ok: number;
  /** Refusal reason → count (401 and 403 answers of the auth step). */
  refused: Record<string, number>;
  /** Distinct `aud` / `scp` / `upn` / app ids of accepted tokens. */
  audiences: string[];
  scopes: string[];
  upns: string[];
  apps: string[];
}

export interface GraphPrincipal {
  kind: 'delegated' | 'app';
  appId: string;
  upn?: string;
  /** Delegated: the signed-in user's own mailbox (undefined when the user has none). */
  own?: Mailbox;
}

export type Target = { me: true } | { user: string };

const challenge = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
const unauthorized = (message: string): GraphError => new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': challenge });
const denied = (message = 'Access is denied. Check credentials and try again.'): GraphError => new GraphError(403, 'ErrorAccessDenied', message);

const emptyCounters = (): GraphAuthCounters => ({ ok: 0, refused: {}, audiences: [], scopes: [], upns: [], apps: [] });
const add = (list: string[], v: string | undefined): void => {
  if (v !== undefined && !list.includes(v)) list.push(v);
};

export class GraphAuth {
  private c = emptyCounters();
  /** Mailboxes app-only tokens may read (RBAC for Applications / Application Access Policy); undefined = all. */
  private scope: Set<string> | undefined;

  constructor(private readonly trust: EntraTrust, private readonly store: MailboxStore, appScope?: readonly string[]) {
    this.setAppScope(appScope);
  }

  setAppScope(mailboxes: readonly string[] | undefined): void {
    this.scope = mailboxes ? new Set(mailboxes.map((m) => m.toLowerCase())) : undefined;
  }

  counters(): GraphAuthCounters {
    return structuredClone(this.c);
  }

  reset(): void {
    this.c = emptyCounters();
  }

  private refuse(reason: string, err: GraphError): GraphError {
    this.c.refused[reason] = (this.c.refused[reason] ?? 0) + 1;
    return err;
  }

  /** Verifies the Authorization header; throws the GraphError to answer. */
  authenticate(header: string | undefined): GraphPrincipal {
    const r = verifyAuthorizationHeader(header, { trust: this.trust, audience: GRAPH_AUDIENCES });
    if (!r.ok) {
      if (r.noToken) throw this.refuse('no-token', unauthorized('Access token is empty.'));
      if (r.diagnostics === '2000003') throw this.refuse('audience', unauthorized('Access token validation failure. Invalid audience.'));
      if (r.reason === 'The token has expired.') throw this.refuse('expired', unauthorized('Lifetime validation failed, the token is expired.'));
      throw this.refuse('invalid', unauthorized('Access token validation failure.'));
    }
    return this.authorize(r);
  }

  private authorize(r: VerifySuccess): GraphPrincipal {
    const granted = r.kind === 'delegated' ? r.scopes : r.roles;
    if (!granted.some((g) => PERMISSIONS.includes(g.toLowerCase()))) {
      // A valid token without a calendar permission reaches the mailbox and is refused there.
      throw this.refuse(r.kind === 'delegated' ? 'no-scope' : 'no-role', denied());
    }
    this.c.ok += 1;
    add(this.c.audiences, typeof r.claims.aud === 'string' ? r.claims.aud : undefined);
    for (const s of r.scopes) add(this.c.scopes, s);
    add(this.c.upns, r.upn);
    if (r.kind === 'app') add(this.c.apps, r.appId);
    const own = r.kind === 'delegated' && r.upn ? mailboxForLogon(this.store, r.upn) : undefined;
    return { kind: r.kind, appId: r.appId, upn: r.upn, own };
  }

  /** The mailbox a request acts on, by the rules of /me and /users/{upn}. */
  mailboxFor(p: GraphPrincipal, target: Target): Mailbox {
    if ('me' in target) {
      if (p.kind === 'app') throw this.refuse('me-app-only', new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.'));
      if (!p.own) throw this.refuse('no-mailbox', new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'));
      return p.own;
    }
    const mb = this.store.mailbox(target.user);
    if (!mb) throw this.refuse('no-user', new GraphError(404, 'ErrorInvalidUser', `The requested user '${target.user}' is invalid.`));
    if (p.kind === 'app') {
      if (this.scope && !this.scope.has(mb.smtp)) throw this.refuse('app-scope', denied('Access to OData is disabled.'));
      return mb;
    }
    if (mb === p.own) return mb;
    if (p.own && mb.delegates.includes(p.own.smtp)) return mb;
    throw this.refuse('not-delegate', denied());
  }
}
