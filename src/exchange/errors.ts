// Turns what Exchange (or the network) did into EwsdavError: HTTP statuses (EWS-NOTES §14.3),
// SOAP faults and ResponseMessage codes (§14.1–14.2), socket/DNS/TLS failures. Each error says
// what happened and what to do, names host:port where relevant, and never carries a secret.

import { EwsdavError, type ErrorCode, type ErrorDetails } from '../errors.js';
import type { SoapResponse } from './soap-response.js';
import { hostPort, offeredSchemes, parseRetryAfter, type UpstreamErrorContext } from '../upstream/http-errors.js';

// Generic HTTP and network pieces live in src/upstream (shared with the Graph transport).
export { hostPort, networkError, offeredSchemes, parseRetryAfter } from '../upstream/http-errors.js';

/** Exchange Online's EWS hosts: Basic auth is off there for good (EWS-NOTES §1.1). */
const EXCHANGE_ONLINE_HOSTS: ReadonlySet<string> = new Set(['outlook.office365.com', 'outlook.office.com']);

export function isExchangeOnlineHost(hostname: string): boolean {
  return EXCHANGE_ONLINE_HOSTS.has(hostname.toLowerCase().replace(/\.$/, ''));
}

/** `operation` is the EWS operation name. */
export type ErrorContext = UpstreamErrorContext;

function where(ctx: ErrorContext): { host: string; operation: string; mailbox: string } {
  return { host: hostPort(ctx.url), operation: ctx.operation, mailbox: ctx.mailbox };
}

export function unauthorizedError(ctx: ErrorContext, authScheme: string, wwwAuthenticate: string | string[] | undefined): EwsdavError {
  const schemes = offeredSchemes(wwwAuthenticate);
  const details: ErrorDetails = { ...where(ctx), status: 401, authScheme, offeredSchemes: schemes };
  if ((authScheme === 'basic' || authScheme === 'ntlm') && isExchangeOnlineHost(ctx.url.hostname)) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_BASIC_REFUSED', undefined, {
      ...details,
      hint:
        'Exchange Online accepts only OAuth for EWS: set exchange.auth to "oauth" (each user links their Microsoft 365 account) ' +
        'or "oauth-app" (an app registration with full_access_as_app). An app password cannot work there. ' +
        'On-premises Exchange still accepts Basic and NTLM.',
    });
  }
  const offered = schemes.length > 0 ? ` The server offers: ${schemes.join(', ')}.` : '';
  const hint =
    authScheme === 'oauth' || authScheme === 'oauth-app'
      ? 'The access token was rejected: re-link the account (or check the app registration and its EWS permission).'
      : `Check the user name (UPN or DOMAIN\\user) and password.${offered}` + schemeAdvice(authScheme, schemes);
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `Exchange at ${hostPort(ctx.url)} rejected the credentials (HTTP 401).`, { ...details, hint });
}

/** When the configured scheme is not offered, name the config value that matches what is. */
function schemeAdvice(authScheme: string, schemes: readonly string[]): string {
  const offered = new Set(schemes.map((s) => s.toLowerCase()));
  if (offered.size === 0 || offered.has(authScheme)) return '';
  const ntlmOffered = offered.has('ntlm') || offered.has('negotiate');
  if (authScheme === 'basic' && ntlmOffered) return ' "basic" is not among them: set exchange.auth to "ntlm".';
  if (authScheme === 'ntlm' && !ntlmOffered && offered.has('basic')) return ' NTLM is not among them: set exchange.auth to "basic".';
  return ` "${authScheme}" is not among them.`;
}

export function forbiddenError(ctx: ErrorContext): EwsdavError {
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_FORBIDDEN', undefined, {
    ...where(ctx),
    status: 403,
    hint:
      'EWS is blocked for this mailbox or app. Check EWSEnabled on the organisation and the mailbox ' +
      '(Set-OrganizationConfig / Set-CASMailbox -EWSEnabled), the EWS allow-list (EwsAllowedAppIDs, or EwsAllowList for ' +
      'User-Agent lists), and the licence: F1/F3/Kiosk mailboxes are blocked from EWS since 2026-06-30.',
  });
}

