// Exchange Online's Bearer authentication for the EWS simulator (OAUTH-NOTES §7, §10.12): the
// access token is checked with the fake authority's verifier (RS256 by kid, v1 issuer, audience
// https://outlook.office365.com, nbf/exp, scp EWS.AccessAsUser.All); the mailbox is the token's
// upn (delegate access is then checked by the EWS endpoint like for any user). Failures answer
// 401 with Exchange Online's `WWW-Authenticate: Bearer …` and `x-ms-diagnostics`; the
// "EWS allow-list" switch answers a valid token with an empty 403 (EwsAllowedAppIDs, §7).
// App-only tokens (`roles` full_access_as_app, §5) get a stand-in principal that is no mailbox: the
// EWS endpoint then demands ExchangeImpersonation of a mailbox inside the app's scope (the
// RBAC for Applications / Application Access Policy switch below; none = every mailbox).

import { type EntraTrust, ewsUnauthorizedHeaders, verifyAuthorizationHeader } from './entra/index.js';
import { type AuthScheme, mailboxForLogon } from './auth.js';
import type { Mailbox } from './mailbox/types.js';

export interface BearerCounters {
  ok: number;
  /** x-ms-diagnostics code or reason → count. */
  refused: Record<string, number>;
  forbidden: number;
  /** Distinct `aud` / `scp` / `upn` of accepted tokens, so tests can prove what the bridge sent. */
  audiences: string[];
  scopes: string[];
  upns: string[];
  /** Distinct app ids of accepted app-only tokens. */
  apps: string[];
}

export interface BearerControl {
  /** false: the app id is not in EwsAllowedAppIDs (or EWSEnabled is False) → 403 for valid tokens. */
  setEwsAllowed(allowed: boolean): void;
  counters(): BearerCounters;
  /** Mailboxes app-only tokens may impersonate (RBAC for Applications / AAP); undefined = all. */
  setAppScope(mailboxes: readonly string[] | undefined): void;
  reset(): void;
}

export interface BearerOptions {
  trust: EntraTrust;
  audience?: string;
  requiredScope?: string;
  /** Role app-only tokens need, default full_access_as_app. */
  requiredRole?: string;
  /** Initial app scope (see BearerControl.setAppScope). */
  appScope?: readonly string[];
}

const empty = (): BearerCounters => ({ ok: 0, refused: {}, forbidden: 0, audiences: [], scopes: [], upns: [], apps: [] });

function appPrincipal(appId: string, mayImpersonate: (smtp: string) => boolean): Mailbox {
  return {
    smtp: `app:${appId}`, displayName: appId, logonNames: [], timeZone: 'UTC', delegates: [], canImpersonate: true,
    appOnly: { appId, mayImpersonate }, folders: new Map(), items: new Map(), journals: new Map(),
  };
}
const add = (list: string[], v: string | undefined): void => {
  if (v !== undefined && !list.includes(v)) list.push(v);
};

export function bearerAuth(options: BearerOptions): AuthScheme & { control: BearerControl } {
  let allowed = true;
  let c = empty();
  let scope: Set<string> | undefined = options.appScope ? new Set(options.appScope.map((m) => m.toLowerCase())) : undefined;
  const mayImpersonate = (smtp: string): boolean => scope === undefined || scope.has(smtp.toLowerCase());
  const verify = {
    trust: options.trust, audience: options.audience ?? 'https://outlook.office365.com',
    requiredScope: options.requiredScope ?? 'EWS.AccessAsUser.All', requiredRole: options.requiredRole ?? 'full_access_as_app',
  };
  return {
    name: 'Bearer',
    challenge: () => ewsUnauthorizedHeaders(undefined)['www-authenticate']!,
    authenticate({ credentials, store }) {
      const result = verifyAuthorizationHeader(`Bearer ${credentials}`, verify);
      if (!result.ok) {
        c.refused[result.diagnostics] = (c.refused[result.diagnostics] ?? 0) + 1;
        const { 'www-authenticate': www, ...headers } = ewsUnauthorizedHeaders(result);
        return { kind: 'fail', reason: result.reason, challenges: [www!], headers };
      }
      const mailbox = result.kind === 'app' ? appPrincipal(result.appId, mayImpersonate) : result.upn ? mailboxForLogon(store, result.upn) : undefined;
      if (!mailbox) {
        c.refused['no-mailbox'] = (c.refused['no-mailbox'] ?? 0) + 1;
        return { kind: 'fail', reason: `no mailbox for ${result.upn ?? 'an app-only token'}`, challenges: [ewsUnauthorizedHeaders(undefined)['www-authenticate']!] };
      }
      if (!allowed) {
        c.forbidden += 1;
        return { kind: 'fail', reason: 'EWS is blocked for this app (EwsAllowedAppIDs)', status: 403 };
      }
      c.ok += 1;
      add(c.audiences, typeof result.claims.aud === 'string' ? result.claims.aud : undefined);
      for (const s of result.scopes) add(c.scopes, s);
      add(c.upns, result.upn);
      if (result.kind === 'app') add(c.apps, result.appId);
      return { kind: 'ok', mailbox };
    },
    control: {
      setEwsAllowed: (v) => {
        allowed = v;
      },
      counters: () => structuredClone(c),
      setAppScope: (mailboxes) => {
        scope = mailboxes ? new Set(mailboxes.map((m) => m.toLowerCase())) : undefined;
      },
      reset: () => {
        c = empty();
      },
    },
  };
}
