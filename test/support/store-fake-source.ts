// An in-memory CalendarSource with SyncFolderItems-like paging, per-call counters and fault
// injection, for engine tests that need no HTTP; the end-to-end tests use the EWS simulator.

import type { CalendarObject, UpstreamCalendar, UpstreamRef } from '../../src/model/index.js';
import { UTC_ZONE } from '../../src/model/index.js';
import { EwsdavError, type ErrorCode } from '../../src/errors.js';
import type { CalendarSource, FetchResult, SyncOptions, SyncPage } from '../../src/store/types.js';
import type { Renderer } from '../../src/store/sync/render.js';
import type { Clock } from '../../src/store/sync/clock.js';

export interface FakeItem {
  id: string;
  changeKey: string;
  uid: string;
  summary: string;
  start: number;
}

type Op = 'list' | 'changes' | 'fetch';

interface LogEntry {
  v: number;
  cal: string;
  id: string;
  op: 'put' | 'delete';
}

export class FakeSource implements CalendarSource {
  readonly api = 'ews' as const;
  readonly calendars: UpstreamCalendar[] = [];
  readonly items = new Map<string, Map<string, FakeItem>>();
  private readonly log: LogEntry[] = [];
  private version = 0;
  private keys = 0;
  /** States below this version are refused with ErrorInvalidSyncStateData. */
  minValidVersion = 0;
  readonly calls: Record<Op, number> = { list: 0, changes: 0, fetch: 0 };
  fetchedItems = 0;
  /** Clock time of every call, for "no request before" assertions. */
  readonly requestTimes: number[] = [];
  /** Errors thrown by the next calls of an operation, in order. */
  readonly faults: Record<Op, EwsdavError[]> = { list: [], changes: [], fetch: [] };
  /** While set, every call fails with it (Exchange down). */
  down: EwsdavError | undefined;
  /** Resolves each call only when released (concurrency tests). */
  gate: Promise<void> | undefined;

  constructor(readonly mailbox: string, private readonly clock: Clock) {}

  addCalendar(upstreamId: string, name: string, kind: UpstreamCalendar['kind'] = 'secondary'): void {
    this.calendars.push({ upstreamId, name, kind, readOnly: false, mailbox: this.mailbox });
    this.items.set(upstreamId, new Map());
  }

  put(cal: string, id: string, summary: string, start = Date.UTC(2026, 1, 1), uid = `uid-${id}`): void {
    this.items.get(cal)!.set(id, { id, changeKey: `ck${++this.keys}`, uid, summary, start });
    this.log.push({ v: ++this.version, cal, id, op: 'put' });
  }

  remove(cal: string, id: string): void {
    this.items.get(cal)!.delete(id);
    this.log.push({ v: ++this.version, cal, id, op: 'delete' });
  }

  private async enter(op: Op): Promise<void> {
    this.calls[op] += 1;
    this.requestTimes.push(this.clock.now());
    if (this.gate) await this.gate;
    if (this.down) throw this.down;
    const fault = this.faults[op].shift();
    if (fault) throw fault;
  }

  async listCalendars(): Promise<UpstreamCalendar[]> {
    await this.enter('list');
    return this.calendars.map((c) => ({ ...c }));
  }

  async *changes(calendar: UpstreamCalendar, state: string | undefined, options?: SyncOptions): AsyncIterable<SyncPage> {
    const pageSize = options?.pageSize ?? 512;
    let from = state === undefined ? 0 : Number(/^v(\d+)$/.exec(state)?.[1] ?? NaN);
    for (let first = true; ; first = false) {
      await this.enter('changes');
      // Only a state handed in can be stale; the ones this pass produces are current.
      if (first && state !== undefined && (!Number.isFinite(from) || from < this.minValidVersion)) {
        throw new EwsdavError('EWSDAV_ERR_SYNC_STATE_INVALID', undefined, { upstreamCode: 'ErrorInvalidSyncStateData' });
      }
      // Latest op per item after `from`, in version order (what SyncFolderItems reports).
      const last = new Map<string, LogEntry>();
      for (const e of this.log) if (e.cal === calendar.upstreamId && e.v > from) last.set(e.id, e);
      const entries = [...last.values()].sort((a, b) => a.v - b.v).filter((e) => !(e.op === 'delete' && this.createdAfter(e, from)));
      const page = entries.slice(0, pageSize);
      const complete = entries.length <= pageSize;
      const to = complete ? this.version : page[page.length - 1]!.v;
      const items = this.items.get(calendar.upstreamId)!;
      yield {
        state: `v${to}`,
        complete,
        upserted: page.filter((e) => e.op === 'put').map((e) => ({ id: e.id, changeKey: items.get(e.id)?.changeKey ?? 'gone' })),
        deleted: page.filter((e) => e.op === 'delete').map((e) => e.id),
      };
      if (complete) return;
      from = to;
    }
  }

  private createdAfter(e: LogEntry, from: number): boolean {
    return !this.log.some((x) => x.cal === e.cal && x.id === e.id && x.op === 'put' && x.v <= from);
  }

  async fetchObjects(calendar: UpstreamCalendar, refs: UpstreamRef[]): Promise<FetchResult[]> {
    await this.enter('fetch');
    this.fetchedItems += refs.length;
    const items = this.items.get(calendar.upstreamId)!;
    return refs.map((ref): FetchResult => {
      const item = items.get(ref.id);
      if (!item) return { ok: false, ref, reason: 'not-found' };
      return { ok: true, ref: { id: item.id, changeKey: item.changeKey }, object: toObject(item) };
    });
  }

  async verify(): Promise<{ serverVersion?: string }> {
    return {};
  }
}

function toObject(item: FakeItem): CalendarObject {
  return {
    uid: item.uid,
    master: {
      source: { id: item.id, changeKey: item.changeKey },
      summary: item.summary,
      start: { kind: 'date-time', utc: item.start, zone: UTC_ZONE },
      end: { kind: 'date-time', utc: item.start + 3_600_000, zone: UTC_ZONE },
      attendees: [], isMeeting: false, sensitivity: 'normal', showAs: 'busy', importance: 'normal', cancelled: false, categories: [],
    },
    deletedOccurrences: [],
    overrides: [],
  };
}

/** Text depends only on what a client would see, not on the ChangeKey (like src/ical). */
export const fakeRenderer: Renderer = {
  render: (obj) => `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${obj.uid}\r\nSUMMARY:${obj.master.summary ?? ''}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
  bounds: (obj) => ({
    firstStart: obj.master.start.kind === 'date-time' ? obj.master.start.utc : 0,
    lastEnd: obj.master.end.kind === 'date-time' ? obj.master.end.utc : 0,
  }),
};

export function upstreamError(code: ErrorCode, retryAfterMs?: number): EwsdavError {
  return new EwsdavError(code, undefined, retryAfterMs === undefined ? {} : { retryAfterMs });
}
