// Client authentication at the token endpoint (OAUTH-NOTES §2.2, §3, §10.3): which kind of
// client a request must be (public: no secret, AADSTS700025 if one is sent; confidential:
// secret in the body or HTTP Basic, 7000218 missing / 7000215 wrong / 7000222 expired).

import type { ClientKind, EntraContext } from './context.js';
import type { App, Tenant } from './directory.js';
import { EntraError } from './errors.js';
import { type Params, basicCredentials } from './http.js';
import type { AppIdAcr } from './mint.js';

export interface ClientCredentials {
  clientId: string;
  secret?: string;
}

/** Reads client_id / client_secret from the body or the Authorization header (RFC 6749 §2.3.1). */
export function readClientCredentials(p: Params, authorization: string | undefined): ClientCredentials {
  if (p.has('client_assertion') || p.has('client_assertion_type')) {
    // Certificate credentials are not implemented by the fake; refuse rather than accept blindly.
    throw EntraError.of(700027);
  }
  const basic = basicCredentials(authorization);
  const bodyId = p.get('client_id');
  const bodySecret = p.get('client_secret');
  if (basic) {
    // RFC 6749 §2.3: one authentication method per request.
    if (bodySecret !== undefined) throw EntraError.invalidParam('client_secret', '(sent twice: body and Basic)');
    if (bodyId !== undefined && bodyId.toLowerCase() !== basic.id.toLowerCase()) throw EntraError.invalidParam('client_id', bodyId);
    return { clientId: basic.id, secret: basic.secret };
  }
  if (!bodyId) throw EntraError.missing('client_id');
  return bodySecret !== undefined ? { clientId: bodyId, secret: bodySecret } : { clientId: bodyId };
}

export function lookupApp(ctx: EntraContext, clientId: string, tenant: Tenant | undefined): App {
  const app = ctx.directory.app(clientId, tenant);
  if (!app) {
    throw EntraError.of(700016, { detail: `Application with identifier '${clientId}' was not found in the directory '${tenant?.domains[0] ?? 'common'}'.` });
  }
  return app;
}

/** Enforces the client type a grant needs; `either` = decided by whether a secret came. */
export function checkClient(ctx: EntraContext, app: App, creds: ClientCredentials, need: ClientKind | 'either'): { kind: ClientKind; appidacr: AppIdAcr } {
  const kind: ClientKind = need === 'either' ? (creds.secret !== undefined ? 'confidential' : 'public') : need;
  if (kind === 'public') {
    if (creds.secret !== undefined) throw EntraError.of(700025);
    return { kind, appidacr: '0' };
  }
  if (creds.secret === undefined || creds.secret === '') throw EntraError.of(7000218);
  const match = app.secrets.find((s) => s.value === creds.secret);
  if (!match) throw EntraError.of(7000215, { detail: `App: '${app.clientId}'.` });
  if (match.expiresAt !== undefined && match.expiresAt <= ctx.clock.now()) {
    throw EntraError.of(7000222, { detail: `App: '${app.clientId}', secret id '${match.id}'.` });
  }
  return { kind, appidacr: '1' };
}
