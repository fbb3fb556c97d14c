// CalendarSource over Microsoft Graph v1.0 (src/store/types.ts), into the same model as the EWS
// path: calendars from `/calendars`; changes from `calendarView/delta` over a rolling window
// (Graph has no window-less calendar sync in v1.0, OAUTH-NOTES §11), or a windowed calendarView
// listing (in spans of at most 1,825 days) where a calendar has no delta; objects from
// `/events/{id}` in JSON batches of 20 plus, for a series, its `/instances` around the window
// (in spans of at most 1,825 days too; first pages batched). Every id leaves here in EWS form
// (./ids.ts). One instance per mailbox; the transport may serve many (its limits are per mailbox).

import type { Logger } from 'pino';
import type { TimeZoneRef, UpstreamCalendar, UpstreamRef } from '../model/index.js';
import type { CalendarSource, FetchResult, SyncOptions, SyncPage } from '../store/types.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { EwsdavError } from '../errors.js';
import { assembleSeries, assembleSingle, instanceRange } from './assemble.js';
import { idSegment, toEwsId } from './ids.js';
import { EVENT_SELECT, EXTENDED_EXPAND, GraphEventError, parseGraphEvent, type GraphParseContext, type ParsedGraphEvent } from './parse-event.js';
import { decodeState, encodeState, stateNeedsFullPass, syncWindow, type GraphSyncState, type SyncWindow, type WindowDays } from './sync-state.js';
import type { GraphBatchItem, GraphBatchResult, GraphRequest, GraphTransport } from './transport.js';
import type { GraphCalendar, GraphEvent, GraphPage } from './types.js';

export interface GraphCalendarSourceOptions {
  transport: GraphTransport;
  auth: UpstreamAuth;
  /** Primary SMTP address of the mailbox to read. */
  mailbox: string;
  /**
   * Read the mailbox through `/users/{mailbox}` with a delegated token (a delegate of someone
   * else's mailbox). App-only auth (`oauth-app`) always does; otherwise `/me`.
   */
  delegate?: boolean;
  /** The rolling sync range in days (config graph.window); default 365 back, 1095 ahead. */
  window?: WindowDays;
  /** The clock of the window (epoch ms); injectable for tests. */
  now?: () => number;
  /** Zone for items that name none (the mailbox's zone); default UTC. */
  defaultZone?: TimeZoneRef;
  /** Delta and calendarView page size (Prefer: odata.maxpagesize), default 100. */
  pageSize?: number;
  logger?: Logger;
}

const DEFAULT_WINDOW: WindowDays = { daysBack: 365, daysAhead: 1095 };
/** Instances per page of `/instances` ($top). */
const INSTANCES_PAGE = 100;
/**
 * calendarView refuses a range of more than 1,825 days (400 ErrorInvalidRequest "… greater than the
 * allowed range. Maximum number of days: 1825"); a longer window is listed in spans of this size.
 */
const MAX_VIEW_MS = 1825 * 86_400_000;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `window` cut into consecutive spans calendarView accepts; series' instance ranges are cut the
 * same way (whether `/instances` has the limit is not documented).
 */
function viewSpans(window: SyncWindow): SyncWindow[] {
  const end = Date.parse(window.end);
  const spans: SyncWindow[] = [];
  for (let start = Date.parse(window.start); start < end; start += MAX_VIEW_MS) {
    spans.push({ start: isoSeconds(start), end: isoSeconds(Math.min(end, start + MAX_VIEW_MS)) });
  }
  return spans.length > 0 ? spans : [window];
}

/**
 * The instances of consecutive spans of one range as one list: an instance overlapping a span
 * edge is listed by both spans and kept once (by id, first seen).
 */
function mergeSpans(spans: GraphEvent[][]): GraphEvent[] {
  if (spans.length === 1) return spans[0]!;
  const seen = new Set<string>();
  const all: GraphEvent[] = [];
  for (const span of spans) {
    for (const item of span) {
      if (typeof item?.id === 'string') {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
      }
      all.push(item);
    }
  }
  return all;
}

