// Exchange Online's Bearer authentication for the EWS simulator (OAUTH-NOTES §7, §10.12): the
// access token is checked with the fake authority's verifier (RS256 by kid, v1 issuer, audience
// https://outlook.office365.com, nbf/exp, scp EWS.AccessAsUser.All); the mailbox is the token's
// upn (delegate access is then checked by the EWS endpoint like for any user). Failures answer
// 401 with Exchange Online's `WWW-Authenticate: Bearer …` and `x-ms-diagnostics`; the
// "EWS allow-list" switch answers a valid token with an empty 403 (EwsAllowedAppIDs, §7).

import { type EntraTrust, ewsUnauthorizedHeaders, verifyAuthorizationHeader } from './entra/index.js';
import { type AuthScheme, mailboxForLogon } from './auth.js';

export interface BearerCounters {
  ok: number;
  /** x-ms-diagnostics code or reason → count. */
  refused: Record<string, number>;
  forbidden: number;
  /** Distinct `aud` / `scp` / `upn` of accepted tokens, so tests can prove what the bridge sent. */
  audiences: string[];
  scopes: string[];
  upns: string[];
}

export interface BearerControl {
  /** false: the app id is not in EwsAllowedAppIDs (or EWSEnabled is False) → 403 for valid tokens. */
  setEwsAllowed(allowed: boolean): void;
  counters(): BearerCounters;
  reset(): void;
}

export interface BearerOptions {
  trust: EntraTrust;
  audience?: string;
  requiredScope?: string;
}

const empty = (): BearerCounters => ({ ok: 0, refused: {}, forbidden: 0, audiences: [], scopes: [], upns: [] });
const add = (list: string[], v: string | undefined): void => {
  if (v !== undefined && !list.includes(v)) list.push(v);
};

export function bearerAuth(options: BearerOptions): AuthScheme & { control: BearerControl } {
  let allowed = true;
  let c = empty();
  const verify = { trust: options.trust, audience: options.audience ?? 'https://outlook.office365.com', requiredScope: options.requiredScope ?? 'EWS.AccessAsUser.All' };
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
      const mailbox = result.kind === 'delegated' && result.upn ? mailboxForLogon(store, result.upn) : undefined;
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
      return { kind: 'ok', mailbox };
    },
    control: {
      setEwsAllowed: (v) => {
        allowed = v;
      },
      counters: () => structuredClone(c),
      reset: () => {
        c = empty();
      },
    },
  };
}
