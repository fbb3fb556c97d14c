// Entra's error answers (OAUTH-NOTES §2.2, §8, ID/reference-error-codes): one table of the
// AADSTS codes the fake emits, the JSON body of the token endpoint and the redirect form of
// /authorize. Texts paraphrase Entra's; clients must key on `error` + the number only.

import { randomUUID } from 'node:crypto';

type OAuthError =
  | 'invalid_request' | 'invalid_grant' | 'invalid_client' | 'unauthorized_client' | 'unsupported_grant_type'
  | 'invalid_resource' | 'invalid_scope' | 'interaction_required' | 'consent_required' | 'login_required'
  | 'access_denied' | 'unsupported_response_type' | 'temporarily_unavailable' | 'server_error'
  | 'invalid_tenant' | 'authorization_pending' | 'authorization_declined' | 'bad_verification_code' | 'expired_token' | 'slow_down';

interface CodeDef { error: OAuthError; text: string; suberror?: string }

/** Every AADSTS number the fake uses. Numbers marked † have no exact Learn entry for this case. */
export const AADSTS: Readonly<Record<number, CodeDef>> = {
  50011: { error: 'invalid_request', text: 'The redirect URI specified in the request does not match the redirect URIs configured for the application.' },
  50020: { error: 'access_denied', text: 'User account from identity provider does not exist in tenant and cannot access the application in that tenant.' },
  50034: { error: 'invalid_request', text: 'The user account does not exist in the directory.' },
  50057: { error: 'invalid_grant', text: 'The user account is disabled.' },
  50058: { error: 'login_required', text: 'A silent sign-in request was sent but no user is signed in.' },
  50076: { error: 'invalid_grant', suberror: 'basic_action', text: 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.' },
  50126: { error: 'invalid_grant', text: 'Error validating credentials due to invalid username or password.' },
  50133: { error: 'invalid_grant', text: 'Session is invalid due to expiration or recent password change.' },
  50173: { error: 'invalid_grant', text: 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.' },
  50194: { error: 'invalid_request', text: 'Application is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications. Use a tenant-specific endpoint or configure the application to be multi-tenant.' },
  53003: { error: 'invalid_grant', text: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.' },
  54005: { error: 'invalid_grant', text: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.' },
  65001: { error: 'invalid_grant', suberror: 'consent_required', text: 'The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.' },
  65004: { error: 'access_denied', text: 'User declined to consent to access the app.' },
  70000: { error: 'invalid_grant', text: 'Provided grant is invalid or malformed.' }, // † code bound to another client
  70003: { error: 'unsupported_grant_type', text: 'The app requested an unsupported grant type.' },
  70008: { error: 'invalid_grant', text: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.' },
  70011: { error: 'invalid_scope', text: 'The provided request must include a \'scope\' input parameter. The provided value for the input parameter \'scope\' is not valid.' },
  70016: { error: 'authorization_pending', text: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.' },
  70018: { error: 'bad_verification_code', text: 'Invalid verification code due to User typing in wrong user code for device code flow. Authorization is not approved.' },
  70019: { error: 'expired_token', text: 'Verification code expired. Have the user retry the sign-in.' },
  70020: { error: 'authorization_declined', text: 'The end user denied the authorization request.' }, // †
  70021: { error: 'slow_down', text: 'The client polled the token endpoint more often than the interval allows (RFC 8628 §3.5).' }, // †
  90002: { error: 'invalid_tenant', text: 'Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.' },
  90033: { error: 'temporarily_unavailable', text: 'A transient error has occurred. Please try again.' },
  90055: { error: 'temporarily_unavailable', text: 'There are too many incoming requests. Please try again later.' },
  90094: { error: 'consent_required', text: 'The grant requires admin permission.' },
  90100: { error: 'invalid_request', text: 'The parameter is empty or not valid.' },
  90120: { error: 'invalid_grant', text: 'The device code was already used: the user already authorized or declined this request.' },
  500011: { error: 'invalid_resource', text: 'The resource principal was not found in the tenant.' },
  500112: { error: 'invalid_grant', text: 'The reply address does not match the reply address provided when requesting the authorization code.' },
  501481: { error: 'invalid_grant', text: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' },
  501491: { error: 'invalid_request', text: 'Invalid size of Code_Challenge parameter.' },
  700005: { error: 'invalid_grant', text: 'Provided Authorization Code is intended to use against other tenant, thus rejected.' },
  700016: { error: 'unauthorized_client', text: 'Application was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.' },
  700025: { error: 'invalid_client', text: 'Client is public so neither \'client_assertion\' nor \'client_secret\' should be presented.' },
  700027: { error: 'invalid_client', text: 'Client assertion failed signature validation. (The fake authority does not accept client assertions.)' },
  700054: { error: 'unsupported_response_type', text: 'The response_type is not enabled for the application.' },
  700082: { error: 'invalid_grant', text: 'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90.00:00:00.' },
  900144: { error: 'invalid_request', text: 'The request body must contain the following parameter.' },
  900971: { error: 'invalid_request', text: 'No reply address provided.' },
  7000215: { error: 'invalid_client', text: 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.' },
  7000218: { error: 'invalid_client', text: 'The request body must contain the following parameter: \'client_assertion\' or \'client_secret\'.' },
  7000222: { error: 'invalid_client', text: 'The provided client secret keys are expired. Visit the Azure portal to create new keys for your app.' },
  9001023: { error: 'invalid_request', text: 'The grant type isn\'t supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.' },
};

export class EntraError extends Error {
  constructor(
    readonly code: number,
    readonly error: OAuthError,
    readonly description: string,
    readonly status: number,
    readonly suberror?: string,
  ) {
    super(`AADSTS${code}: ${description}`);
  }

  /** Builds the error of an AADSTS number; `detail` replaces or extends the table text. */
  static of(code: number, opts: { detail?: string; error?: OAuthError; status?: number } = {}): EntraError {
    const def = AADSTS[code];
    if (!def) throw new Error(`AADSTS${code} is not in the table`);
    const error = opts.error ?? def.error;
    // RFC 6749 §5.2: invalid_client may be 401; Entra commonly answers 401 (OAUTH-NOTES §2.2).
    const status = opts.status ?? (error === 'invalid_client' ? 401 : 400);
    const text = opts.detail ? `${def.text} ${opts.detail}` : def.text;
    return new EntraError(code, error, text, status, def.suberror);
  }

  static missing(param: string): EntraError {
    return EntraError.of(900144, { detail: `Parameter: '${param}'.` });
  }

  static invalidParam(param: string, value: string): EntraError {
    return EntraError.of(90100, { detail: `'${param}' = '${value.slice(0, 80)}'.` });
  }
}

/** `2026-11-24 10:02:12Z`, the format of `timestamp` and of the description's last line. */
export function entraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export interface ErrorContext {
  now: number;
  /** The request's `client-request-id`, echoed as the correlation id as Entra does. */
  correlationId?: string;
  errorUriBase: string;
}

export type ErrorBody = Record<string, string | number[]>;

/** The token-endpoint error JSON of OAUTH-NOTES §2.2. */
export function errorBody(e: EntraError, ctx: ErrorContext): ErrorBody {
  const traceId = randomUUID();
  const correlationId = ctx.correlationId ?? randomUUID();
  const ts = entraTimestamp(ctx.now);
  const body: ErrorBody = {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${ts}`,
    error_codes: [e.code],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${ctx.errorUriBase}/error?code=${e.code}`,
  };
  if (e.suberror) body.suberror = e.suberror;
  return body;
}

/** The parameters of an error redirect from /authorize (OAUTH-NOTES §2.1). */
export function errorRedirectParams(e: EntraError, ctx: ErrorContext, state: string | undefined): Record<string, string> {
  const b = errorBody(e, ctx);
  const out: Record<string, string> = {
    error: e.error,
    error_description: String(b.error_description),
    error_uri: String(b.error_uri),
  };
  if (state !== undefined) out.state = state;
  return out;
}
