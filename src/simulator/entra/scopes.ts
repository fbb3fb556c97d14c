// Scope parsing (ID/scopes-oidc, OAUTH-NOTES §2.1, §2.3, §6): `resource/permission`, a bare
// permission means Microsoft Graph, `resource/.default` means the registration's configured
// permissions, plus the OIDC scopes. Each token is for exactly one resource.

import { EntraError } from './errors.js';

export interface ResourceDef {
  uri: string;
  appId: string;
  displayName: string;
  delegated: readonly string[];
  roles: readonly string[];
}

export const EXCHANGE = 'https://outlook.office365.com';
export const GRAPH = 'https://graph.microsoft.com';

/** The APIs the fake knows; permission names from OAUTH-NOTES §5, §6, §11. */
export const RESOURCES: readonly ResourceDef[] = [
  {
    uri: EXCHANGE, appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online',
    delegated: ['EWS.AccessAsUser.All'], roles: ['full_access_as_app'],
  },
  {
    uri: GRAPH, appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph',
    delegated: ['User.Read', 'Calendars.Read', 'Calendars.ReadWrite', 'Calendars.Read.Shared', 'EWS.AccessAsUser.All'],
    roles: ['Calendars.Read', 'Calendars.ReadWrite'],
  },
];

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export interface ParsedScopes {
  oidc: Set<string>;
  /** Concrete delegated permissions, canonical `resource/Permission`. */
  resourceScopes: string[];
  /** Resources named with `/.default`. */
  defaults: ResourceDef[];
  resources: ResourceDef[];
}

export function resourceByUri(uri: string): ResourceDef | undefined {
  const u = uri.replace(/\/+$/, '').toLowerCase();
  return RESOURCES.find((r) => r.uri === u || r.appId === u);
}

export function resourceOfScope(scope: string): ResourceDef | undefined {
  const slash = scope.lastIndexOf('/');
  return resourceByUri(slash < 0 ? GRAPH : scope.slice(0, slash));
}

const invalidScope = (s: string): EntraError => EntraError.of(70011, { detail: `The scope ${s} isn't valid.` });

/** Parses a `scope` parameter; throws AADSTS70011 / 500011 for what Entra would reject. */
export function parseScopes(value: string): ParsedScopes {
  const out: ParsedScopes = { oidc: new Set(), resourceScopes: [], defaults: [], resources: [] };
  for (const raw of value.split(/\s+/).filter(Boolean)) {
    const lower = raw.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      out.oidc.add(lower);
      continue;
    }
    const slash = raw.lastIndexOf('/');
    const resourcePart = slash < 0 ? GRAPH : raw.slice(0, slash);
    const perm = slash < 0 ? raw : raw.slice(slash + 1);
    const res = resourceByUri(resourcePart);
    if (!res) throw EntraError.of(500011, { detail: `The resource principal named ${resourcePart} was not found in the tenant.` });
    if (!out.resources.includes(res)) out.resources.push(res);
    if (perm === '.default') {
      if (!out.defaults.includes(res)) out.defaults.push(res);
      continue;
    }
    const canonical = res.delegated.find((p) => p.toLowerCase() === perm.toLowerCase());
    if (!canonical) throw invalidScope(raw);
    const full = `${res.uri}/${canonical}`;
    if (!out.resourceScopes.includes(full)) out.resourceScopes.push(full);
  }
  for (const d of out.defaults) {
    // `/.default` cannot be combined with named permissions of the same resource (ID/scopes-oidc).
    if (out.resourceScopes.some((s) => resourceOfScope(s) === d)) throw invalidScope(`${d.uri}/.default`);
  }
  return out;
}

/** Token requests may name one resource besides the OIDC scopes (OAUTH-NOTES §2.2 → AADSTS70011). */
export function singleResource(p: ParsedScopes, scopeText: string): ResourceDef | undefined {
  if (p.resources.length > 1) {
    throw EntraError.of(70011, { detail: `The scope ${scopeText} isn't valid. Scopes of more than one resource were requested.` });
  }
  return p.resources[0];
}

export const sameScope = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
export const hasScope = (set: Iterable<string>, s: string): boolean => [...set].some((x) => sameScope(x, s));
