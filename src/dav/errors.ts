// DAV errors that know their HTTP form (sabre/dav's DAV\Exception idea): a status, optional extra
// headers and an optional precondition element for the <D:error> body (RFC 4918 §16). Handlers
// throw these; src/dav/dispatch.ts turns them into responses, so no handler builds error XML.

import { EwsdavError, type ErrorCode } from '../errors.js';
import { caldav, dav, el, type XmlElement } from './xml.js';

function codeFor(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'EWSDAV_ERR_CLIENT_UNAUTHENTICATED';
    case 403:
      return 'EWSDAV_ERR_CLIENT_FORBIDDEN';
    case 404:
      return 'EWSDAV_ERR_CLIENT_NOT_FOUND';
    case 413:
      return 'EWSDAV_ERR_CLIENT_TOO_LARGE';
    default:
      return 'EWSDAV_ERR_CLIENT_BAD_REQUEST';
  }
}

export class DavError extends EwsdavError {
  /** The DAV status, which may be finer than the error code's (405, 412, 415, 501, 507). */
  override readonly status: number;
  readonly precondition: XmlElement | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, precondition?: XmlElement, headers: Record<string, string> = {}) {
    super(codeFor(status), message);
    this.name = 'DavError';
    this.status = status;
    this.precondition = precondition;
    this.headers = headers;
  }
}

/** One factory per condition the handlers raise; names follow the precondition they carry. */
export const DavErrors = {
  badRequest: (message: string) => new DavError(400, message),
  tooLarge: () => new DavError(413, 'The request body is larger than 1 MB.'),
  notFound: () => new DavError(404, 'No such resource.'),
  /** Another user's path: the same answer whether or not it exists. */
  notYours: () => new DavError(403, 'This resource belongs to another user.', el(dav('need-privileges'))),
  /** The bridge is read-only for now; clients show calendars read-only after this (RFC 3744 §7.1.1). */
  needPrivileges: () => new DavError(403, 'Calendars are read-only through this bridge.', el(dav('need-privileges'))),
  /** RFC 4918 §9.1: Depth: infinity PROPFIND is refused with this precondition. */
  finiteDepth: () => new DavError(403, 'PROPFIND with Depth: infinity is not supported.', el(dav('propfind-finite-depth'))),
  badDepth: () => new DavError(400, 'The Depth header must be 0, 1 or infinity.'),
  /** RFC 6578 §3.2 — 403 rather than 409, as Radicale does for InfCloud. */
  invalidSyncToken: () => new DavError(403, 'The sync token is unknown or expired; start a new initial sync.', el(dav('valid-sync-token'))),
  /** RFC 3253 §3.6: a REPORT the resource does not support. */
  unsupportedReport: (name: string) => new DavError(403, `REPORT ${name} is not supported here.`, el(dav('supported-report'))),
  unsupportedCollation: (name: string) =>
    new DavError(403, `Collation ${name} is not supported.`, el(caldav('supported-collation'))),
  validFilter: (message: string) => new DavError(403, message, el(caldav('valid-filter'))),
  methodNotAllowed: (allow: string) => new DavError(405, 'Method not allowed on this resource.', undefined, { Allow: allow }),
  notImplemented: (method: string) => new DavError(501, `Method ${method} is not implemented.`),
  unsupportedMedia: () => new DavError(415, 'Request bodies must be XML.'),
} as const;

export function isDavError(value: unknown): value is DavError {
  return value instanceof DavError;
}
