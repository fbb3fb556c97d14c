// The URL contract of DESIGN.md, both ways: request paths (below the public base) → Target, and
// resources → hrefs. `{user}` is an e-mail address; '@' arrives raw or as %40 and is always
// written as %40 (see xml.ts encodeSegment).

import { DavErrors } from './errors.js';
import type { Target } from './types.js';
import { makeHref } from './xml.js';

export const DAV_ROOT = 'dav';

function decodeSegments(path: string): string[] {
  const raw = path.split('/').filter((s, i, all) => s !== '' || i === all.length - 1);
  const out: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw DavErrors.badRequest('The request path is not valid percent-encoding.');
    }
    // A decoded '/' or dot-segment would let one name stand for another path; refuse it.
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\0')) throw DavErrors.notFound();
    out.push(decoded);
  }
  return out;
}

/** Parse a path below the public base ('/dav/calendars/u%40x/cal/a.ics'). Unknown → 404. */
export function parseTarget(path: string): Target {
  const segments = decodeSegments(path.split('?')[0] ?? '/');
  if (segments[segments.length - 1] === '') segments.pop(); // trailing slash
  const [root, area, user, calendarId, name, ...rest] = segments;
  if (root === undefined) return { kind: 'root', path: '/' };
  if (root !== DAV_ROOT || rest.length > 0) throw DavErrors.notFound();
  if (area === undefined) return { kind: 'root', path: `/${DAV_ROOT}/` };
  if (area !== 'principals' && area !== 'calendars') throw DavErrors.notFound();
  if (user === undefined || user === '') return { kind: 'root', path: `/${DAV_ROOT}/${area}/` };
  if (area === 'principals') {
    if (calendarId !== undefined) throw DavErrors.notFound();
    return { kind: 'principal', user };
  }
  if (calendarId === undefined) return { kind: 'home', user };
  if (name === undefined) return { kind: 'calendar', user, calendarId };
  return { kind: 'object', user, calendarId, name };
}

/** Parse an href from a request body (multiget, expand-property): absolute URL or absolute path. */
export function parseHref(href: string, basePath: string): Target | undefined {
  let path = href.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  const prefix = basePath.replace(/\/$/, '');
  if (!path.startsWith(`${prefix}/`)) return undefined;
  try {
    return parseTarget(path.slice(prefix.length));
  } catch {
    return undefined;
  }
}

/** Logins are e-mail addresses: compare them case-insensitively. */
export function sameUser(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export const hrefs = {
  root: (base: string) => makeHref(base, [DAV_ROOT, '']),
  principals: (base: string) => makeHref(base, [DAV_ROOT, 'principals', '']),
  principal: (base: string, user: string) => makeHref(base, [DAV_ROOT, 'principals', user, '']),
  home: (base: string, user: string) => makeHref(base, [DAV_ROOT, 'calendars', user, '']),
  calendar: (base: string, user: string, calendarId: string) => makeHref(base, [DAV_ROOT, 'calendars', user, calendarId, '']),
  object: (base: string, user: string, calendarId: string, name: string) =>
    makeHref(base, [DAV_ROOT, 'calendars', user, calendarId, name]),
  /** The href of a root-kind path ('/', '/dav/', '/dav/principals/'). */
  rootPath: (base: string, path: string) => makeHref(base, path.split('/').slice(1)),
} as const;
