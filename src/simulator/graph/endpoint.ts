// The Graph v1.0 endpoints over the simulator's mailbox model (graph-contract.md): GET only,
// Bearer tokens of the fake authority (auth.ts), then the target mailbox, injected throttling
// and the per-mailbox concurrency cap (throttle.ts), the shared latency setting, and one
// handler per resource family; POST /v1.0/$batch runs GETs through the same `serve` (batch.ts).
// Every request is counted in the shared RequestStats under a
// `graph:*` operation name, so tests can assert request counts as they do for EWS.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClock } from '../clock.js';
import type { EntraTrust } from '../entra/verify.js';
import type { FaultInjector } from '../faults.js';
import type { MailboxStore } from '../mailbox/store.js';
import type { Mailbox } from '../mailbox/types.js';
import { instanceByOriginalStart, instancesInRange } from '../mailbox/occurrences.js';
import { WINDOWS_ZONES, type ZoneDefinition, windowsZone } from '../recurrence/zone-data.js';
import type { RequestStats } from '../stats.js';
import { GraphAuth, type GraphPrincipal } from './auth.js';
import { CALENDAR_PROPERTIES, calendarById, calendarFolders, calendarJson, defaultCalendar } from './calendars.js';
import { DeltaEngine } from './delta.js';
import { EVENT_PROPERTIES, type EventSource, type RenderOptions, eventJson, instanceSource, storedSource } from './event-json.js';
import { isWellFormedId } from './extended-props.js';
import {
  GraphError, type Preferences, badRequest, errorDocument, fromGraphId, malformedId, notFound, parsePrefer, preferenceApplied, sendJson, toGraphId,
} from './http.js';
import { type ListQuery, applySelect, parseListQuery } from './query.js';
import { type CalendarRef, type Route, parsePath } from './routes.js';
import { GraphThrottle } from './throttle.js';
import { isBatchPath, handleBatch } from './batch.js';
import { byStart, folderInstancesInWindow, pageOf } from './views.js';

export interface GraphOptions {
  /** The fake authority whose tokens Graph accepts (EntraAuthority.trust or trustFromJwks). */
  trust: EntraTrust;
  /** Mailboxes app-only tokens may read (Application Access Policy / RBAC scope); default all. */
  appScope?: readonly string[];
}

export interface GraphDeps {
  store: MailboxStore;
  stats: RequestStats;
  faults: FaultInjector;
  clock: SimClock;
  latency: { ms: number };
}

interface Ctx {
  mb: Mailbox;
  principal: GraphPrincipal;
  prefer: Preferences;
  render: RenderOptions;
  url: URL;
}

interface Answer { body: unknown; maxPageSizeApplied?: number }

const DEFAULT_PAGE = 10;
/**
 * calendarView refuses a range longer than five years (400 ErrorInvalidRequest, "Maximum number of
 * days: 1825"; microsoftgraph/microsoft-graph-docs issue #6284, where a span of 1,827 days is
 * refused). Known (from that report) for calendarView only. `/events/{id}/instances` is held to
 * the same limit here by assumption, not because Graph is known to enforce it: the simulator may be
 * stricter than Graph, never laxer. calendarView/delta is not limited (tests sync wide windows).
 */
const MAX_VIEW_DAYS = 1825;
const DAY_MS = 86_400_000;

/** The range a calendarView or instances listing may cover (see MAX_VIEW_DAYS). */
function checkViewRange(win: { start: number; end: number }): void {
  if (win.end - win.start > MAX_VIEW_DAYS * DAY_MS) {
    throw badRequest(`Your request can't be completed. The range between the start and end dates is greater than the allowed range. Maximum number of days: ${MAX_VIEW_DAYS}`, 'ErrorInvalidRequest');
  }
}

/** outlook.timezone: a Windows zone the simulator knows, or any IANA zone Intl knows. */
function preferredZone(label: string): ZoneDefinition {
  const known = windowsZone(label) ?? WINDOWS_ZONES.find((z) => z.iana === label);
  if (known) return known;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: label });
    return { id: label, name: label, iana: label, groups: [{ fromYear: 0, standardBias: 0 }] };
  } catch {
    throw badRequest(`A valid TimeZone value must be specified. The following TimeZone value is not supported: '${label}'.`, 'TimeZoneNotSupportedException');
  }
}

export class GraphEndpoint {
  readonly auth: GraphAuth;
  readonly throttle = new GraphThrottle();
  readonly delta: DeltaEngine;

