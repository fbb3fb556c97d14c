// The control API of the simulator, in-process (methods of SimulatorControl) and over
// HTTP as JSON under /_sim/… (for a bridge in a child process and for benchmarks). It needs
// no auth because the simulator only listens on loopback, and it is never reachable through
// the EWS path. Graph / Entra simulators added later reuse the same store and stats.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClock } from './clock.js';
import { type ActiveFault, type FaultInjector, type FaultSpec } from './faults.js';
import { type EventInput, type ItemInput, InputError } from './mailbox/input.js';
import { type MailboxJson, loadMailboxes } from './mailbox/load-json.js';
import type { FolderInput, MailboxStore, OccurrenceRef } from './mailbox/store.js';
import type { Mailbox, StoredItem } from './mailbox/types.js';
import { formatUtc } from './recurrence/dates.js';
import type { Counters, RequestLogEntry, RequestStats } from './stats.js';
import { readJson } from './http-body.js';

export interface ItemRef { key: string; itemId: string; changeKey: string }

export interface ItemSummary extends ItemRef {
  folder: string;
  subject: string;
  start: string;
  end: string;
  calendarItemType: 'Single' | 'RecurringMaster';
  uid: string;
}

export interface ControlDeps {
  store: MailboxStore;
  faults: FaultInjector;
  stats: RequestStats;
  clock: SimClock;
  latency: { ms: number };
}

export class SimulatorControl {
  constructor(private readonly deps: ControlDeps) {}

  // Faults, latency, counters.
  injectFault(spec: FaultSpec): ActiveFault {
    return this.deps.faults.add(spec);
  }
  faults(): ActiveFault[] {
    return this.deps.faults.list();
  }
  clearFaults(id?: number): void {
    this.deps.faults.clear(id);
  }
  setLatency(ms: number): void {
    this.deps.latency.ms = Math.max(0, ms);
  }
  counters(): Counters {
    return this.deps.stats.snapshot();
  }
  requestLog(): RequestLogEntry[] {
    return this.deps.stats.entries();
  }
  resetCounters(): void {
    this.deps.stats.reset();
  }

  // Clock.
  setClock(now: string | number | null): void {
    this.deps.clock.set(now === null ? undefined : typeof now === 'number' ? now : Date.parse(now));
  }
  now(): string {
    return formatUtc(this.deps.clock.now());
  }

  // Mailbox model.
  addMailbox(input: MailboxJson): void {
    loadMailboxes(this.deps.store, { mailboxes: [input] });
  }
  addFolder(mailbox: string, folder: FolderInput): { key: string; folderId: string } {
    const mb = this.mb(mailbox);
    const f = this.deps.store.addFolder(mb, folder);
    return { key: f.key, folderId: this.deps.store.ids.folder(mb.smtp, f.key) };
  }
  folderId(mailbox: string, folder: string): string {
    const mb = this.mb(mailbox);
    const f = this.deps.store.folder(mb, folder);
    if (!f) throw new InputError(`no folder ${folder}`);
    return this.deps.store.ids.folder(mb.smtp, f.key);
  }
  addItem(mailbox: string, item: ItemInput, folder = 'calendar'): ItemRef {
    const mb = this.mb(mailbox);
    return this.ref(mb, this.deps.store.addItem(mb, folder, item));
  }
  updateItem(mailbox: string, item: string, patch: Partial<ItemInput>): ItemRef {
    const mb = this.mb(mailbox);
    return this.ref(mb, this.deps.store.updateItem(mb, this.key(mb, item), patch));
  }
  deleteItem(mailbox: string, item: string): void {
    const mb = this.mb(mailbox);
    this.deps.store.deleteItem(mb, this.key(mb, item));
  }
  /** Adds or changes an exception of a series. */
  modifyOccurrence(mailbox: string, item: string, occurrence: OccurrenceRef, patch: EventInput): ItemRef {
    const mb = this.mb(mailbox);
    return this.ref(mb, this.deps.store.modifyOccurrence(mb, this.key(mb, item), occurrence, patch));
  }
  deleteOccurrence(mailbox: string, item: string, occurrence: OccurrenceRef): ItemRef {
    const mb = this.mb(mailbox);
    return this.ref(mb, this.deps.store.deleteOccurrence(mb, this.key(mb, item), occurrence));
  }
  items(mailbox: string, folder?: string): ItemSummary[] {
    const mb = this.mb(mailbox);
    const fkey = folder === undefined ? undefined : this.deps.store.folder(mb, folder)?.key;
    if (folder !== undefined && !fkey) throw new InputError(`no folder ${folder}`);
    return [...mb.items.values()].filter((i) => fkey === undefined || i.folderKey === fkey).map((i) => ({
      ...this.ref(mb, i), folder: mb.folders.get(i.folderKey)?.displayName ?? i.folderKey, subject: i.fields.subject,
      start: formatUtc(i.fields.start), end: formatUtc(i.fields.end),
      calendarItemType: i.recurrence ? 'RecurringMaster' : 'Single', uid: i.uid,
    }));
  }
  mailboxes(): Array<{ smtp: string; displayName: string; folders: Array<{ key: string; displayName: string; folderClass?: string; folderId: string }> }> {
    return [...this.deps.store.mailboxes.values()].map((mb) => ({
      smtp: mb.smtp, displayName: mb.displayName,
      folders: [...mb.folders.values()].map((f) => ({
        key: f.key, displayName: f.displayName, folderClass: f.folderClass, folderId: this.deps.store.ids.folder(mb.smtp, f.key),
      })),
    }));
  }

