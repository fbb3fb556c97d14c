// URL → resource for the Graph v1.0 paths the simulator serves (graph-contract.md "Endpoints"):
// P = /me or /users/{upn}; P/calendars, P/calendar, P/calendars/{id}, P/calendarView,
// P[/calendar|/calendars/{id}]/calendarView[/delta], P[/calendar|/calendars/{id}]/events/{id}[/instances].
// Segment names match case-insensitively, as Graph's do. Anything else is refused the way
// Graph refuses an unknown segment (400 "Resource not found for the segment …").

import { GraphError, badRequest } from './http.js';
import type { Target } from './auth.js';

/** The calendar a route is about: the default one, or one by Graph id. */
export type CalendarRef = { default: true } | { id: string };

export type Route =
  | { kind: 'calendars' }
  | { kind: 'calendar'; calendar: CalendarRef }
  | { kind: 'calendarView'; calendar: CalendarRef }
  | { kind: 'delta'; calendar: CalendarRef; perCalendar: boolean }
  | { kind: 'event'; eventId: string; calendar?: CalendarRef }
  | { kind: 'instances'; eventId: string; calendar?: CalendarRef };

export const OPERATION: Record<Route['kind'], string> = {
  calendars: 'graph:calendars', calendar: 'graph:calendar', calendarView: 'graph:calendarView', delta: 'graph:delta',
  event: 'graph:event', instances: 'graph:instances',
};

export interface ParsedPath {
  target?: Target;
  route?: Route;
  /** Why the path is not served (answered after authentication, as Graph does). */
  error?: GraphError;
  operation: string;
}

const segmentError = (s: string): GraphError => badRequest(`Resource not found for the segment '${s}'.`);

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `path` starts with `/v1.0/`. */
export function parsePath(path: string): ParsedPath {
  const segs = path.slice('/v1.0/'.length).split('/').filter((s) => s !== '').map(decode);
  let target: Target | undefined;
  let rest: string[];
  const head = (segs[0] ?? '').toLowerCase();
  if (head === 'me') {
    target = { me: true };
    rest = segs.slice(1);
  } else if (head === 'users' && segs[1]) {
    target = { user: segs[1].replace(/^'(.*)'$/, '$1') };
    rest = segs.slice(2);
  } else {
    return { error: segmentError(segs[0] ?? ''), operation: 'graph:unknown' };
  }
  try {
    const route = routeOf(rest);
    return { target, route, operation: OPERATION[route.kind] };
  } catch (err) {
    if (err instanceof GraphError) return { target, error: err, operation: 'graph:unknown' };
    throw err;
  }
}

function isDelta(s: string | undefined): boolean {
  const l = (s ?? '').toLowerCase();
  return l === 'delta' || l === 'delta()' || l === 'microsoft.graph.delta' || l === 'microsoft.graph.delta()';
}

function routeOf(rest: string[]): Route {
  const l = rest.map((s) => s.toLowerCase());
  if (l.length === 0) throw new GraphError(501, 'NotImplemented', 'The Graph simulator serves calendar resources only.');
  // P/calendarView[/delta] and P/events/{id}[/instances]: the default calendar, delta as documented on v1.0.
  if (l[0] === 'calendarview') return viewRoute(rest.slice(1), { default: true }, false);
  if (l[0] === 'events') return eventRoute(rest.slice(1), undefined);
  if (l[0] === 'calendars' && rest.length === 1) return { kind: 'calendars' };
  let calendar: CalendarRef;
  let after: string[];
  if (l[0] === 'calendar') {
    calendar = { default: true };
    after = rest.slice(1);
  } else if (l[0] === 'calendars' && rest[1]) {
    calendar = { id: rest[1] };
    after = rest.slice(2);
  } else {
    throw segmentError(rest[0] ?? '');
  }
  if (after.length === 0) return { kind: 'calendar', calendar };
  const next = (after[0] ?? '').toLowerCase();
  if (next === 'calendarview') return viewRoute(after.slice(1), calendar, true);
  if (next === 'events') return eventRoute(after.slice(1), calendar);
  throw segmentError(after[0] ?? '');
}

function viewRoute(after: string[], calendar: CalendarRef, perCalendar: boolean): Route {
  if (after.length === 0) return { kind: 'calendarView', calendar };
  if (after.length === 1 && isDelta(after[0])) return { kind: 'delta', calendar, perCalendar };
  throw segmentError(after[0] ?? '');
}

function eventRoute(after: string[], calendar: CalendarRef | undefined): Route {
  const id = after[0];
  if (!id) throw new GraphError(501, 'NotImplemented', 'The Graph simulator does not list events; use calendarView.');
  if (after.length === 1) return { kind: 'event', eventId: id, ...(calendar ? { calendar } : {}) };
  if (after.length === 2 && (after[1] ?? '').toLowerCase() === 'instances') return { kind: 'instances', eventId: id, ...(calendar ? { calendar } : {}) };
  throw segmentError(after[1] ?? '');
}
