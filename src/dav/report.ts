// REPORT (RFC 3253 §3.6): the body's root element names the report; report/index.ts maps it to
// a handler. A report not offered on the target kind is 403 DAV:supported-report.

import { DavErrors } from './errors.js';
import { reportKey, reportOffered } from './report/catalog.js';
import { REPORT_HANDLERS } from './report/index.js';
import { depthOf, readXmlBody, requireUser } from './request.js';
import { resolvePath } from './resources.js';
import type { DavDeps, DavRequest, DavResponse } from './types.js';

export async function report(req: DavRequest, deps: DavDeps): Promise<DavResponse> {
  const user = requireUser(req);
  const body = readXmlBody(req);
  if (!body) throw DavErrors.badRequest('A REPORT needs a body.');
  const target = await resolvePath(req.path, user, deps);
  const key = reportKey(body.name);
  if (key === undefined || !reportOffered(key, target.kind)) throw DavErrors.unsupportedReport(body.name);
  // RFC 3253 §3.6: REPORT's Depth defaults to 0.
  const depth = depthOf(req, '0');
  return REPORT_HANDLERS[key]({ req, deps, user, body, target, depth });
}
