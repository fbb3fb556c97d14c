// calendarView/delta (graph-contract.md "Endpoints", OAUTH-NOTES §11): rounds of pages linked by
// `$skiptoken`, closed by a `$deltatoken` link. Tokens are sealed with the simulator secret
// (HMAC, like EWS SyncStates) and hold a position in the folder's change journal (the one
// SyncFolderItems replays). The first round lists every instance in the window; a round started
// from a deltaLink lists the in-window instances of items changed since, and `@removed` rows for
// deleted items, deleted occurrences and instances that left the window. Naming removed instances
// needs their ids after the fact: DeltaMemory keeps every instance id ever handed out per item.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MailboxStore } from '../mailbox/store.js';
import type { Mailbox } from '../mailbox/types.js';
import { type EventSource, type RenderOptions, eventJson } from './event-json.js';
import { GraphError, badRequest, toGraphId } from './http.js';
import { lowerParams, parseWindow } from './query.js';
import { itemInstancesInWindow } from './views.js';

interface TokenPayload {
  v: 1;
  /** s = next page of a round (skiptoken), d = start of the next round (deltatoken). */
  k: 's' | 'd';
  m: string;
  f: string;
  ws: number;
  we: number;
  /** Journal position the round reports changes after; -1 = the initial (full) round. */
  p: number;
  /** Journal position the round reports changes up to (skip tokens only). */
  t?: number;
  /** Last row id of the previous page (skip tokens only). */
  c?: string;
  /** Token generation: expireAll() invalidates every earlier one. */
  g: number;
}

export const DEFAULT_DELTA_PAGE = 100;
const MAX_PAGE = 1000;

const gone = (): GraphError => new GraphError(410, 'SyncStateNotFound', 'The sync state generation is not found. Restart the synchronization with a new request.');

/** What the control API can do to delta tokens. */
export class DeltaSwitches {
  generation = 0;
  failNext = 0;
  failAll = false;
  perCalendar = true;
}

export class DeltaTokens {
  constructor(private readonly secret: Buffer, private readonly switches: DeltaSwitches) {}

  seal(p: Omit<TokenPayload, 'v' | 'g'>): string {
    const body = Buffer.from(JSON.stringify({ v: 1, ...p, g: this.switches.generation })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload, or a 410 when the token is unknown, tampered, expired or for another calendar. */
  open(token: string, mailbox: string, folderKey: string, journalSeq: number): TokenPayload {
    const s = this.switches;
    if (s.failAll) throw gone();
    if (s.failNext > 0) {
      s.failNext--;
      throw gone();
    }
    const [body, mac] = token.split('.');
    if (!body || !mac) throw gone();
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw gone();
    let p: TokenPayload;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    } catch {
      throw gone();
    }
    if (p.v !== 1 || p.g !== s.generation || p.m !== mailbox || p.f !== folderKey) throw gone();
    if (p.p > journalSeq || (p.t ?? 0) > journalSeq) throw gone();
    return p;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(`graph-delta\n${body}`).digest().subarray(0, 16).toString('base64url');
  }
}

/** Every instance id the simulator has handed out, per item (`mailbox\nkey`). */
export class DeltaMemory {
  private readonly seen = new Map<string, Set<string>>();

  record(mailbox: string, itemKey: string, graphId: string): void {
    const k = `${mailbox}\n${itemKey}`;
    let set = this.seen.get(k);
    if (!set) this.seen.set(k, (set = new Set()));
    set.add(graphId);
  }

  ids(mailbox: string, itemKey: string): ReadonlySet<string> {
    return this.seen.get(`${mailbox}\n${itemKey}`) ?? new Set();
  }
}

interface Row { id: string; src?: EventSource }

export interface DeltaRequest {
  store: MailboxStore;
  mailbox: Mailbox;
  folderKey: string;
  params: URLSearchParams;
  maxPageSize?: number;
  render: RenderOptions;
  /** Absolute URL of the requested path, without query. */
  linkBase: string;
}

export interface DeltaResult {
  body: Record<string, unknown>;
  maxPageSizeApplied?: number;
}

export class DeltaEngine {
  readonly switches = new DeltaSwitches();
  readonly memory = new DeltaMemory();
  private readonly tokens: DeltaTokens;

  constructor(secret: Buffer) {
    this.tokens = new DeltaTokens(secret, this.switches);
  }

