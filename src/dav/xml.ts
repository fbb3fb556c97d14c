// The only WebDAV XML writer of the bridge (in the spirit of Radicale's xmlutils.py): a
// namespace table, Clark names, element trees serialised with escaping, and hrefs built from
// path segments. Untrusted text only ever enters as text nodes or attribute values.

export const NS = {
  D: 'DAV:',
  C: 'urn:ietf:params:xml:ns:caldav',
  CS: 'http://calendarserver.org/ns/',
  ICAL: 'http://apple.com/ns/ical/',
  E: 'urn:x-ewsdav:ns',
} as const;

/** Preferred prefixes when writing; unknown namespaces get x0, x1, … */
const PREFIXES: ReadonlyMap<string, string> = new Map([
  [NS.D, 'd'],
  [NS.C, 'cal'],
  [NS.CS, 'cs'],
  [NS.ICAL, 'ical'],
  [NS.E, 'e'],
]);

/** '{namespace}local' — James Clark's notation, the one key for element names everywhere. */
export type ClarkName = string;

export function clark(ns: string, local: string): ClarkName {
  return `{${ns}}${local}`;
}

export const dav = (local: string): ClarkName => clark(NS.D, local);
export const caldav = (local: string): ClarkName => clark(NS.C, local);
export const cs = (local: string): ClarkName => clark(NS.CS, local);
export const ical = (local: string): ClarkName => clark(NS.ICAL, local);

export function splitClark(name: ClarkName): { ns: string; local: string } {
  if (!name.startsWith('{')) return { ns: '', local: name };
  const close = name.indexOf('}');
  return { ns: name.slice(1, close), local: name.slice(close + 1) };
}

export interface XmlElement {
  name: ClarkName;
  /** Attribute names are local (no namespaced attributes are written). */
  attrs?: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export function el(name: ClarkName, children: XmlNode[] | XmlNode = [], attrs?: Record<string, string>): XmlElement {
  return { name, children: Array.isArray(children) ? children : [children], ...(attrs ? { attrs } : {}) };
}

export function childElements(element: XmlElement, name?: ClarkName): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of element.children) if (typeof c !== 'string' && (name === undefined || c.name === name)) out.push(c);
  return out;
}

export function firstChild(element: XmlElement, name: ClarkName): XmlElement | undefined {
  return childElements(element, name)[0];
}

export function textOf(element: XmlElement): string {
  let s = '';
  for (const c of element.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

// XML 1.0 §2.2: characters outside Char cannot be written at all, escaped or not. Exchange data
// does contain stray control characters; drop them rather than emit an unparsable document.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeText(s: string): string {
  return s.replace(INVALID_XML_CHARS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function collectNamespaces(node: XmlElement, into: Set<string>): void {
  into.add(splitClark(node.name).ns);
  for (const c of node.children) if (typeof c !== 'string') collectNamespaces(c, into);
}

/** Serialise a document; every namespace used is declared once on the root element. */
export function serialize(root: XmlElement): string {
  const used = new Set<string>();
  collectNamespaces(root, used);
  const prefixOf = new Map<string, string>();
  let n = 0;
  for (const ns of used) {
    if (ns === '') continue;
    const preferred = PREFIXES.get(ns);
    prefixOf.set(ns, preferred ?? `x${n++}`);
  }
  const decls: Record<string, string> = {};
  for (const [ns, prefix] of prefixOf) decls[`xmlns:${prefix}`] = ns;
  const parts: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  write(root, prefixOf, parts, decls);
  return parts.join('');
}

function write(node: XmlElement, prefixOf: Map<string, string>, out: string[], extraAttrs?: Record<string, string>): void {
  const { ns, local } = splitClark(node.name);
  const prefix = prefixOf.get(ns);
  const tag = prefix === undefined ? local : `${prefix}:${local}`;
  out.push('<', tag);
  for (const [k, v] of Object.entries({ ...extraAttrs, ...node.attrs })) out.push(' ', k, '="', escapeAttr(v), '"');
  if (node.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const c of node.children) {
    if (typeof c === 'string') out.push(escapeText(c));
    else write(c, prefixOf, out);
  }
  out.push('</', tag, '>');
}

/**
 * Percent-encode one path segment. Everything outside RFC 3986 unreserved plus a few sub-delims
 * is encoded — '@' in login names included, so an href never looks like userinfo to a naive
 * client URL parser (Radicale does the same through urllib's quote()).
 */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An absolute-path href below the public base: makeHref('/cal/', ['dav', 'calendars', user, '']) */
export function makeHref(basePath: string, segments: readonly string[]): string {
  return basePath.replace(/\/$/, '') + '/' + segments.map(encodeSegment).join('/');
}

export function hrefEl(href: string): XmlElement {
  return el(dav('href'), href);
}

/** `<D:error><precondition/></D:error>` (RFC 4918 §16), optionally with a short text for humans. */
export function davErrorBody(precondition: XmlElement | undefined, message?: string): string {
  const children: XmlNode[] = [];
  if (precondition) children.push(precondition);
  if (message) children.push(el(clark(NS.E, 'message'), message));
  return serialize(el(dav('error'), children));
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  207: 'Multi-Status',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  424: 'Failed Dependency',
  507: 'Insufficient Storage',
};

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}`;
}

export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';
