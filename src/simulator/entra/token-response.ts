// The success body of the token endpoint (OAUTH-NOTES §2.2): access token for one resource,
// `scope` = every consented permission of that resource, id_token with `openid`,
// refresh_token with `offline_access`, client_info when the request asked for it.

import type { EntraContext } from './context.js';
import type { App, User } from './directory.js';
import { type AppIdAcr, clientInfo, mintDelegatedAccessToken, mintIdToken } from './mint.js';
import { type ResourceDef, resourceOfScope } from './scopes.js';

export interface DelegatedIssue {
  user: User;
  app: App;
  amr: string[];
  appidacr: AppIdAcr;
  resource: ResourceDef;
  oidc: Set<string>;
  authTime: number;
  nonce?: string;
  clientInfo: boolean;
  /** Set when offline_access was granted. */
  refreshToken?: string;
}

/** Consented scopes of one resource: what goes into `scp` and the response's `scope`. */
export function grantedFor(ctx: EntraContext, user: User, app: App, resource: ResourceDef): string[] {
  return [...ctx.directory.granted(user, app)].filter((s) => resourceOfScope(s) === resource);
}

export function delegatedTokenResponse(ctx: EntraContext, d: DelegatedIssue): Record<string, string | number> {
  const scopes = grantedFor(ctx, d.user, d.app, d.resource);
  const at = mintDelegatedAccessToken(ctx, { user: d.user, app: d.app, amr: d.amr, appidacr: d.appidacr }, d.resource, scopes);
  const body: Record<string, string | number> = {
    token_type: 'Bearer', scope: scopes.join(' '), expires_in: at.expiresIn, ext_expires_in: at.expiresIn, access_token: at.token,
  };
  if (d.refreshToken !== undefined) body.refresh_token = d.refreshToken;
  if (d.oidc.has('openid')) body.id_token = mintIdToken(ctx, d.user, d.app, d.authTime, d.nonce);
  if (d.clientInfo) body.client_info = clientInfo(d.user);
  return body;
}
