// Entra errors → EwsdavError with an action a user or admin can take (OAUTH-NOTES §8). React to
// `error` and the AADSTS number only, never to the description text (§2.2). Grant errors are
// category 'auth' with `relink: true`: the sync engine stops the account without retrying (an
// interactive-only error never heals in the background, §8 summary 4).

import { AuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { EwsdavError } from '../../errors.js';

const RELINK = 'Re-link the account (`ewsdav link USER`, or the account page)';

/** AADSTS number → what to do (§8). `admin` errors are the deployment's, not the user's. */
const HINTS: Record<number, { hint: string; admin?: true }> = {
  50076: { hint: `Multi-factor authentication is now required. ${RELINK} and complete MFA on Microsoft's page.` },
  50079: { hint: `The account must register MFA methods first; then ${RELINK.toLowerCase()}.` },
  53003: { hint: `Blocked by Conditional Access: an admin must allow this app and sign-in flow (device code, location, device state); then ${RELINK.toLowerCase()}.` },
  65001: { hint: `Consent for EWS access is missing or was withdrawn. ${RELINK} and accept the permissions, or have an admin grant tenant-wide consent.` },
  90094: { hint: 'An admin must grant consent for this app ("Grant admin consent" in Entra ID); then link again.' },
  700082: { hint: `The grant expired after 90 days without use. ${RELINK}.` },
  70008: { hint: `The grant or sign-in code expired. ${RELINK}.` },
  50173: { hint: `The grant was revoked (sessions revoked by the user or an admin). ${RELINK}.` },
  50133: { hint: `The session ended after a password change. ${RELINK} with the new password.` },
  70043: { hint: `Conditional Access requires a fresh sign-in (sign-in frequency). ${RELINK}.` },
  50055: { hint: `The password has expired: change it at Microsoft, then ${RELINK.toLowerCase()}.` },
  50057: { hint: 'The user account is disabled in Entra ID: an admin must enable it.', admin: true },
  50053: { hint: 'The account is locked: wait or have an admin unlock it, then link again.' },
  54005: { hint: 'This sign-in code was already used: start the sign-in again.' },
  501481: { hint: 'The sign-in code does not belong to this sign-in (PKCE verifier mismatch): start the sign-in again.' },
  50020: { hint: 'This account does not belong to the configured tenant.' },
  50034: { hint: 'This account does not exist in the configured tenant.' },
  7000215: { hint: 'Admin: oauth.clientSecret is wrong; use the secret VALUE, not its ID.', admin: true },
  7000222: { hint: 'Admin: the client secret has expired; create a new one (or use a certificate) and update oauth.clientSecret.', admin: true },
  700016: { hint: 'Admin: the app (oauth.clientId) is not found in this tenant: check clientId and tenant, or consent to the app in this tenant.', admin: true },
  7000218: { hint: 'Admin: the app needs a client secret, or "Allow public client flows" for device-code sign-in.', admin: true },
  700025: { hint: 'Admin: this redirect URI is registered for a public client; remove oauth.clientSecret or register the URI under "Web".', admin: true },
  50011: { hint: 'Admin: the redirect URI is not registered in the app registration.', admin: true },
  50194: { hint: 'Admin: a single-tenant app needs the tenant id in oauth.tenant, not "common".', admin: true },
  9001023: { hint: 'Admin: use the tenant id in oauth.tenant, not "common" or "organizations".', admin: true },
  70011: { hint: 'Admin: oauth.scopes names an invalid scope.', admin: true },
};

/** The AADSTS number of an msal error, from `error_codes[0]` or the description. */
export function aadstsOf(err: unknown): number | undefined {
  if (err instanceof ServerError || err instanceof InteractionRequiredAuthError) {
    if (err.errorNo && /^\d+$/.test(err.errorNo)) return Number(err.errorNo);
  }
  if (err instanceof Error) {
    const m = /AADSTS(\d+)/.exec(err.message);
    if (m?.[1]) return Number(m[1]);
  }
  return undefined;
}

/** Turns an msal (or authority) error into an EwsdavError; `action` names the step for the message. */
export function oauthError(err: unknown, action: string): EwsdavError {
  if (err instanceof EwsdavError) return err;
  const code = aadstsOf(err);
  const errorCode = err instanceof AuthError ? err.errorCode : undefined;
  const upstreamCode = code !== undefined ? `AADSTS${code}` : errorCode;
  const known = code !== undefined ? HINTS[code] : undefined;
  const details = { ...(upstreamCode ? { upstreamCode } : {}) };

  // The authority is busy or unreachable: transient, the engine backs off (msal also throttles itself, §9).
  if (code === 90055 || code === 90033 || errorCode === 'temporarily_unavailable' || errorCode === 'server_error') {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_UNAVAILABLE', `Microsoft sign-in is temporarily unavailable (${action}).`, details, { cause: err });
  }
  if (errorCode === 'network_error' || errorCode === 'endpoints_resolution_error' || (err instanceof Error && !(err instanceof AuthError))) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_NETWORK', `Microsoft sign-in could not be reached (${action}).`, {
      ...details, hint: 'Check the network path to oauth.authorityHost (proxy, firewall, TLS trust).',
    }, { cause: err });
  }
  if (errorCode === 'no_tokens_found' || errorCode === 'no_account_in_silent_request' || errorCode === 'refresh_token_expired') {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `No usable Microsoft 365 grant is stored (${action}).`, { ...details, hint: `${RELINK}.`, relink: true }, { cause: err });
  }
  if (known) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `Microsoft sign-in refused ${action} (AADSTS${code}).`, { ...details, hint: known.hint, relink: !known.admin }, { cause: err });
  }
  const grantError = errorCode === 'invalid_grant' || err instanceof InteractionRequiredAuthError;
  const trace = err instanceof AuthError && err.correlationId ? ` (correlation id ${err.correlationId})` : '';
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `Microsoft sign-in refused ${action}${upstreamCode ? ` (${upstreamCode})` : ''}.`, {
    ...details,
    hint: grantError || code !== undefined ? `${RELINK} (sign in again). If it keeps failing, give the admin the code${trace}.` : `Sign in again; if it persists, give the admin this message${trace}.`,
    relink: true,
  }, { cause: err });
}

/** Whether the error means the stored grant is dead (as opposed to a deployment problem or an outage). */
export function needsRelink(err: EwsdavError): boolean {
  return err.category === 'auth' && err.details['relink'] === true;
}
