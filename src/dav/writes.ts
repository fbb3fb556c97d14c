// Every method that would change data (RFC 4918 §9, RFC 4791 §5.3). The bridge is read-only for
// now: 403 with DAV:need-privileges (RFC 3744 §7.1.1), after which iOS, Thunderbird and DAVx5
// mark the calendar read-only instead of retrying. The body is not even parsed.

import { DavErrors } from './errors.js';
import type { DavDeps, DavRequest, DavResponse } from './types.js';

export async function readOnly(_req: DavRequest, _deps: DavDeps): Promise<DavResponse> {
  throw DavErrors.needPrivileges();
}

export const WRITE_METHODS = ['PUT', 'DELETE', 'POST', 'MKCALENDAR', 'MKCOL', 'MOVE', 'COPY', 'ACL'] as const;
