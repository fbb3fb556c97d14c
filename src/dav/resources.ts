// Decide what a request may see before any XML exists (Radicale's _collect_allowed_items):
// a Target becomes a Resource for the authenticated user, or a 403/404. Another user's path is
// refused with the same 403 whether or not it exists, so probing reveals nothing.

import { DavErrors } from './errors.js';
import { hrefs, parseTarget, sameUser } from './paths.js';
import type { DavDeps, Resource, Target } from './types.js';

export async function resolveTarget(target: Target, user: string, deps: DavDeps): Promise<Resource> {
  const { store, basePath } = deps;
  if (target.kind === 'root') return { kind: 'root', href: hrefs.rootPath(basePath, target.path), user };
  if (!sameUser(target.user, user)) throw DavErrors.notYours();
  switch (target.kind) {
    case 'principal':
      return { kind: 'principal', href: hrefs.principal(basePath, user), user };
    case 'home':
      return { kind: 'home', href: hrefs.home(basePath, user), user };
    case 'calendar': {
      const calendar = await store.getCalendar(user, target.calendarId);
      if (!calendar) throw DavErrors.notFound();
      return { kind: 'calendar', href: hrefs.calendar(basePath, user, calendar.id), user, calendar };
    }
    case 'object': {
      const calendar = await store.getCalendar(user, target.calendarId);
      if (!calendar) throw DavErrors.notFound();
      const object = await store.getObject(user, calendar.id, target.name);
      if (!object) throw DavErrors.notFound();
      return { kind: 'object', href: hrefs.object(basePath, user, calendar.id, object.name), user, calendar, object, ical: object.ical };
    }
  }
}

export async function resolvePath(path: string, user: string, deps: DavDeps): Promise<Resource> {
  return resolveTarget(parseTarget(path), user, deps);
}

/** Depth-1 members. Objects come without their text; callers load it only when asked for. */
export async function childrenOf(resource: Resource, deps: DavDeps): Promise<Resource[]> {
  const { store, basePath } = deps;
  const user = resource.user;
  switch (resource.kind) {
    case 'home': {
      const calendars = await store.listCalendars(user);
      return calendars.map((calendar) => ({ kind: 'calendar', href: hrefs.calendar(basePath, user, calendar.id), user, calendar }));
    }
    case 'calendar': {
      const { calendar } = resource;
      const objects = await store.listObjects(user, calendar.id);
      return objects.map((object) => ({ kind: 'object', href: hrefs.object(basePath, user, calendar.id, object.name), user, calendar, object }));
    }
    default:
      // Root and principal collections list nothing: a user sees only their own principal,
      // reached through current-user-principal (RFC 5397), never by browsing.
      return [];
  }
}

/** Fill in the iCalendar text of object resources that lack it, in one store call per calendar. */
export async function loadObjectText(resources: Resource[], deps: DavDeps): Promise<void> {
  const missing = new Map<string, Extract<Resource, { kind: 'object' }>[]>();
  for (const r of resources) {
    if (r.kind !== 'object' || r.ical !== undefined) continue;
    const list = missing.get(r.calendar.id) ?? [];
    list.push(r);
    missing.set(r.calendar.id, list);
  }
  for (const [calendarId, list] of missing) {
    const user = list[0]!.user;
    const objects = await deps.store.getObjects(user, calendarId, list.map((r) => r.object.name));
    const byName = new Map(objects.map((o) => [o.name, o]));
    for (const r of list) {
      const o = byName.get(r.object.name);
      if (o) {
        r.ical = o.ical;
        r.object = o;
      }
    }
  }
}

/** Ask the sync engine for fresher data without waiting for Exchange (DESIGN.md: a request never waits on it). */
export function nudgeRefresh(deps: DavDeps, user: string, calendarId?: string): void {
  if (!deps.refresh) return;
  deps.refresh.refreshIfStale(user, calendarId).catch((err: unknown) => {
    deps.log?.warn({ err, user, calendarId }, 'refresh request failed');
  });
}
