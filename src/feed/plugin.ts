// The ICS subscription front-end: GET/HEAD /ics/{user}/{calendarId}.ics behind the CalDAV login
// and /feeds/{token}.ics behind a secret token. Reads the store only (never Exchange), turns
// objects into one feed with src/ical/feed.ts, and owns the HTTP side: validators, 304, gzip.
// A `webcal://host/...` URL is the same URL with http(s) — clients swap the scheme themselves,
// so there is nothing to serve differently.
//
// The token is never logged here: the request logger redacts /feeds/<token> in `req.url`, and
// nothing below passes the URL, the params or the token to a log call or an error message.

import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildFeed, feedWindow, type FeedPolicy } from '../ical/feed.js';
import type { AppContext } from '../server/app.js';
import type { CalendarStore, RefreshSupport, StoredCalendar } from '../store/types.js';
import { acceptsGzip, contentDisposition, etagOf, gzipEtag, ifNoneMatchMatches } from './http.js';
import { TOKEN_SHAPE, hashFeedToken, type FeedTokenStore } from './tokens.js';

const gzip = promisify(gzipCallback);

/** Polling a subscription faster than this only costs (and Outlook.com ignores shorter TTLs). */
const MIN_REFRESH_SECONDS = 300;

/** The owner reading their own calendar with their own login sees it as CalDAV shows it. */
const OWNER_POLICY: FeedPolicy = { detail: 'full', privateItems: 'show' };

export interface FeedPluginOptions {
  store: CalendarStore;
  /** Created and config-declared feeds (see configured.ts `withConfiguredFeeds`). */
  tokens: FeedTokenStore;
  /** The CalDAV login: the user name, or undefined to answer 401. May throw (e.g. rate limited). */
  authenticate(request: FastifyRequest): Promise<string | undefined>;
  /** The sync loop's interval: feeds cannot change faster, so clients need not poll faster. */
  syncIntervalSeconds: number;
  refresh?: RefreshSupport;
  /** Clock for the time window; tests pin it. */
  now?: () => number;
}

interface ServeArgs {
  user: string;
  calendar: StoredCalendar;
  policy: FeedPolicy;
  source?: string;
}

export function refreshSeconds(syncIntervalSeconds: number): number {
  return Math.max(MIN_REFRESH_SECONDS, Math.ceil(syncIntervalSeconds));
}

function notFound(reply: FastifyReply): FastifyReply {
  // The same answer for "no such calendar", "not yours" and "no such token" (no existence oracle).
  return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
}

/** The feed's calendar: its id, or — for feeds declared with a display name — the name. */
async function resolveCalendar(store: CalendarStore, user: string, idOrName: string): Promise<StoredCalendar | undefined> {
  const byId = await store.getCalendar(user, idOrName);
  if (byId) return byId;
  const all = await store.listCalendars(user);
  return all.find((c) => c.displayName === idOrName) ?? all.find((c) => c.displayName.toLowerCase() === idOrName.toLowerCase());
}

export function feedPlugin(options: FeedPluginOptions): (app: FastifyInstance, ctx: AppContext) => void {
  const ttl = refreshSeconds(options.syncIntervalSeconds);

  async function freshen(request: FastifyRequest, user: string, calendar: StoredCalendar): Promise<void> {
    if (!options.refresh) return;
    const pending = options.refresh.refreshIfStale(user, calendar.id).catch((error: unknown) => {
      request.log.warn({ err: error, user, calendar: calendar.id }, 'feed: refresh failed; serving the store');
    });
    // Never wait on Exchange when the store has data (DESIGN.md); before the first sync it has none.
    if (calendar.lastSync === undefined) await pending;
  }

  async function serve(request: FastifyRequest, reply: FastifyReply, args: ServeArgs): Promise<FastifyReply> {
    await freshen(request, args.user, args.calendar);
    const now = options.now?.() ?? Date.now();
    const window = feedWindow(args.policy, now);
    const objects = await options.store.objectsInRange(args.user, args.calendar.id, window.start, window.end);
    const text = buildFeed(objects, args.policy, {
      calendarName: args.calendar.displayName,
      ...(args.calendar.timezone ? { timezone: args.calendar.timezone } : {}),
      ...(args.source ? { source: args.source } : {}),
      refreshIntervalSeconds: ttl,
      now,
    });
    const body = Buffer.from(text, 'utf8');
    const etag = etagOf(body);
    const compress = acceptsGzip(request.headers['accept-encoding']);
    // Deletions and window moves do not show in object times; the last sync bounds them.
    const lastModified = objects.reduce((max, o) => Math.max(max, o.lastModified), args.calendar.lastSync ?? 0);

    reply.header('ETag', compress ? gzipEtag(etag) : etag);
    reply.header('Cache-Control', `private, max-age=${ttl}`);
    reply.header('Vary', 'Accept-Encoding');
    if (lastModified > 0) reply.header('Last-Modified', new Date(lastModified).toUTCString());
    // Only If-None-Match is evaluated: Last-Modified cannot see a deleted event or a window
    // that moved, so answering If-Modified-Since with 304 could hide a change (RFC 9110 §13.1.3
    // lets a server ignore it; a full 200 is always correct).
    if (ifNoneMatchMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    reply.type('text/calendar; charset=utf-8');
    reply.header('Content-Disposition', contentDisposition(args.calendar.displayName));
    if (!compress) return reply.send(body);
    reply.header('Content-Encoding', 'gzip');
    return reply.send(await gzip(body));
  }

  return (app, ctx) => {
    app.get<{ Params: { user: string; file: string } }>('/ics/:user/:file', async (request, reply) => {
      const { user: pathUser, file } = request.params;
      if (!file.endsWith('.ics')) return notFound(reply);
      const user = await options.authenticate(request);
      if (user === undefined) {
        return reply.code(401).header('WWW-Authenticate', 'Basic realm="ewsdav", charset="UTF-8"').type('text/plain; charset=utf-8').send('Authentication required\n');
      }
      // Logins are e-mail addresses: compared without case, as Exchange does.
      if (user.toLowerCase() !== pathUser.toLowerCase()) return notFound(reply);
      const calendar = await options.store.getCalendar(user, file.slice(0, -4));
      if (!calendar) return notFound(reply);
      const { origin, prefix } = ctx.publicBase(request);
      // SOURCE only here: this URL holds no secret, a token URL inside a shared .ics file would.
      const segment = (s: string): string => encodeURIComponent(s).replace(/%40/g, '@');
      const source = `${origin}${prefix}ics/${segment(user)}/${segment(calendar.id)}.ics`;
      return serve(request, reply, { user, calendar, policy: OWNER_POLICY, source });
    });

    app.get<{ Params: { file: string } }>('/feeds/:file', async (request, reply) => {
      const { file } = request.params;
      const token = file.endsWith('.ics') ? file.slice(0, -4) : '';
      if (!TOKEN_SHAPE.test(token)) return notFound(reply);
      const feed = await options.tokens.findByTokenHash(hashFeedToken(token));
      if (!feed) return notFound(reply);
      const calendar = await resolveCalendar(options.store, feed.user, feed.calendarId);
      if (!calendar) return notFound(reply);
      return serve(request, reply, { user: feed.user, calendar, policy: feed.policy });
    });
  };
}