export function httpStatusError(ctx: ErrorContext, status: number, headers: Record<string, string | string[] | undefined>, snippet?: string): EwsdavError {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const base: ErrorDetails = { ...where(ctx), status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  if (snippet) base.body = snippet;
  const cas = headers['x-caserrorcode'];
  if (cas) base.casErrorCode = Array.isArray(cas) ? cas[0] : cas;
  if (status === 429) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_THROTTLED', `Exchange at ${hostPort(ctx.url)} is throttling (HTTP 429).`, base);
  }
  if (status === 503 || status === 502 || status === 504) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_UNAVAILABLE', `Exchange at ${hostPort(ctx.url)} is temporarily unavailable (HTTP ${status}).`, base);
  }
  if (status >= 300 && status < 400) {
    const location = headers.location;
    const target = Array.isArray(location) ? location[0] : location;
    base.location = target;
    // A redirect to /ews/genericerrorpage.htm is Exchange's transient outage page (EWS-NOTES §14.3).
    if (target && /genericerrorpage/i.test(target)) {
      return new EwsdavError('EWSDAV_ERR_UPSTREAM_UNAVAILABLE', `Exchange at ${hostPort(ctx.url)} redirected to its error page (transient outage).`, base);
    }
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Exchange at ${hostPort(ctx.url)} redirected the EWS request (HTTP ${status}).`, {
      ...base,
      hint: 'Configure the final EWS URL (…/EWS/Exchange.asmx) in exchange.url; the bridge does not follow redirects with credentials.',
    });
  }
  if (status >= 500) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_UNAVAILABLE', `Exchange at ${hostPort(ctx.url)} failed (HTTP ${status}).`, base);
  }
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Exchange at ${hostPort(ctx.url)} answered HTTP ${status}.`, {
    ...base,
    hint: status === 404 ? 'Check exchange.url: it must point at …/EWS/Exchange.asmx.' : undefined,
  });
}

// --- EWS response codes (WSR/responsecode) -------------------------------------------------------

/** Codes that say "try again later"; exchangelib and EWS-NOTES §14.2 treat them alike. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ErrorExceededConnectionCount',
  'ErrorTooManyObjectsOpened',
  'ErrorTimeoutExpired',
  'ErrorInternalServerTransientError',
  'ErrorMailboxStoreUnavailable',
  'ErrorMailboxMoveInProgress',
  'ErrorConnectionFailed',
  'ErrorBatchProcessingStopped',
]);

const IMPERSONATION_CODES: ReadonlySet<string> = new Set(['ErrorImpersonateUserDenied', 'ErrorImpersonationDenied', 'ErrorImpersonationFailed']);

export function isTransientCode(code: string): boolean {
  return TRANSIENT_CODES.has(code);
}

/**
 * ErrorInternalServerError often wraps the real cause in MessageXml (exchangelib `_get_exception`);
 * act on the inner code.
 */
export function effectiveCode(code: string, messageXml: Readonly<Record<string, string>>): string {
  const inner = messageXml.InnerErrorResponseCode;
  return code === 'ErrorInternalServerError' && inner ? inner : code;
}

export interface EwsCodeInput {
  code: string;
  messageText?: string;
  messageXml: Readonly<Record<string, string>>;
}

