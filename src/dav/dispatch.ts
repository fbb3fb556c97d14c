// The single entry of src/dav: find the handler, run it, turn DavErrors into their HTTP form and
// anything unexpected into a bare 500 — never a stack trace on the wire (it goes to the log).

import { DavError, DavErrors, isDavError } from './errors.js';
import { METHODS, UNSUPPORTED_METHODS, allowHeader } from './methods.js';
import type { DavDeps, DavRequest, DavResponse } from './types.js';
import { davErrorBody, XML_CONTENT_TYPE } from './xml.js';

export function errorResponse(err: DavError): DavResponse {
  return {
    status: err.status,
    headers: { 'Content-Type': XML_CONTENT_TYPE, ...err.headers },
    body: davErrorBody(err.precondition, err.message),
  };
}

async function run(req: DavRequest, deps: DavDeps): Promise<DavResponse> {
  const handler = METHODS[req.method];
  if (handler) return handler(req, deps);
  if ((UNSUPPORTED_METHODS as readonly string[]).includes(req.method)) throw DavErrors.methodNotAllowed(allowHeader());
  throw DavErrors.notImplemented(req.method);
}

export async function handleDav(req: DavRequest, deps: DavDeps): Promise<DavResponse> {
  let res: DavResponse;
  try {
    res = await run(req, deps);
  } catch (err) {
    if (isDavError(err)) res = errorResponse(err);
    else {
      deps.log?.warn({ err, method: req.method, path: req.path }, 'DAV request failed');
      res = { status: 500, headers: { 'Content-Type': XML_CONTENT_TYPE }, body: davErrorBody(undefined, 'Internal error; the administrator can find it in the log.') };
    }
  }
  const body = typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : res.body;
  const headers = { ...res.headers };
  if (body !== undefined) headers['Content-Length'] = String(body.length);
  // HEAD is GET without a body (RFC 9110 §9.3.2): the same headers, Content-Length included.
  if (req.method === 'HEAD') return { status: res.status, headers };
  return { status: res.status, headers, ...(body !== undefined ? { body } : {}) };
}