  handle(req: DeltaRequest): DeltaResult {
    const { store, mailbox: mb, folderKey } = req;
    let skip: string | undefined;
    let delta: string | undefined;
    for (const [key, value] of req.params) {
      const k = key.toLowerCase();
      if (k === '$skiptoken') skip = value;
      else if (k === '$deltatoken') delta = value;
      else if (k.startsWith('$')) throw badRequest(`The query parameter '${key}' is not supported with change tracking over the 'Event' resource.`);
    }
    if (skip !== undefined && delta !== undefined) throw badRequest('Only one of $skiptoken and $deltatoken may be given.');
    let state: { ws: number; we: number; base: number; target: number; cursor?: string };
    if (skip !== undefined || delta !== undefined) {
      const p = this.tokens.open(skip ?? delta ?? '', mb.smtp, folderKey, store.journalSeq);
      if ((skip !== undefined) !== (p.k === 's')) throw gone();
      state = p.k === 's'
        ? { ws: p.ws, we: p.we, base: p.p, target: p.t ?? p.p, cursor: p.c }
        : { ws: p.ws, we: p.we, base: p.p, target: store.journalSeq };
    } else {
      // Throws the 400 Graph answers when the window is missing.
      const win = parseWindow(lowerParams(req.params), true) as { start: number; end: number };
      state = { ws: win.start, we: win.end, base: -1, target: store.journalSeq };
    }

    const rows = this.rows(store, mb, folderKey, state);
    const size = Math.min(MAX_PAGE, req.maxPageSize ?? DEFAULT_DELTA_PAGE);
    const start = state.cursor === undefined ? 0 : rows.findIndex((r) => r.id > (state.cursor ?? ''));
    const from = start < 0 ? rows.length : start;
    const page = rows.slice(from, from + size);
    const value = page.map((r) => {
      if (!r.src) return { '@odata.type': '#microsoft.graph.event', id: r.id, '@removed': { reason: 'deleted' } };
      this.memory.record(mb.smtp, r.src.item.key, r.id);
      return { '@odata.type': '#microsoft.graph.event', ...eventJson(r.src, req.render) };
    });
    const body: Record<string, unknown> = { '@odata.context': `${req.linkBase.replace(/\/v1\.0\/.*$/, '/v1.0')}/$metadata#Collection(event)`, value };
    if (from + size < rows.length) {
      const last = page[page.length - 1]?.id ?? state.cursor ?? '';
      const token = this.tokens.seal({ k: 's', m: mb.smtp, f: folderKey, ws: state.ws, we: state.we, p: state.base, t: state.target, c: last });
      body['@odata.nextLink'] = `${req.linkBase}?$skiptoken=${token}`;
    } else {
      const token = this.tokens.seal({ k: 'd', m: mb.smtp, f: folderKey, ws: state.ws, we: state.we, p: state.target });
      body['@odata.deltaLink'] = `${req.linkBase}?$deltatoken=${token}`;
    }
    return { body, ...(req.maxPageSize !== undefined ? { maxPageSizeApplied: size } : {}) };
  }

  /** Rows of a round, ordered by id so a cursor pages through them whatever changes meanwhile. */
  private rows(store: MailboxStore, mb: Mailbox, folderKey: string, s: { ws: number; we: number; base: number; target: number }): Row[] {
    const rows = new Map<string, Row>();
    const current = (key: string): Set<string> => {
      const item = mb.items.get(key);
      const ids = new Set<string>();
      if (!item || item.folderKey !== folderKey) return ids;
      for (const src of itemInstancesInWindow(store.ids, mb, item, s.ws, s.we)) {
        const id = toGraphId(src.ewsId);
        ids.add(id);
        rows.set(id, { id, src });
      }
      return ids;
    };
    if (s.base < 0) {
      for (const item of mb.items.values()) if (item.folderKey === folderKey) current(item.key);
    } else {
      const changed = new Set<string>();
      for (const e of store.changesSince(mb, folderKey, s.base)) if (e.seq <= s.target) changed.add(e.itemKey);
      for (const key of changed) {
        const now = current(key);
        const removed = new Set(this.memory.ids(mb.smtp, key));
        const item = mb.items.get(key);
        if (item && item.folderKey === folderKey) {
          // Deleted occurrences are named even if never handed out (e.g. after a restart): replays are harmless.
          for (const t of item.deletedOccurrences) removed.add(toGraphId(store.ids.occurrence(mb.smtp, key, t)));
        } else {
          removed.add(toGraphId(store.ids.item(mb.smtp, key)));
        }
        for (const id of removed) if (!now.has(id) && !rows.has(id)) rows.set(id, { id });
      }
    }
    return [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
