// One error type for the whole bridge, built from a table of codes (fastify's FST_ERR_*, undici's
// UND_ERR_* shape): each code has an HTTP status, a category the sync engine acts on, and text
// that tells a user what happened and what to do. docs/errors.md is checked against this table.

/** What the sync engine and the CLI do about an error, independent of its exact code. */
export type ErrorCategory =
  | 'auth' // credentials rejected: stop, never retry (account lockout)
  | 'forbidden' // policy/licence: stop, report
  | 'throttled' // wait at least `retryAfterMs`, then retry
  | 'transient' // network, 5xx, timeout: back off and retry
  | 'not-found' // the thing is gone
  | 'invalid-state' // upstream sync state unusable: full resync
  | 'config' // the admin must change the configuration
  | 'client' // a bad request from a calendar client (4xx)
  | 'permanent'; // a bug or an unsupported case: report, no retry

export interface ErrorSpec {
  readonly status: number;
  readonly category: ErrorCategory;
  /** Default message; callers usually pass a specific one. */
  readonly message: string;
}

export interface ErrorDetails {
  /** Raw upstream code, e.g. the EWS ResponseCode or the AADSTS number. */
  upstreamCode?: string;
  /** How long the upstream asked us to wait. */
  retryAfterMs?: number;
  /** What the user or admin should do; shown by the CLI and the account page. */
  hint?: string;
  [key: string]: unknown;
}

export class EwsdavError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly category: ErrorCategory;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message?: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    const spec = ERRORS[code];
    super(message ?? spec.message, options);
    this.name = 'EwsdavError';
    this.code = code;
    this.status = spec.status;
    this.category = spec.category;
    this.details = details;
  }

  get hint(): string | undefined {
    return this.details.hint;
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }

  /** A one-paragraph text for users: the message and, if known, what to do. */
  describe(): string {
    return this.details.hint ? `${this.message}\n${this.details.hint}` : this.message;
  }
}

export const ERRORS = {
  // configuration
  EWSDAV_ERR_CONFIG_INVALID: { status: 500, category: 'config', message: 'The configuration file is invalid.' },
  EWSDAV_ERR_CONFIG_SECRET: { status: 500, category: 'config', message: 'A secret in the configuration could not be read.' },

  // upstream (EWS or Graph)
  EWSDAV_ERR_UPSTREAM_AUTH: { status: 502, category: 'auth', message: 'Exchange rejected the credentials.' },
  EWSDAV_ERR_UPSTREAM_BASIC_REFUSED: {
    status: 502,
    category: 'auth',
    message: 'Exchange Online refused Basic authentication (app passwords) for EWS; it has been switched off there since 2022-23.',
  },
  EWSDAV_ERR_UPSTREAM_FORBIDDEN: { status: 502, category: 'forbidden', message: 'Exchange refused access to EWS for this mailbox (HTTP 403).' },
  EWSDAV_ERR_UPSTREAM_THROTTLED: { status: 503, category: 'throttled', message: 'Exchange is throttling requests for this mailbox.' },
  EWSDAV_ERR_UPSTREAM_NETWORK: { status: 502, category: 'transient', message: 'Exchange could not be reached.' },
  EWSDAV_ERR_UPSTREAM_TIMEOUT: { status: 504, category: 'transient', message: 'Exchange did not answer in time.' },
  EWSDAV_ERR_UPSTREAM_UNAVAILABLE: { status: 503, category: 'transient', message: 'Exchange is temporarily unavailable.' },
  EWSDAV_ERR_UPSTREAM_FAULT: { status: 502, category: 'permanent', message: 'Exchange answered with an error.' },
  EWSDAV_ERR_UPSTREAM_RESPONSE: { status: 502, category: 'permanent', message: 'Exchange sent a response the bridge cannot read.' },
  EWSDAV_ERR_UPSTREAM_TOO_LARGE: { status: 502, category: 'permanent', message: 'Exchange sent a response larger than the configured limit.' },
  EWSDAV_ERR_UPSTREAM_NOT_FOUND: { status: 404, category: 'not-found', message: 'The item or folder no longer exists in Exchange.' },
  EWSDAV_ERR_UPSTREAM_ACCESS_DENIED: { status: 403, category: 'forbidden', message: 'The mailbox has no permission for this folder or mailbox.' },
  EWSDAV_ERR_UPSTREAM_MAILBOX: { status: 502, category: 'config', message: 'The mailbox does not exist.' },
  EWSDAV_ERR_SYNC_STATE_INVALID: { status: 502, category: 'invalid-state', message: 'Exchange no longer accepts the stored sync state; a full resync is needed.' },

  // calendar clients
  EWSDAV_ERR_CLIENT_BAD_REQUEST: { status: 400, category: 'client', message: 'The request is malformed.' },
  EWSDAV_ERR_CLIENT_TOO_LARGE: { status: 413, category: 'client', message: 'The request body is too large.' },
  EWSDAV_ERR_CLIENT_UNAUTHENTICATED: { status: 401, category: 'client', message: 'Authentication required.' },
  EWSDAV_ERR_CLIENT_RATE_LIMITED: { status: 429, category: 'client', message: 'Too many failed logins; try again later.' },
  EWSDAV_ERR_CLIENT_FORBIDDEN: { status: 403, category: 'client', message: 'Not allowed.' },
  EWSDAV_ERR_CLIENT_NOT_FOUND: { status: 404, category: 'client', message: 'Not found.' },

  // store
  EWSDAV_ERR_STORE: { status: 500, category: 'permanent', message: 'The local store failed.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isEwsdavError(value: unknown, code?: ErrorCode): value is EwsdavError {
  return value instanceof EwsdavError && (code === undefined || value.code === code);
}
