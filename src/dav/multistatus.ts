// Answering for one resource (Radicale's xml_propfind_response, sabre's PropFind object): every
// asked property starts unanswered, the table computes what it can, results are grouped by
// status into one propstat each. Also the 207 envelope shared by PROPFIND and the REPORTs.

import { allpropNames, computeProperty, propertyNames, type PropContext } from './properties.js';
import type { DavResponse, Resource } from './types.js';
import { childElements, dav, el, hrefEl, serialize, statusLine, XML_CONTENT_TYPE, type ClarkName, type XmlElement } from './xml.js';

export type PropRequest =
  | { type: 'allprop'; include: XmlElement[] }
  | { type: 'propname' }
  | { type: 'prop'; props: XmlElement[] };

/** Read <D:prop>, <D:allprop> (+ <D:include>) or <D:propname> from a PROPFIND or REPORT root. */
export function readPropRequest(root: XmlElement | undefined): PropRequest {
  if (!root) return { type: 'allprop', include: [] };
  const prop = childElements(root, dav('prop'))[0];
  if (prop) return { type: 'prop', props: childElements(prop) };
  if (childElements(root, dav('propname'))[0]) return { type: 'propname' };
  if (childElements(root, dav('allprop'))[0]) {
    const include = childElements(root, dav('include'))[0];
    return { type: 'allprop', include: include ? childElements(include) : [] };
  }
  return { type: 'allprop', include: [] };
}

export function wantsProperty(req: PropRequest, name: ClarkName): boolean {
  return req.type === 'prop' && req.props.some((p) => p.name === name);
}

/** RFC 7240 / RFC 8144 `Prefer: return=minimal` and the older `Brief: t` (iOS, Evolution). */
export function wantsMinimal(headers: Readonly<Record<string, string | undefined>>): boolean {
  return /\breturn=minimal\b/i.test(headers['prefer'] ?? '') || (headers['brief'] ?? '').trim().toLowerCase() === 't';
}

export function propResponse(r: Resource, req: PropRequest, ctx: PropContext, minimal = false): XmlElement {
  const byStatus = new Map<number, XmlElement[]>();
  const add = (status: number, e: XmlElement): void => {
    const list = byStatus.get(status) ?? [];
    list.push(e);
    byStatus.set(status, list);
  };
  if (req.type === 'propname') {
    for (const name of propertyNames(r.kind)) add(200, el(name));
  } else {
    const asked: XmlElement[] =
      req.type === 'prop' ? req.props : [...allpropNames(r.kind).map((n) => el(n)), ...req.include];
    const seen = new Set<ClarkName>();
    for (const p of asked) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      const value = computeProperty(p.name, r, { ...ctx, request: p });
      if (value === undefined) {
        // allprop lists only what exists; a missing optional value is simply left out.
        if (req.type === 'prop' || req.include.some((i) => i.name === p.name)) add(404, el(p.name));
      } else add(200, el(p.name, value));
    }
  }
  const propstats: XmlElement[] = [];
  for (const [status, props] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    if (minimal && status !== 200) continue;
    propstats.push(el(dav('propstat'), [el(dav('prop'), props), el(dav('status'), statusLine(status))]));
  }
  // A response needs at least one propstat (RFC 4918 §14.24); an empty one keeps it valid.
  if (propstats.length === 0) propstats.push(el(dav('propstat'), [el(dav('prop')), el(dav('status'), statusLine(200))]));
  return el(dav('response'), [hrefEl(r.href), ...propstats]);
}

/** A response with only a status (RFC 6578 deletions as 404, truncation as 507, multiget misses). */
export function statusResponse(href: string, status: number, error?: XmlElement): XmlElement {
  return el(dav('response'), [hrefEl(href), el(dav('status'), statusLine(status)), ...(error ? [el(dav('error'), error)] : [])]);
}

export function multistatus(responses: XmlElement[], extra: XmlElement[] = [], headers: Record<string, string> = {}): DavResponse {
  return {
    status: 207,
    headers: { 'Content-Type': XML_CONTENT_TYPE, ...headers },
    body: serialize(el(dav('multistatus'), [...responses, ...extra])),
  };
}