  private mb(smtp: string): Mailbox {
    return this.deps.store.requireMailbox(smtp);
  }
  /** Accepts a stored key or an EWS ItemId. */
  private key(mb: Mailbox, item: string): string {
    if (mb.items.has(item)) return item;
    const d = this.deps.store.ids.decode(item);
    if (d && d.kind !== 'folder' && d.mailbox === mb.smtp) return d.key;
    throw new InputError(`no item ${item} in ${mb.smtp}`);
  }
  private ref(mb: Mailbox, item: StoredItem): ItemRef {
    return { key: item.key, itemId: this.deps.store.ids.item(mb.smtp, item.key), changeKey: item.changeKey };
  }

  /** Serves /_sim/… ; returns false when the path is not a control path. */
  async handleHttp(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (!path.startsWith('/_sim/')) return false;
    const send = (status: number, value: unknown): void => {
      const body = value === undefined ? '' : JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    try {
      const body = await readJson(req);
      const route = `${req.method ?? 'GET'} ${path}`;
      const s = (k: string): string => {
        const v = body[k];
        if (typeof v !== 'string') throw new InputError(`"${k}" must be a string`);
        return v;
      };
      const occ = (): OccurrenceRef => (typeof body.instanceIndex === 'number' ? { instanceIndex: body.instanceIndex } : { originalStart: s('originalStart') });
      switch (route) {
        case 'GET /_sim/counters': return send(200, this.counters()), true;
        case 'POST /_sim/counters/reset':
        case 'DELETE /_sim/counters': return this.resetCounters(), send(204, undefined), true;
        case 'GET /_sim/log': return send(200, this.requestLog()), true;
        case 'GET /_sim/faults': return send(200, this.faults()), true;
        case 'POST /_sim/faults': return send(201, this.injectFault(body as unknown as FaultSpec)), true;
        case 'DELETE /_sim/faults': return this.clearFaults(typeof body.id === 'number' ? body.id : undefined), send(204, undefined), true;
        case 'POST /_sim/latency': return this.setLatency(Number(body.ms ?? 0)), send(204, undefined), true;
        case 'GET /_sim/clock': return send(200, { now: this.now() }), true;
        case 'POST /_sim/clock': return this.setClock((body.now ?? null) as string | number | null), send(200, { now: this.now() }), true;
        case 'GET /_sim/mailboxes': return send(200, this.mailboxes()), true;
        case 'POST /_sim/mailboxes': return this.addMailbox(body as unknown as MailboxJson), send(201, {}), true;
        case 'POST /_sim/folders': return send(201, this.addFolder(s('mailbox'), body.folder as FolderInput)), true;
        case 'GET /_sim/items': {
          const url = new URL(req.url ?? '/', 'http://localhost');
          const mb = url.searchParams.get('mailbox');
          if (!mb) throw new InputError('query parameter "mailbox" is required');
          return send(200, this.items(mb, url.searchParams.get('folder') ?? undefined)), true;
        }
        case 'POST /_sim/items': return send(201, this.addItem(s('mailbox'), body.item as ItemInput, typeof body.folder === 'string' ? body.folder : undefined)), true;
        case 'PATCH /_sim/items': return send(200, this.updateItem(s('mailbox'), s('item'), body.patch as Partial<ItemInput>)), true;
        case 'DELETE /_sim/items': return this.deleteItem(s('mailbox'), s('item')), send(204, undefined), true;
        case 'POST /_sim/occurrences': return send(200, this.modifyOccurrence(s('mailbox'), s('item'), occ(), (body.patch ?? {}) as EventInput)), true;
        case 'DELETE /_sim/occurrences': return send(200, this.deleteOccurrence(s('mailbox'), s('item'), occ())), true;
        default: return send(404, { error: `no control route ${route}` }), true;
      }
    } catch (err) {
      if (err instanceof InputError || err instanceof SyntaxError) return send(400, { error: err.message }), true;
      throw err;
    }
  }
}