/** One span of one series' instance range (`at`: the series' index). */
interface SpanJob {
  at: number;
  id: string;
  span: SyncWindow;
}

/** A master's instances, and full events of its exceptions where the listing lacked them (by Graph id). */
interface Listed {
  instances: GraphEvent[];
  exceptions: Map<string, GraphEvent>;
}

export class GraphCalendarSource implements CalendarSource {
  readonly api = 'graph' as const;
  readonly mailbox: string;
  readonly #transport: GraphTransport;
  readonly #auth: UpstreamAuth;
  /** '/me' or '/users/{mailbox}'. */
  readonly #root: string;
  readonly #days: WindowDays;
  readonly #now: () => number;
  readonly #defaultZone: TimeZoneRef | undefined;
  readonly #pageSize: number;
  readonly #logger: Logger | undefined;

  constructor(options: GraphCalendarSourceOptions) {
    this.mailbox = options.mailbox;
    this.#transport = options.transport;
    this.#auth = options.auth;
    const byUser = options.auth.scheme === 'oauth-app' || options.delegate === true;
    this.#root = byUser ? `/users/${encodeURIComponent(options.mailbox)}` : '/me';
    this.#days = options.window ?? DEFAULT_WINDOW;
    this.#now = options.now ?? Date.now;
    this.#defaultZone = options.defaultZone;
    this.#pageSize = options.pageSize ?? 100;
    this.#logger = options.logger?.child({ mailbox: options.mailbox });
  }

  #request(operation: string, path: string, signal: AbortSignal | undefined, prefer?: readonly string[]): GraphRequest {
    return { auth: this.#auth, mailbox: this.mailbox, operation, path, ...(signal ? { signal } : {}), ...(prefer ? { prefer } : {}) };
  }

  #window(): SyncWindow {
    return syncWindow(this.#now(), this.#days);
  }

  async verify(options: { signal?: AbortSignal } = {}): Promise<{ serverVersion?: string }> {
    await this.#transport.get<GraphCalendar>(this.#request('graph.calendar', `${this.#root}/calendar?$select=id`, options.signal));
    return { serverVersion: 'Microsoft Graph v1.0' };
  }

