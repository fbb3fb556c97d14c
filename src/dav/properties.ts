// THE property table (STYLE.md "The property table"): one entry per property, the resource
// kinds it exists on, whether allprop includes it, and how to compute it. PROPFIND, propname,
// allprop and every REPORT's <D:prop> read this table; compute runs only for asked names.

import { createHash } from 'node:crypto';
import { timezoneCalendar } from '../ical/dav-calendar.js';
import { calendarDataValue } from './calendar-data.js';
import { hrefs } from './paths.js';
import { reportsFor } from './report/catalog.js';
import type { DavDeps, Resource, ResourceKind } from './types.js';
import { caldav, cs, dav, el, hrefEl, ical, type ClarkName, type XmlElement, type XmlNode } from './xml.js';

export interface PropContext {
  deps: DavDeps;
  /** The element the client asked with; carries options such as calendar-data's <C:expand>. */
  request?: XmlElement;
}

/** The children of the property element; [] is an empty element. */
export type PropValue = XmlNode[];

export interface PropertyDef {
  name: ClarkName;
  on: ReadonlySet<ResourceKind>;
  /** RFC 4918 §9.1: allprop is the live properties of RFC 4918 plus what clients commonly need. */
  inAllprop: boolean;
  /** undefined → 404 for this resource. */
  compute(r: Resource, ctx: PropContext): PropValue | undefined;
}

const kinds = (...k: ResourceKind[]): ReadonlySet<ResourceKind> => new Set(k);
const ALL = kinds('root', 'principal', 'home', 'calendar', 'object');
const COLLECTIONS = kinds('root', 'principal', 'home', 'calendar');

const base = (ctx: PropContext): string => ctx.deps.basePath;
const principalHref = (r: Resource, ctx: PropContext): XmlElement => hrefEl(hrefs.principal(base(ctx), r.user));

/** The RFC 4918 §8.1 HTTP-date form. */
function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}

