// The protocol-neutral request/response shapes of src/dav: a method handler sees a DavRequest
// (already authenticated, path relative to the public base) and returns a DavResponse. Nothing
// here knows fastify; src/server/dav-plugin.ts adapts.

import type { CalendarStore, RefreshSupport, StoredCalendar, StoredObjectMeta } from '../store/types.js';

export type Depth = '0' | '1' | 'infinity';

export interface DavRequest {
  method: string;
  /** Path below the public base, starting with '/', still percent-encoded ('/dav/calendars/a%40b/x/'). */
  path: string;
  /** undefined when the client sent no Depth header; 'invalid' for anything unparsable. */
  depth: Depth | 'invalid' | undefined;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
  /** The authenticated login name; undefined only for methods answered without login (OPTIONS). */
  user: string | undefined;
}

export interface DavResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface DavLogger {
  warn(obj: object, msg: string): void;
}

export interface DavDeps {
  store: CalendarStore;
  refresh?: RefreshSupport;
  /** The public base path, '/' or '/cal/' (always with a trailing slash). */
  basePath: string;
  log?: DavLogger;
}

export type DavHandler = (req: DavRequest, deps: DavDeps) => Promise<DavResponse>;

/** What a path names, before the store is asked whether it exists. */
export type Target =
  | { kind: 'root'; path: string } // '/', '/dav/', '/dav/principals/', '/dav/calendars/'
  | { kind: 'principal'; user: string }
  | { kind: 'home'; user: string }
  | { kind: 'calendar'; user: string; calendarId: string }
  | { kind: 'object'; user: string; calendarId: string; name: string };

export type ResourceKind = 'root' | 'principal' | 'home' | 'calendar' | 'object';

/** A resource that exists, with what the property table needs to answer for it. */
export type Resource =
  | { kind: 'root'; href: string; user: string }
  | { kind: 'principal'; href: string; user: string }
  | { kind: 'home'; href: string; user: string }
  | { kind: 'calendar'; href: string; user: string; calendar: StoredCalendar }
  | { kind: 'object'; href: string; user: string; calendar: StoredCalendar; object: StoredObjectMeta; ical?: string };
