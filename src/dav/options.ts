// OPTIONS (RFC 4918 §10.1, RFC 4791 §5.1): the DAV compliance classes and the Allow list, which
// comes from the method registry so it cannot disagree with what is routed.

import type { DavDeps, DavRequest, DavResponse } from './types.js';

/** Class 1 and 3 (RFC 4918 §18), calendar-access (RFC 4791); no class 2: there is no LOCK. */
export const DAV_HEADER = '1, 3, calendar-access';

export function makeOptions(allow: () => string) {
  return async function options(_req: DavRequest, _deps: DavDeps): Promise<DavResponse> {
    return { status: 200, headers: { DAV: DAV_HEADER, Allow: allow(), 'Content-Length': '0' } };
  };
}
