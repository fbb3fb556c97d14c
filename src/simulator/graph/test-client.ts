// Helpers for tests that talk to the simulator's Graph endpoints over plain HTTP: access
// tokens from the fake authority (delegated through its /test/authorize hook, app-only through
// client credentials) and a GET that returns status, headers and parsed JSON. Not used by the
// simulator itself and not the bridge's Graph client (src/graph).

import type { EntraAuthority } from '../entra/server.js';
import { CONTOSO, GRAPH_CALENDARS_READ, NATIVECLIENT } from '../entra/default-directory.js';
import { EntraTestClient } from '../entra/test-client.js';

export interface GraphResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export class GraphTokens {
  readonly http: EntraTestClient;

  constructor(readonly entra: EntraAuthority) {
    this.http = new EntraTestClient(entra.url, entra.caCertPem);
  }

  /**
   * A delegated v1 access token of the public client for `upn` (consent accepted on the way).
   * `scope` defaults to Graph Calendars.Read; pass the EWS scope for an Exchange token.
   */
  async delegated(upn: string, password: string, scope = GRAPH_CALENDARS_READ, otp?: string): Promise<string> {
    this.http.forgetSession();
    const c = await this.http.codeViaHook({
      authority: this.entra.authority, clientId: CONTOSO.publicApp, redirectUri: NATIVECLIENT, scope, username: upn, password, otp, consent: 'accept',
    });
    if (!c.code) throw new Error(`no code for ${upn}: ${c.hook.text}`);
    const tok = await this.http.token(this.entra.authority, {
      client_id: CONTOSO.publicApp, grant_type: 'authorization_code', code: c.code, redirect_uri: NATIVECLIENT, code_verifier: c.verifier, scope,
    });
    const at = tok.json.access_token;
    if (typeof at !== 'string') throw new Error(`no access token: ${tok.text}`);
    return at;
  }

  /** An app-only token by client credentials (default: the web app, which holds Graph Calendars.Read). */
  async app(resource = 'https://graph.microsoft.com', clientId: string = CONTOSO.webApp, secret: string = CONTOSO.webAppSecret): Promise<string> {
    const tok = await this.http.token(this.entra.authority, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${resource}/.default` });
    const at = tok.json.access_token;
    if (typeof at !== 'string') throw new Error(`no access token: ${tok.text}`);
    return at;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** GET with a Bearer token (or none) and extra headers, e.g. `{ prefer: 'odata.maxpagesize=5' }`. */
export async function graphGet(url: string, token: string | undefined, headers: Record<string, string> = {}): Promise<GraphResponse> {
  const res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  if (text) json = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, json };
}

/** Follows @odata.nextLink to the end; returns every value and the final page (with deltaLink, if any). */
export async function graphGetAll(url: string, token: string, headers: Record<string, string> = {}): Promise<{ values: Record<string, unknown>[]; pages: number; last: GraphResponse }> {
  const values: Record<string, unknown>[] = [];
  let pages = 0;
  let next: string | undefined = url;
  let last: GraphResponse | undefined;
  while (next) {
    last = await graphGet(next, token, headers);
    if (last.status !== 200) return { values, pages, last };
    pages++;
    values.push(...((last.json.value as Record<string, unknown>[] | undefined) ?? []));
    next = last.json['@odata.nextLink'] as string | undefined;
    if (pages > 10_000) throw new Error('too many pages');
  }
  return { values, pages, last: last as GraphResponse };
}