/** RFC 5842 resource-id: a stable urn:uuid derived from what names the resource. */
function resourceUuid(r: Resource): string {
  const key = r.kind === 'calendar' ? `c:${r.user}:${r.calendar.id}` : r.kind === 'object' ? `o:${r.user}:${r.calendar.id}:${r.object.uid}` : `${r.kind}:${r.user}`;
  const h = createHash('sha1').update(key.toLowerCase()).digest('hex');
  // Version 5 layout (name-based, SHA-1), so it parses as a valid UUID everywhere.
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function calendarEtag(r: Extract<Resource, { kind: 'calendar' }>): string {
  return `"${createHash('sha1').update(r.calendar.ctag).digest('hex').slice(0, 32)}"`;
}

export function etagOf(r: Resource): string | undefined {
  if (r.kind === 'object') return r.object.etag;
  if (r.kind === 'calendar') return calendarEtag(r);
  return undefined;
}

function mailto(user: string): string | undefined {
  return user.includes('@') ? `mailto:${user}` : undefined;
}

// Read-only for now (RFC 3744 §5.4): clients hide editing when `write` is absent.
const PRIVILEGES = ['read', 'read-current-user-privilege-set'];

const defs: PropertyDef[] = [
  {
    name: dav('resourcetype'),
    on: ALL,
    inAllprop: true,
    compute: (r) => {
      switch (r.kind) {
        case 'object':
          return [];
        case 'principal':
          return [el(dav('collection')), el(dav('principal'))];
        case 'calendar':
          return [el(dav('collection')), el(caldav('calendar'))];
        default:
          return [el(dav('collection'))];
      }
    },
  },
  {
    name: dav('displayname'),
    on: kinds('principal', 'home', 'calendar'),
    inAllprop: true,
    compute: (r) => [r.kind === 'calendar' ? r.calendar.displayName : r.user],
  },
  // RFC 5397 — on every resource, so discovery works from any URL a user types in.
  { name: dav('current-user-principal'), on: ALL, inAllprop: false, compute: (r, ctx) => [principalHref(r, ctx)] },
  { name: dav('principal-URL'), on: kinds('principal'), inAllprop: false, compute: (r, ctx) => [principalHref(r, ctx)] },
  { name: dav('principal-collection-set'), on: kinds('root', 'principal'), inAllprop: false, compute: (_r, ctx) => [hrefEl(hrefs.principals(base(ctx)))] },
  { name: dav('owner'), on: kinds('principal', 'home', 'calendar', 'object'), inAllprop: false, compute: (r, ctx) => [principalHref(r, ctx)] },
  {
    name: caldav('calendar-home-set'),
    on: kinds('principal'),
    inAllprop: false,
    compute: (r, ctx) => [hrefEl(hrefs.home(base(ctx), r.user))],
  },
  {
    // RFC 6638 §2.4.1; iOS matches attendees against the mailto: address, preferred first.
    name: caldav('calendar-user-address-set'),
    on: kinds('principal'),
    inAllprop: false,
    compute: (r, ctx) => {
      const m = mailto(r.user);
      return [...(m ? [el(dav('href'), m, { preferred: '1' })] : []), principalHref(r, ctx)];
    },
  },
  { name: caldav('calendar-user-type'), on: kinds('principal'), inAllprop: false, compute: () => ['INDIVIDUAL'] },
  {
    // CalendarServer extension iOS asks of the principal for the "me" address.
    name: cs('email-address-set'),
    on: kinds('principal'),
    inAllprop: false,
    compute: (r) => (r.user.includes('@') ? [el(cs('email-address'), r.user)] : undefined),
  },
  {
    name: caldav('supported-calendar-component-set'),
    on: kinds('calendar'),
    inAllprop: true,
    compute: () => [el(caldav('comp'), [], { name: 'VEVENT' })],
  },
  {
    name: caldav('supported-calendar-data'),
    on: kinds('calendar'),
    inAllprop: false,
    compute: () => [el(caldav('calendar-data'), [], { 'content-type': 'text/calendar', version: '2.0' })],
  },
  // RFC 4791 §5.2.5: max-resource-size SHOULD NOT be returned by allprop.
  { name: caldav('max-resource-size'), on: kinds('calendar'), inAllprop: false, compute: () => ['10485760'] },
  {
    name: caldav('calendar-description'),
    on: kinds('calendar'),
    inAllprop: false,
    compute: (r) => (r.kind === 'calendar' ? [`Exchange calendar “${r.calendar.displayName}” of ${r.user}`] : undefined),
  },
  {
    name: caldav('calendar-timezone'),
    on: kinds('calendar'),
    inAllprop: false,
    compute: (r) => {
      const text = r.kind === 'calendar' && r.calendar.timezone ? timezoneCalendar(r.calendar.timezone) : undefined;
      return text ? [text] : undefined;
    },
  },
  {
    // RFC 6638 §9.1: birthdays should not make anyone look busy.
    name: caldav('schedule-calendar-transp'),
    on: kinds('calendar'),
    inAllprop: false,
    compute: (r) => (r.kind === 'calendar' ? [el(caldav(r.calendar.kind === 'birthdays' ? 'transparent' : 'opaque'))] : undefined),
  },
  { name: cs('getctag'), on: kinds('calendar'), inAllprop: true, compute: (r) => (r.kind === 'calendar' ? [r.calendar.ctag] : undefined) },
  { name: dav('sync-token'), on: kinds('calendar'), inAllprop: true, compute: (r) => (r.kind === 'calendar' ? [r.calendar.syncToken] : undefined) },
  {
    name: ical('calendar-color'),
    on: kinds('calendar'),
    inAllprop: false,
    compute: (r) => (r.kind === 'calendar' && r.calendar.color ? [r.calendar.color] : undefined),
  },
  {
    name: ical('calendar-order'),
    on: kinds('calendar'),
    inAllprop: false,
    compute: (r) => (r.kind === 'calendar' && r.calendar.order !== undefined ? [String(r.calendar.order)] : undefined),
  },
  { name: dav('getetag'), on: kinds('calendar', 'object'), inAllprop: true, compute: (r) => { const e = etagOf(r); return e ? [e] : undefined; } },
  {
    name: dav('getcontenttype'),
    on: kinds('calendar', 'object'),
    inAllprop: true,
    compute: (r) => [r.kind === 'object' ? 'text/calendar; charset=utf-8; component=VEVENT' : 'text/calendar; charset=utf-8'],
  },
  { name: dav('getcontentlength'), on: kinds('object'), inAllprop: true, compute: (r) => (r.kind === 'object' ? [String(r.object.size)] : undefined) },
  {
    name: dav('getlastmodified'),
    on: kinds('object'),
    inAllprop: true,
    compute: (r) => (r.kind === 'object' ? [httpDate(r.object.lastModified)] : undefined),
  },
  {
    name: dav('supported-report-set'),
    on: ALL,
    inAllprop: false,
    compute: (r) => reportsFor(r.kind).map((name) => el(dav('supported-report'), el(dav('report'), el(name)))),
  },
  {
    name: dav('current-user-privilege-set'),
    on: ALL,
    inAllprop: false,
    compute: () => PRIVILEGES.map((p) => el(dav('privilege'), el(dav(p)))),
  },
  { name: dav('resource-id'), on: kinds('principal', 'home', 'calendar', 'object'), inAllprop: false, compute: (r) => [hrefEl(resourceUuid(r))] },
  {
    // Only in REPORTs and explicit PROPFINDs: never allprop (RFC 4791 §9.6).
    name: caldav('calendar-data'),
    on: kinds('object'),
    inAllprop: false,
    compute: (r, ctx) => (r.kind === 'object' && r.ical !== undefined ? calendarDataValue(r.ical, ctx.request) : undefined),
  },
];

export const PROPERTIES: ReadonlyMap<ClarkName, PropertyDef> = new Map(defs.map((d) => [d.name, d]));

/** Names allprop answers for a kind, plus those a <D:include> adds (RFC 4918 §14.8). */
export function allpropNames(kind: ResourceKind): ClarkName[] {
  return defs.filter((d) => d.inAllprop && d.on.has(kind)).map((d) => d.name);
}

/** PROPFIND propname: every property that exists on this kind. */
export function propertyNames(kind: ResourceKind): ClarkName[] {
  return defs.filter((d) => d.on.has(kind)).map((d) => d.name);
}

/** One property for one resource: its value, or undefined for 404 (unknown, not on this kind, or absent). */
export function computeProperty(name: ClarkName, r: Resource, ctx: PropContext): PropValue | undefined {
  const def = PROPERTIES.get(name);
  if (!def || !def.on.has(r.kind)) return undefined;
  return def.compute(r, ctx);
}

export const COLLECTION_KINDS = COLLECTIONS;
