// DAV:expand-property (RFC 3253 §3.8): properties whose values are hrefs are replaced by the
// responses of the resources they name, to the nesting the client asked. iOS uses it on the
// principal (calendar-proxy-*-for, which are 404 here). Only the user's own resources expand.

import { multistatus, propResponse, statusResponse } from '../multistatus.js';
import { computeProperty } from '../properties.js';
import { parseHref } from '../paths.js';
import { resolveTarget } from '../resources.js';
import type { DavDeps, Resource } from '../types.js';
import { childElements, clark, dav, el, hrefEl, statusLine, textOf, type XmlElement, type XmlNode } from '../xml.js';
import type { ReportContext } from './types.js';

const MAX_LEVELS = 4;

function propertyName(p: XmlElement): string {
  return clark(p.attrs?.namespace ?? 'DAV:', p.attrs?.name ?? '');
}

async function expandValue(value: XmlNode[], nested: XmlElement[], deps: DavDeps, user: string, level: number): Promise<XmlNode[]> {
  if (nested.length === 0 || level >= MAX_LEVELS) return value;
  const out: XmlNode[] = [];
  for (const node of value) {
    if (typeof node === 'string' || node.name !== dav('href')) {
      out.push(node);
      continue;
    }
    const href = textOf(node);
    const target = parseHref(href, deps.basePath);
    let resource: Resource | undefined;
    try {
      resource = target ? await resolveTarget(target, user, deps) : undefined;
    } catch {
      resource = undefined;
    }
    out.push(resource ? await responseFor(resource, nested, deps, user, level + 1) : statusResponse(href, 404));
  }
  return out;
}

async function responseFor(r: Resource, props: XmlElement[], deps: DavDeps, user: string, level: number): Promise<XmlElement> {
  const ok: XmlElement[] = [];
  const missing: XmlElement[] = [];
  for (const p of props) {
    const name = propertyName(p);
    const value = computeProperty(name, r, { deps });
    if (value === undefined) missing.push(el(name));
    else ok.push(el(name, await expandValue(value, childElements(p, dav('property')), deps, user, level)));
  }
  const propstats = [
    ...(ok.length ? [el(dav('propstat'), [el(dav('prop'), ok), el(dav('status'), statusLine(200))])] : []),
    ...(missing.length ? [el(dav('propstat'), [el(dav('prop'), missing), el(dav('status'), statusLine(404))])] : []),
  ];
  return el(dav('response'), [hrefEl(r.href), ...propstats]);
}

export async function expandProperty({ deps, user, body, target }: ReportContext) {
  const props = childElements(body, dav('property'));
  if (props.length === 0) return multistatus([propResponse(target, { type: 'allprop', include: [] }, { deps })]);
  return multistatus([await responseFor(target, props, deps, user, 0)]);
}