  constructor(readonly deps: GraphDeps, options: GraphOptions) {
    this.auth = new GraphAuth(options.trust, deps.store, options.appScope);
    this.delta = new DeltaEngine(deps.store.secret);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { stats, faults, clock, latency } = this.deps;
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (isBatchPath(url.pathname)) return handleBatch(this, req, res, url);
    const parsed = parsePath(url.pathname);
    const requestId = randomUUID();
    const entry = { time: new Date().toISOString(), method: req.method ?? 'GET', path: req.url ?? '/', operation: parsed.operation, authScheme: 'Bearer' };
    let mailbox: string | undefined;
    let user: string | undefined;
    let injected: string | undefined;
    let slot: string | undefined;
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      sendJson(res, status, body, { 'request-id': requestId, ...headers });
      stats.record({ ...entry, status, mailbox, user, ...(injected ? { injected } : {}) });
    };
    try {
      for await (const _ of req) void _; // GET bodies are ignored, but drained
      if (req.method !== 'GET') throw new GraphError(405, 'BadRequest', `The simulator's Graph endpoints are read-only; ${req.method ?? ''} is not supported.`);
      const principal = this.auth.authenticate(header(req.headers.authorization));
      user = principal.upn ?? `app:${principal.appId}`;
      if (parsed.error || !parsed.route || !parsed.target) throw parsed.error ?? badRequest('Invalid request.');
      const mb = this.auth.mailboxFor(principal, parsed.target);
      mailbox = mb.smtp;
      const thrown = this.throttle.takeInjected(mb.smtp, parsed.operation);
      if (thrown) {
        injected = `http${thrown.status}`;
        throw thrown;
      }
      const busy = this.throttle.enter(mb.smtp);
      if (busy) {
        injected = 'concurrency';
        throw busy;
      }
      slot = mb.smtp;
      const extra = faults.take(['latency'], { operation: parsed.operation, mailbox: mb.smtp })?.latencyMs ?? 0;
      if (latency.ms + extra > 0) await new Promise((r) => setTimeout(r, latency.ms + extra));
      const out = this.serve(parsed.route, mb, principal, url, req.headers.prefer);
      answer(200, out.body, out.headers);
    } catch (err) {
      if (!(err instanceof GraphError)) throw err;
      answer(err.status, errorDocument(err.code, err.message, clock.now(), requestId), err.headers);
    } finally {
      if (slot) this.throttle.leave(slot);
    }
  }

  /**
   * Answers one authorised request for `mb` (a direct one or a $batch sub-request): Prefer
   * header, then the resource. Throws GraphError; returns the 200 body and its headers.
   */
  serve(route: Route, mb: Mailbox, principal: GraphPrincipal, url: URL, preferHeader: string | string[] | undefined): { body: unknown; headers: Record<string, string> } {
    const prefer = parsePrefer(preferHeader);
    const zone = prefer.timeZone !== undefined ? { label: prefer.timeZone, def: preferredZone(prefer.timeZone) } : undefined;
    const ctx: Ctx = { mb, principal, prefer, url, render: { zone, bodyType: prefer.bodyType, now: this.deps.clock.now() } };
    const out = this.dispatch(route, ctx);
    const applied = preferenceApplied(prefer, out.maxPageSizeApplied);
    return { body: out.body, headers: applied ? { 'preference-applied': applied } : {} };
  }

  private dispatch(route: Route, ctx: Ctx): Answer {
    const { store } = this.deps;
    const { mb, url } = ctx;
    const base = `${url.origin}/v1.0`;
    switch (route.kind) {
      case 'calendars': {
        const q = parseListQuery(url.searchParams, { properties: CALENDAR_PROPERTIES, type: 'microsoft.graph.calendar', window: 'none', expand: false, orderby: false });
        const all = calendarFolders(mb).map((f) => applySelect(calendarJson(store, mb, f, this.viewer(ctx)), q.select));
        const page = pageOf(all, q, ctx.prefer, DEFAULT_PAGE, url);
        return this.listBody(`${base}/$metadata#users('${encodeURIComponent(mb.smtp)}')/calendars`, page);
      }
      case 'calendar': {
        const q = parseListQuery(url.searchParams, { properties: CALENDAR_PROPERTIES, type: 'microsoft.graph.calendar', window: 'none', expand: false, orderby: false });
        const f = this.folderOf(mb, route.calendar);
        return { body: { '@odata.context': `${base}/$metadata#users('${encodeURIComponent(mb.smtp)}')/calendars/$entity`, ...applySelect(calendarJson(store, mb, f, this.viewer(ctx)), q.select) } };
      }
      case 'calendarView': {
        const q = this.eventListQuery(url, true);
        const win = q.window as { start: number; end: number };
        checkViewRange(win);
        const f = this.folderOf(mb, route.calendar);
        const list = byStart(folderInstancesInWindow(store.ids, mb, f.key, win.start, win.end), q.orderDesc);
        return this.eventPage(`${base}/$metadata#users('${encodeURIComponent(mb.smtp)}')/calendarView`, list, q, ctx);
      }
      case 'delta': {
        if (route.perCalendar && !this.delta.switches.perCalendar) throw badRequest("Resource not found for the segment 'delta'.");
        const f = this.folderOf(mb, route.calendar);
        const out = this.delta.handle({
          store, mailbox: mb, folderKey: f.key, params: url.searchParams, maxPageSize: ctx.prefer.maxPageSize, render: ctx.render,
          linkBase: `${url.origin}${url.pathname}`,
        });
        return { body: out.body, maxPageSizeApplied: out.maxPageSizeApplied };
      }
      case 'event': {
        const q = this.eventListQuery(url, false);
        const src = this.eventOf(mb, route.eventId, route.calendar);
        return { body: { '@odata.context': `${base}/$metadata#users('${encodeURIComponent(mb.smtp)}')/events/$entity`, ...this.render(src, q, ctx) } };
      }
      case 'instances': {
        const q = this.eventListQuery(url, true);
        const win = q.window as { start: number; end: number };
        // Assumed, not documented: see MAX_VIEW_DAYS.
        checkViewRange(win);
        const src = this.eventOf(mb, route.eventId, route.calendar);
        const list = src.type === 'seriesMaster'
          ? instancesInRange(src.item, win.start, win.end).map((v) => instanceSource(store.ids, mb, v))
          : [];
        return this.eventPage(`${base}/$metadata#users('${encodeURIComponent(mb.smtp)}')/events('${route.eventId}')/instances`, byStart(list, q.orderDesc), q, ctx);
      }
    }
  }

  /** Whose rights the calendar flags describe: the user's, or the owner's for an app-only token. */
  private viewer(ctx: Ctx): string | undefined {
    return ctx.principal.kind === 'app' ? ctx.mb.smtp : ctx.principal.own?.smtp;
  }

  private eventListQuery(url: URL, window: boolean): ListQuery {
    const q = parseListQuery(url.searchParams, { properties: EVENT_PROPERTIES, type: 'microsoft.graph.event', window: window ? 'required' : 'none', expand: true, orderby: window });
    for (const id of q.expandProps ?? []) {
      if (!isWellFormedId(id)) throw badRequest(`The extended property id '${id}' is not valid.`, 'ErrorInvalidProperty');
    }
    if (!window && (q.top !== undefined || q.skip !== 0)) throw badRequest('$top and $skip apply to collections only.');
    return q;
  }

  private render(src: EventSource, q: ListQuery, ctx: Ctx): Record<string, unknown> {
    // Ids handed out by any endpoint may later need an @removed in a delta round (delta.ts DeltaMemory).
    if (src.type !== 'seriesMaster') this.delta.memory.record(ctx.mb.smtp, src.item.key, toGraphId(src.ewsId));
    return applySelect(eventJson(src, { ...ctx.render, ...(q.expandProps ? { expandProps: q.expandProps } : {}) }), q.select);
  }

  private eventPage(context: string, list: EventSource[], q: ListQuery, ctx: Ctx): Answer {
    const page = pageOf(list, q, ctx.prefer, DEFAULT_PAGE, ctx.url);
    return this.listBody(context, { ...page, value: page.value.map((s) => this.render(s, q, ctx)) });
  }

  private listBody(context: string, page: { value: unknown[]; nextLink?: string; maxPageSizeApplied?: number }): Answer {
    const body: Record<string, unknown> = { '@odata.context': context, value: page.value };
    if (page.nextLink) body['@odata.nextLink'] = page.nextLink;
    return { body, maxPageSizeApplied: page.maxPageSizeApplied };
  }

  private folderOf(mb: Mailbox, ref: CalendarRef) {
    return 'default' in ref ? defaultCalendar(mb) : calendarById(this.deps.store, mb, ref.id);
  }

  /** A stored item (single / master) or one instance by Graph id; only inside `calendar` when given. */
  private eventOf(mb: Mailbox, graphId: string, calendar: CalendarRef | undefined): EventSource {
    const { store } = this.deps;
    const ews = fromGraphId(graphId);
    const d = ews === undefined ? undefined : store.ids.decode(ews);
    if (!d || d.kind === 'folder') throw malformedId();
    const item = d.mailbox === mb.smtp ? mb.items.get(d.key) : undefined;
    if (!item) throw notFound();
    if (calendar && this.folderOf(mb, calendar).key !== item.folderKey) throw notFound();
    if (d.kind === 'item') return storedSource(store.ids, mb, item);
    if (!item.recurrence) throw notFound();
    const v = instanceByOriginalStart(item, d.originalStart);
    if (typeof v === 'string') throw notFound();
    return instanceSource(store.ids, mb, v);
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