  async listCalendars(options: { signal?: AbortSignal } = {}): Promise<UpstreamCalendar[]> {
    const all: GraphCalendar[] = [];
    const path = `${this.#root}/calendars?$select=id,name,isDefaultCalendar,isRemovable,canEdit&$top=100`;
    for await (const page of this.#transport.pages<GraphCalendar>(this.#request('graph.calendars', path, options.signal))) all.push(...page);
    // The default calendar first, as EWS lists it (GetFolder of `calendar`, then FindFolder).
    const ordered = [...all.filter((c) => c.isDefaultCalendar === true), ...all.filter((c) => c.isDefaultCalendar !== true)];
    return ordered.map((c): UpstreamCalendar => {
      // Birthdays is the one non-default calendar that cannot be removed (generated from contacts).
      const kind = c.isDefaultCalendar === true ? 'default' : c.isRemovable === false ? 'birthdays' : 'secondary';
      return { upstreamId: toEwsId(c.id), name: c.name ?? '', kind, readOnly: kind === 'birthdays' || c.canEdit === false, mailbox: this.mailbox };
    });
  }

  needsFullPass(state: string): boolean {
    return stateNeedsFullPass(state, this.#now(), this.#days);
  }

  #viewPath(calendar: UpstreamCalendar, kind: 'calendarView' | 'calendarView/delta', window: SyncWindow): string {
    // The default calendar has the documented v1.0 path; per-calendar delta is documented in beta only.
    const base = calendar.kind === 'default' && kind === 'calendarView/delta' ? this.#root : `${this.#root}/calendars/${idSegment(calendar.upstreamId)}`;
    return `${base}/${kind}?startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}`;
  }

  async *changes(calendar: UpstreamCalendar, state: string | undefined, options: SyncOptions = {}): AsyncIterable<SyncPage> {
    const prefer = [`odata.maxpagesize=${options.pageSize ?? this.#pageSize}`];
    const stored = decodeState(state);
    let window: SyncWindow;
    let link: string | undefined;
    if (stored?.mode === 'delta' && stored.link) {
      window = stored.window;
      link = stored.link;
    } else {
      window = this.#window();
      const first = this.#viewPath(calendar, 'calendarView/delta', window);
      let page: GraphPage<GraphEvent>;
      try {
        page = await this.#transport.get(this.#request('graph.delta', first, options.signal, prefer));
      } catch (err) {
        // A calendar whose calendarView has no delta (v1.0 documents it for the default calendar only).
        const status = err instanceof EwsdavError ? err.details.status : undefined;
        if (status !== 400 && status !== 404) throw err;
        this.#logger?.info({ calendar: calendar.name, code: (err as EwsdavError).details.upstreamCode }, 'no calendarView delta for this calendar; listing the window instead');
        yield* this.#list(calendar, window, options, prefer);
        return;
      }
      yield this.#deltaPage(page, window);
      link = page['@odata.nextLink'];
    }
    while (link) {
      let page: GraphPage<GraphEvent>;
      try {
        page = await this.#transport.get(this.#request('graph.delta', link, options.signal, prefer));
      } catch (err) {
        // A stored link Graph refuses as malformed cannot continue: start over (410 already says so).
        if (err instanceof EwsdavError && err.details.status === 400) {
          throw new EwsdavError('EWSDAV_ERR_SYNC_STATE_INVALID', 'Microsoft Graph refused the stored delta link; a full resync is needed.', err.details, { cause: err });
        }
        throw err;
      }
      yield this.#deltaPage(page, window);
      link = page['@odata.nextLink'];
    }
  }

  #deltaPage(page: GraphPage<GraphEvent>, window: SyncWindow): SyncPage {
    const upserted = new Map<string, UpstreamRef>();
    const deleted = new Set<string>();
    for (const item of page.value ?? []) {
      if (typeof item?.id !== 'string') continue;
      const id = toEwsId(item.id);
      if (item['@removed']) {
        upserted.delete(id);
        deleted.add(id);
        continue;
      }
      deleted.delete(id);
      if ((item.type === 'occurrence' || item.type === 'exception') && item.seriesMasterId) {
        // An instance's change is its series' change; the master's changeKey is not known here.
        const master = toEwsId(item.seriesMasterId);
        if (!upserted.has(master)) upserted.set(master, { id: master });
        continue;
      }
      upserted.set(id, item.changeKey ? { id, changeKey: item.changeKey } : { id });
    }
    const nextLink = page['@odata.nextLink'];
    const deltaLink = page['@odata.deltaLink'];
    const state: GraphSyncState = { mode: 'delta', window };
    const link = nextLink ?? deltaLink;
    if (link) state.link = link;
    return { state: encodeState(state), complete: !nextLink && deltaLink !== undefined, upserted: [...upserted.values()], deleted: [...deleted] };
  }

