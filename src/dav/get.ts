// GET (HEAD is GET without a body, done once in dispatch.ts): an object's iCalendar text with
// its strong ETag, or a whole calendar as one VCALENDAR (what webcal subscribers and
// Thunderbird's "read-only ICS" mode fetch). Conditional GET answers 304 (RFC 9110 §13.1.2).

import { mergeCalendars } from '../ical/dav-calendar.js';
import { etagOf } from './properties.js';
import { requireUser } from './request.js';
import { nudgeRefresh, resolvePath } from './resources.js';
import type { DavDeps, DavRequest, DavResponse, Resource } from './types.js';

const ICAL_TYPE = 'text/calendar; charset=utf-8';

function notModified(req: DavRequest, etag: string | undefined, lastModified: number | undefined): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    if (etag === undefined) return false;
    // Weak comparison for If-None-Match (RFC 9110 §13.1.2): W/ prefixes do not matter.
    const strip = (t: string): string => t.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((t) => strip(t) === strip(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined && lastModified !== undefined) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Math.floor(lastModified / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

function conditional(req: DavRequest, r: Resource, lastModified: number | undefined, body: () => Promise<string>): Promise<DavResponse> {
  const etag = etagOf(r);
  const headers: Record<string, string> = { 'Content-Type': ICAL_TYPE, 'Cache-Control': 'private, no-cache' };
  if (etag) headers.ETag = etag;
  if (lastModified !== undefined) headers['Last-Modified'] = new Date(lastModified).toUTCString();
  if (notModified(req, etag, lastModified)) {
    delete headers['Content-Type'];
    return Promise.resolve({ status: 304, headers });
  }
  return body().then((text) => ({ status: 200, headers, body: text }));
}

export async function get(req: DavRequest, deps: DavDeps): Promise<DavResponse> {
  const user = requireUser(req);
  const r = await resolvePath(req.path, user, deps);
  switch (r.kind) {
    case 'object':
      return conditional(req, r, r.object.lastModified, () => Promise.resolve(r.ical ?? ''));
    case 'calendar': {
      nudgeRefresh(deps, user, r.calendar.id);
      const { calendar } = r;
      return conditional(req, r, calendar.lastSync, async () => {
        const metas = await deps.store.listObjects(user, calendar.id);
        const objects = await deps.store.getObjects(user, calendar.id, metas.map((m) => m.name));
        return mergeCalendars(
          objects.map((o) => o.ical),
          { name: calendar.displayName, ...(calendar.timezone ? { timezone: calendar.timezone } : {}) },
        );
      });
    }
    default:
      // Collections that are not calendars have no GET representation worth a client's time;
      // a short text helps a person who opened the URL in a browser.
      return {
        status: 200,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'ewsdav CalDAV endpoint. Add this address as a CalDAV account in your calendar app.\n',
      };
  }
}