function backOff(messageXml: Readonly<Record<string, string>>): number | undefined {
  const v = messageXml.BackOffMilliseconds;
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Map one EWS error code (from a fault or a response message) to an EwsdavError. */
export function ewsCodeError(ctx: ErrorContext, input: EwsCodeInput): EwsdavError {
  const code = effectiveCode(input.code, input.messageXml);
  const details: ErrorDetails = { ...where(ctx), upstreamCode: code };
  if (code !== input.code) details.outerCode = input.code;
  if (input.messageText) details.upstreamMessage = input.messageText;
  const make = (c: ErrorCode, message: string, extra: ErrorDetails = {}) => new EwsdavError(c, message, { ...details, ...extra });
  if (code === 'ErrorServerBusy') {
    const retryAfterMs = backOff(input.messageXml);
    return make('EWSDAV_ERR_UPSTREAM_THROTTLED', `Exchange is throttling ${ctx.mailbox} (ErrorServerBusy).`, retryAfterMs !== undefined ? { retryAfterMs } : {});
  }
  if (TRANSIENT_CODES.has(code)) return make('EWSDAV_ERR_UPSTREAM_UNAVAILABLE', `Exchange reported a transient failure (${code}).`);
  switch (code) {
    case 'ErrorInvalidSyncStateData':
      return make('EWSDAV_ERR_SYNC_STATE_INVALID', 'Exchange rejected the stored sync state (ErrorInvalidSyncStateData); a full resync is needed.');
    case 'ErrorItemNotFound':
    case 'ErrorFolderNotFound':
    case 'ErrorSyncFolderNotFound':
      return make('EWSDAV_ERR_UPSTREAM_NOT_FOUND', `Exchange no longer has the item or folder (${code}).`);
    case 'ErrorAccessDenied':
      return make('EWSDAV_ERR_UPSTREAM_ACCESS_DENIED', `Exchange denied ${ctx.mailbox} access to this folder or mailbox (ErrorAccessDenied).`, {
        hint: 'Grant the signed-in user at least Reviewer permission on the calendar, or remove it from the configuration.',
      });
    case 'ErrorNonExistentMailbox':
    case 'ErrorMailRecipientNotFound':
      return make('EWSDAV_ERR_UPSTREAM_MAILBOX', `Exchange has no mailbox for ${ctx.mailbox} (${code}).`, {
        hint: `Check the address "${ctx.mailbox}" in the configuration: it must be the mailbox's primary SMTP address.`,
      });
    case 'ErrorInvalidServerVersion':
      return make('EWSDAV_ERR_UPSTREAM_FAULT', 'Exchange does not know the requested EWS schema version (ErrorInvalidServerVersion).', {
        hint: 'Set exchange.version to an older value (Exchange2013_SP1 for Exchange 2013, Exchange2010_SP2 for 2010).',
      });
  }
  if (IMPERSONATION_CODES.has(code)) {
    return make('EWSDAV_ERR_UPSTREAM_FORBIDDEN', `Exchange refused to act as ${ctx.mailbox} (${code}).`, {
      hint: 'App-only access needs the full_access_as_app application permission with admin consent (ApplicationImpersonation is gone from Exchange Online).',
    });
  }
  // Schema violations carry LineNumber/LinePosition/Violation: what a developer needs to fix the request.
  const extra = Object.keys(input.messageXml).length > 0 ? { messageXml: { ...input.messageXml } } : {};
  return make('EWSDAV_ERR_UPSTREAM_FAULT', `Exchange answered ${code}${input.messageText ? `: ${input.messageText}` : '.'}`, extra);
}

export function tooLargeError(ctx: ErrorContext, limit: number): EwsdavError {
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_TOO_LARGE', `Exchange sent more than ${limit} bytes for ${ctx.operation}; the response was abandoned.`, {
    ...where(ctx),
    limit,
    hint: 'Raise the response size limit, or lower the batch size of the operation.',
  });
}

export function unreadableError(ctx: ErrorContext, reason: string, cause?: unknown): EwsdavError {
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Exchange sent a response the bridge cannot read (${ctx.operation}): ${reason}`, where(ctx), { cause });
}

/**
 * Throws the error a parsed response stands for: a SOAP fault, no message at all, or any message
 * whose code the operation does not take per slot. ErrorServerBusy in one slot fails the whole
 * call, so the retry re-sends the whole batch (exchangelib does the same).
 */
export function checkResponse(parsed: SoapResponse<unknown>, slotErrors: ReadonlySet<string> | undefined, ctx: ErrorContext, status = 200): void {
  if (parsed.fault) {
    const f = parsed.fault;
    throw ewsCodeError(ctx, { code: f.responseCode ?? f.faultCode, messageText: f.message ?? f.faultString, messageXml: f.messageXml });
  }
  if (parsed.messages.length === 0) {
    throw new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Exchange sent no response message for ${ctx.operation} (HTTP ${status}).`, where(ctx));
  }
  for (const m of parsed.messages) {
    if (m.responseClass === 'Error' && !slotErrors?.has(m.responseCode)) {
      throw ewsCodeError(ctx, { code: m.responseCode, messageText: m.messageText, messageXml: m.messageXml });
    }
  }
}