  async *#list(calendar: UpstreamCalendar, window: SyncWindow, options: SyncOptions, prefer: readonly string[]): AsyncIterable<SyncPage> {
    const seen = new Set<string>();
    const spans = viewSpans(window);
    for (const [n, span] of spans.entries()) {
      let next: string | undefined = `${this.#viewPath(calendar, 'calendarView', span)}&$select=id,type,seriesMasterId,changeKey&$top=${options.pageSize ?? this.#pageSize}`;
      while (next) {
        const page: GraphPage<GraphEvent> = await this.#transport.get(this.#request('graph.calendarView', next, options.signal, prefer));
        const upserted: UpstreamRef[] = [];
        for (const item of page.value ?? []) {
          if (typeof item?.id !== 'string') continue;
          const isInstance = (item.type === 'occurrence' || item.type === 'exception') && item.seriesMasterId;
          const id = toEwsId(isInstance ? item.seriesMasterId! : item.id);
          if (seen.has(id)) continue;
          seen.add(id);
          upserted.push(!isInstance && item.changeKey ? { id, changeKey: item.changeKey } : { id });
        }
        next = page['@odata.nextLink'];
        // Every list pass is a full pass (all spans): the engine deletes what it did not see.
        yield { state: encodeState({ mode: 'list', window }), complete: !next && n === spans.length - 1, upserted, deleted: [] };
      }
    }
  }

  #eventPath(id: string): string {
    return `${this.#root}/events/${idSegment(id)}?$select=${EVENT_SELECT}&$expand=${EXTENDED_EXPAND}`;
  }

  #batch<T>(items: GraphBatchItem[], signal: AbortSignal | undefined): Promise<GraphBatchResult<T>[]> {
    return this.#transport.batch<T>({ auth: this.#auth, mailbox: this.mailbox, items, ...(signal ? { signal } : {}) });
  }

  /**
   * The events of `refs` in JSON batches (delta cannot expand the extended properties every event
   * needs, so every single and master is read again); then, for the masters, their instances.
   */
  async fetchObjects(_calendar: UpstreamCalendar, refs: UpstreamRef[], options: { signal?: AbortSignal } = {}): Promise<FetchResult[]> {
    const ctx: GraphParseContext = this.#defaultZone ? { defaultZone: this.#defaultZone } : {};
    const window = this.#window();
    const fetched = await this.#batch<GraphEvent>(refs.map((ref) => ({ operation: 'graph.event', path: this.#eventPath(ref.id) })), options.signal);
    const out: FetchResult[] = new Array(refs.length);
    const masters: { index: number; ref: UpstreamRef; item: ParsedGraphEvent }[] = [];
    refs.forEach((ref, index) => {
      const got = fetched[index]!;
      if (!got.ok) {
        if (got.error.category !== 'not-found') throw got.error;
        out[index] = { ok: false, ref, reason: 'not-found' };
        return;
      }
      let item: ParsedGraphEvent;
      try {
        item = parseGraphEvent(got.value, ctx);
      } catch (err) {
        if (!(err instanceof GraphEventError)) throw err;
        out[index] = { ok: false, ref, reason: 'unsupported', message: err.message };
        return;
      }
      const current: UpstreamRef = item.changeKey ? { id: item.id, changeKey: item.changeKey } : { id: item.id };
      if (item.type === 'occurrence' || item.type === 'exception') {
        out[index] = { ok: false, ref: current, reason: 'unsupported', message: `an ${item.type} is fetched through its series master` };
      } else if (item.recurrenceProblem) {
        out[index] = { ok: false, ref: current, reason: 'unsupported', message: `recurrence: ${item.recurrenceProblem}` };
      } else if (item.type !== 'seriesMaster') {
        out[index] = { ok: true, ref: current, object: assembleSingle(item) };
      } else {
        masters.push({ index, ref: current, item });
      }
    });
    if (masters.length === 0) return out;
    const listed = await this.#instances(masters.map((m) => ({ id: m.item.id, range: instanceRange(m.item, window) })), options.signal);
    masters.forEach(({ index, ref, item }, i) => {
      const got = listed[i]!;
      if (got === 'not-found') {
        out[index] = { ok: false, ref, reason: 'not-found' };
        return;
      }
      try {
        const { object, aliases } = assembleSeries(item, got.instances, window, ctx, got.exceptions);
        out[index] = { ok: true, ref, object, aliases };
      } catch (err) {
        if (!(err instanceof GraphEventError)) throw err;
        out[index] = { ok: false, ref, reason: 'unsupported', message: err.message };
      }
    });
    return out;
  }

  #instancesPath(id: string, span: SyncWindow, expand: boolean): string {
    return `${this.#root}/events/${idSegment(id)}/instances?startDateTime=${encodeURIComponent(span.start)}&endDateTime=${encodeURIComponent(span.end)}` +
      `&$select=${EVENT_SELECT}&$top=${INSTANCES_PAGE}${expand ? `&$expand=${EXTENDED_EXPAND}` : ''}`;
  }

  /**
   * Each master's instances over its range, exceptions with every property the model needs. A
   * range is asked in spans of at most 1,825 days (instanceRange reaches past the window, and
   * whether `/instances` has calendarView's limit is not documented); the first pages of all spans
   * go in batches, further pages (nextLink) one by one.
   */
  async #instances(series: { id: string; range: SyncWindow }[], signal: AbortSignal | undefined): Promise<(Listed | 'not-found')[]> {
    const jobs = series.flatMap((s, at) => viewSpans(s.range).map((span): SpanJob => ({ at, id: s.id, span })));
    const out: (Listed | 'not-found')[] = new Array(series.length);
    // A server that takes no $expand on instances: list without it, then GET each exception in full.
    const plain = await this.#listSpans(jobs, true, out, signal);
    if (plain.size === 0) return out;
    await this.#listSpans(jobs.filter((j) => plain.has(j.at)), false, out, signal);
    const wanted: { at: number; id: string }[] = [];
    for (const i of plain) {
      const listed = out[i];
      if (!listed || listed === 'not-found') continue;
      for (const e of listed.instances) if (e.type === 'exception' && typeof e.id === 'string') wanted.push({ at: i, id: e.id });
    }
    const full = await this.#batch<GraphEvent>(wanted.map((w) => ({ operation: 'graph.event', path: this.#eventPath(toEwsId(w.id)) })), signal);
    wanted.forEach((w, n) => {
      const got = full[n]!;
      const listed = out[w.at];
      // An exception deleted since the listing is left as listed; the next change reports it.
      if (got.ok && listed && listed !== 'not-found') listed.exceptions.set(w.id, got.value);
      else if (!got.ok && got.error.category !== 'not-found') throw got.error;
    });
    return out;
  }

  /**
   * Lists `jobs` (each series' spans in order): first pages in batches, the rest by nextLink. Sets
   * `out[at]` of a series all of whose spans answered (instances merged) or one of which is gone
   * (404: 'not-found'). Returns the series a span of which refused the request with 400 while
   * `expand` (to be listed again without $expand); any other failure throws.
   */
  async #listSpans(jobs: SpanJob[], expand: boolean, out: (Listed | 'not-found')[], signal: AbortSignal | undefined): Promise<Set<number>> {
    const first = await this.#batch<GraphPage<GraphEvent>>(jobs.map((j) => ({ operation: 'graph.instances', path: this.#instancesPath(j.id, j.span, expand) })), signal);
    const gone = new Set<number>();
    const plain = new Set<number>();
    jobs.forEach((job, n) => {
      const got = first[n]!;
      if (got.ok) return;
      if (got.error.category === 'not-found') gone.add(job.at);
      else if (expand && got.error.details.status === 400) plain.add(job.at);
      else throw got.error;
    });
    for (const at of gone) plain.delete(at);
    const spans = new Map<number, GraphEvent[][]>();
    for (const [n, job] of jobs.entries()) {
      const got = first[n]!;
      if (!got.ok || gone.has(job.at) || plain.has(job.at)) continue;
      const listed = spans.get(job.at) ?? [];
      spans.set(job.at, listed);
      listed.push(await this.#rest(got.value, signal));
    }
    for (const at of gone) out[at] = 'not-found';
    for (const [at, listed] of spans) out[at] = { instances: mergeSpans(listed), exceptions: new Map() };
    return plain;
  }

  /** The instances of a first page and of the pages its nextLink leads to. */
  async #rest(page: GraphPage<GraphEvent>, signal: AbortSignal | undefined): Promise<GraphEvent[]> {
    const all = [...(Array.isArray(page.value) ? page.value : [])];
    const next = page['@odata.nextLink'];
    if (next) for await (const more of this.#transport.pages<GraphEvent>(this.#request('graph.instances', next, signal))) all.push(...more);
    return all;
  }

  async close(): Promise<void> {
    await this.#auth.close?.();
  }
}
