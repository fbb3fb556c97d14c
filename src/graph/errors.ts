// What Microsoft Graph answered, as EwsdavError: the JSON error body `{"error":{"code","message"}}`
// with its HTTP status (briefs/graph-contract.md; Graph "errors" and "throttling" pages). Each
// error says what to do: the 401 and 403 cases name the Entra ID or Exchange setting to change.

import { EwsdavError, type ErrorCode, type ErrorDetails } from '../errors.js';
import { hostPort, parseRetryAfter, type UpstreamErrorContext, type UpstreamService } from '../upstream/http-errors.js';
import type { GraphErrorBody } from './types.js';

export const GRAPH_SERVICE: UpstreamService = { name: 'Microsoft Graph', setting: 'graph.url' };

export type GraphErrorContext = UpstreamErrorContext & { authScheme: string; now?: number };

type Headers = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The Graph error body, if the text is one. */
export function graphErrorOf(text: string | undefined): { code?: string; message?: string } {
  if (!text) return {};
  try {
    const body = JSON.parse(text) as GraphErrorBody;
    const e = body && typeof body === 'object' ? body.error : undefined;
    return { ...(typeof e?.code === 'string' ? { code: e.code } : {}), ...(typeof e?.message === 'string' ? { message: e.message } : {}) };
  } catch {
    return {};
  }
}

const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ErrorItemNotFound', 'ErrorFolderNotFound', 'ResourceNotFound', 'ErrorSyncFolderNotFound']);
const MAILBOX_CODES: ReadonlySet<string> = new Set(['MailboxNotEnabledForRESTAPI', 'ErrorInvalidUser', 'ErrorNonExistentMailbox', 'ErrorMailRecipientNotFound']);

/** An HTTP status other than 2xx as an EwsdavError (the 401 after the provider declined a retry included). */
export function graphStatusError(ctx: GraphErrorContext, status: number, headers: Headers, bodyText: string | undefined): EwsdavError {
  const { code, message } = graphErrorOf(bodyText);
  const host = hostPort(ctx.url);
  const details: ErrorDetails = { host, operation: ctx.operation, mailbox: ctx.mailbox, status };
  if (code) details.upstreamCode = code;
  if (message) details.upstreamMessage = message;
  const requestId = first(headers['request-id']);
  if (requestId) details.requestId = requestId;
  const retryAfterMs = parseRetryAfter(headers['retry-after'], ctx.now);
  if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
  const said = code ? ` (${code}${message ? `: ${message}` : ''})` : '';
  const make = (c: ErrorCode, text: string, extra: ErrorDetails = {}) => new EwsdavError(c, text, { ...details, ...extra });

  if (status === 401) return make('EWSDAV_ERR_UPSTREAM_AUTH', `Microsoft Graph at ${host} rejected the access token (HTTP 401)${said}.`, { authScheme: ctx.authScheme, hint: unauthorizedHint(ctx.authScheme, message) });
  if (status === 403) return forbidden(ctx, code, message, make, said);
  if (status === 410) {
    // Graph's delta tokens expire with its cache (SyncStateNotFound, resyncRequired, syncStateInvalid): resync.
    return make('EWSDAV_ERR_SYNC_STATE_INVALID', `Microsoft Graph no longer accepts the stored delta link (HTTP 410)${said}; a full resync is needed.`);
  }
  if (status === 429 || ((status === 503 || status === 504) && retryAfterMs !== undefined)) {
    return make('EWSDAV_ERR_UPSTREAM_THROTTLED', `Microsoft Graph is throttling requests for ${ctx.mailbox} (HTTP ${status})${said}.`);
  }
  if (status === 404 && code && MAILBOX_CODES.has(code)) {
    return make('EWSDAV_ERR_UPSTREAM_MAILBOX', `Microsoft Graph has no usable mailbox for ${ctx.mailbox}${said}.`, {
      hint: `Check the address "${ctx.mailbox}": it must be an Exchange Online mailbox (an on-premises mailbox is not reachable through Graph).`,
    });
  }
  if (status === 404) return make('EWSDAV_ERR_UPSTREAM_NOT_FOUND', `Microsoft Graph no longer has the item or calendar (HTTP 404)${said}.`, code && NOT_FOUND_CODES.has(code) ? {} : { hint: `Check ${GRAPH_SERVICE.setting}: the bridge appends /v1.0/… to it.` });
  if (status >= 500) return make('EWSDAV_ERR_UPSTREAM_UNAVAILABLE', `Microsoft Graph at ${host} failed (HTTP ${status})${said}.`);
  if (status === 400) return make('EWSDAV_ERR_UPSTREAM_FAULT', `Microsoft Graph refused the request (HTTP 400)${said}.`);
  return make('EWSDAV_ERR_UPSTREAM_RESPONSE', `Microsoft Graph at ${host} answered HTTP ${status}${said}.`);
}

function unauthorizedHint(authScheme: string, message: string | undefined): string {
  if (message && /audience/i.test(message)) {
    return (
      'The token was issued for another resource (an EWS token for https://outlook.office365.com, say). With exchange.api "graph" the ' +
      'app must ask for Graph permissions: delegated Calendars.Read (https://graph.microsoft.com/Calendars.Read) or, for oauth-app, ' +
      'the Calendars.Read application permission with admin consent; then re-link the account.'
    );
  }
  return authScheme === 'oauth-app'
    ? 'The app token was refused: check that the app registration has the Calendars.Read application permission with admin consent, and its secret or certificate.'
    : 'The access token was refused: re-link the account (the Calendars.Read consent may be missing or revoked).';
}

function forbidden(ctx: GraphErrorContext, code: string | undefined, message: string | undefined, make: (c: ErrorCode, text: string, extra?: ErrorDetails) => EwsdavError, said: string): EwsdavError {
  if (message && /access to odata is disabled/i.test(message)) {
    return make('EWSDAV_ERR_UPSTREAM_FORBIDDEN', `Microsoft Graph refused access to ${ctx.mailbox}: an Exchange application access policy or RBAC for Applications scope excludes it${said}.`, {
      hint:
        'Add the mailbox to the scope the app may read (New-ManagementScope / New-ManagementRoleAssignment with "Application Calendars.Read", ' +
        'or the group of New-ApplicationAccessPolicy), or remove it from the configuration.',
    });
  }
  if (code === 'ErrorAccessDenied') {
    return make('EWSDAV_ERR_UPSTREAM_ACCESS_DENIED', `Microsoft Graph denied access to this calendar or mailbox of ${ctx.mailbox}${said}.`, {
      hint: 'Grant the signed-in user delegate access (at least Reviewer) to the mailbox calendar, or read only the own mailbox.',
    });
  }
  return make('EWSDAV_ERR_UPSTREAM_FORBIDDEN', `Microsoft Graph refused the request for ${ctx.mailbox} (HTTP 403)${said}.`, {
    hint:
      ctx.authScheme === 'oauth-app'
        ? 'Grant the app the Calendars.Read application permission with admin consent.'
        : 'Consent to the Calendars.Read delegated permission (re-link the account; an administrator may need to grant consent).',
  });
}
