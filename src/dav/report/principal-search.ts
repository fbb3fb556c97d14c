// RFC 3744 §9.4 principal-property-search and §9.5 principal-search-property-set. iOS/macOS ask
// these when a user types an attendee; a user may only ever find their own principal here.

import { multistatus, propResponse, readPropRequest } from '../multistatus.js';
import { computeProperty } from '../properties.js';
import { hrefs } from '../paths.js';
import type { DavResponse, Resource } from '../types.js';
import { caldav, childElements, cs, dav, el, firstChild, serialize, textOf, XML_CONTENT_TYPE, type XmlElement } from '../xml.js';
import type { ReportContext } from './types.js';

const SEARCHABLE: readonly { name: string; description: string }[] = [
  { name: dav('displayname'), description: 'Display name' },
  { name: caldav('calendar-user-address-set'), description: 'Calendar address' },
  { name: cs('email-address-set'), description: 'E-mail address' },
];

export async function principalSearchPropertySet(_ctx: ReportContext): Promise<DavResponse> {
  const body = el(
    dav('principal-search-property-set'),
    SEARCHABLE.map((s) =>
      el(dav('principal-search-property'), [el(dav('prop'), el(s.name)), el(dav('description'), s.description, { 'xml:lang': 'en' })]),
    ),
  );
  return { status: 200, headers: { 'Content-Type': XML_CONTENT_TYPE }, body: serialize(body) };
}

function matches(value: string, needle: string, matchType: string): boolean {
  const v = value.toLowerCase();
  const n = needle.toLowerCase();
  if (matchType === 'equals') return v === n;
  if (matchType === 'starts-with') return v.startsWith(n) || v.replace(/^mailto:/, '').startsWith(n);
  return v.includes(n);
}

function searchValues(property: XmlElement[] | undefined): string[] {
  if (!property) return [];
  const out: string[] = [];
  for (const node of property) out.push(typeof node === 'string' ? node : textOf(node));
  return out;
}

export async function principalPropertySearch({ deps, user, body }: ReportContext): Promise<DavResponse> {
  const principal: Resource = { kind: 'principal', href: hrefs.principal(deps.basePath, user), user };
  const searches = childElements(body, dav('property-search'));
  const anyOf = body.attrs?.test === 'anyof';
  const results = searches.map((s) => {
    const needle = textOf(firstChild(s, dav('match')) ?? el(dav('match'))).trim();
    const matchType = firstChild(s, dav('match'))?.attrs?.['match-type'] ?? 'contains';
    const names = childElements(firstChild(s, dav('prop')) ?? el(dav('prop')));
    return names.some((n) => {
      const value = computeProperty(n.name, principal, { deps });
      const texts = searchValues(value?.filter((v): v is XmlElement => typeof v !== 'string')) ;
      if (value?.some((v) => typeof v === 'string')) texts.push(value.filter((v) => typeof v === 'string').join(''));
      return texts.some((t) => matches(t, needle, matchType));
    });
  });
  const found = searches.length > 0 && (anyOf ? results.some(Boolean) : results.every(Boolean));
  const props = readPropRequest(body);
  return multistatus(found ? [propResponse(principal, props, { deps })] : []);
}
