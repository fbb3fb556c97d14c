// The one list of DAV methods (Radicale's do_<METHOD> lookup): method → handler. OPTIONS' Allow
// header and the plugin's route registration both come from here; HEAD is GET without a body,
// done once in dispatch.ts.

import { get } from './get.js';
import { makeOptions } from './options.js';
import { propfind } from './propfind.js';
import { proppatch } from './proppatch.js';
import { report } from './report.js';
import type { DavHandler } from './types.js';
import { readOnly, WRITE_METHODS } from './writes.js';

const handlers: Record<string, DavHandler> = {
  GET: get,
  HEAD: get,
  PROPFIND: propfind,
  PROPPATCH: proppatch,
  REPORT: report,
};
for (const m of WRITE_METHODS) handlers[m] = readOnly;
handlers.OPTIONS = makeOptions(() => allowHeader());

export const METHODS: Readonly<Record<string, DavHandler>> = handlers;

/**
 * Routed but never allowed: no DAV class 2 (RFC 4918 §18.2), so LOCK/UNLOCK get 405 with Allow —
 * macOS Finder and some Office clients probe them, and 405 is what tells them to stop.
 */
export const UNSUPPORTED_METHODS = ['LOCK', 'UNLOCK'] as const;

/** Methods that may carry a request body (fastify addHttpMethod's hasBody). */
export const BODY_METHODS: ReadonlySet<string> = new Set(['PROPFIND', 'PROPPATCH', 'REPORT', 'PUT', 'POST', 'MKCALENDAR', 'MKCOL', 'LOCK', 'ACL', 'OPTIONS', 'DELETE']);

export function allowHeader(): string {
  return Object.keys(METHODS).join(', ');
}

export function routedMethods(): string[] {
  return [...Object.keys(METHODS), ...UNSUPPORTED_METHODS];
}
