// An in-memory CalendarStore for DAV tests (sabre's Backend/Mock): calendars per user, objects
// with hash ETags, and a change log with a per-calendar sequence so sync tokens behave like
// the SQLite store's ('…/sync/<epoch>-<seq>'). Objects are fed real iCalendar text.

import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expandInstances } from '../../src/ical/expand.js';
import type { ChangesResult, CalendarStore, StoredCalendar, StoredObject, StoredObjectMeta } from '../../src/store/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/dav/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

interface MemCalendar {
  cal: StoredCalendar;
  objects: Map<string, StoredObject>;
  /** name → sequence of its last change, and whether that change was a deletion. */
  log: Map<string, { seq: number; deleted: boolean }>;
  seq: number;
}

const TOKEN_PREFIX = 'http://ewsdav.org/ns/sync/';
const TOKEN_RE = /^http:\/\/ewsdav\.org\/ns\/sync\/([a-z0-9]+)-(\d+)$/;

/** UTC bounds for the time-range prefilter, as the SQLite store keeps them; unbounded series: no lastEnd. */
export function instanceBounds(ical: string): { firstStart?: number; lastEnd?: number } {
  const all = expandInstances(ical, -8.64e15, 8.64e15, 1);
  if (all.length === 0) return {};
  const firstStart = all[0]!.start;
  const events = new ICAL.Component(ICAL.parse(ical) as unknown[]).getAllSubcomponents('vevent');
  const unbounded = events.some((e) => e.getAllProperties('rrule').some((p) => !(p.getFirstValue() as ICAL.Recur).isFinite()));
  if (unbounded) return { firstStart };
  const every = expandInstances(ical, -8.64e15, 8.64e15, 100_000);
  return { firstStart, lastEnd: Math.max(...every.map((i) => i.end)) };
}

export class MemoryStore implements CalendarStore {
  readonly epoch = 'm' + Math.random().toString(36).slice(2, 8);
  private readonly users = new Map<string, Map<string, MemCalendar>>();
  /** Counts of store calls, for tests that assert on batching. */
  readonly calls: Record<string, number> = {};

  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  addCalendar(user: string, cal: Partial<StoredCalendar> & { id: string }): void {
    const calendars = this.users.get(user.toLowerCase()) ?? new Map<string, MemCalendar>();
    this.users.set(user.toLowerCase(), calendars);
    const mem: MemCalendar = {
      cal: { user, displayName: cal.id, kind: 'secondary', readOnly: false, ctag: '', syncToken: '', ...cal },
      objects: new Map(),
      log: new Map(),
      seq: 0,
    };
    calendars.set(cal.id, mem);
    this.stamp(mem);
  }

  private mem(user: string, calendarId: string): MemCalendar | undefined {
    return this.users.get(user.toLowerCase())?.get(calendarId);
  }

  private stamp(m: MemCalendar): void {
    m.cal.ctag = `"${this.epoch}-${m.seq}"`;
    m.cal.syncToken = `${TOKEN_PREFIX}${this.epoch}-${m.seq}`;
  }

  /** Add or replace an object; the name defaults to '<uid>.ics'. */
  putObject(user: string, calendarId: string, ical: string, name?: string, lastModified = Date.now()): StoredObjectMeta {
    const m = this.mem(user, calendarId);
    if (!m) throw new Error(`no calendar ${calendarId}`);
    const uid = /^UID:(.*)$/m.exec(ical)?.[1]?.trim() ?? 'no-uid';
    const objectName = name ?? `${uid.replace(/[^A-Za-z0-9._@-]/g, '_')}.ics`;
    const object: StoredObject = {
      name: objectName,
      uid,
      etag: `"${createHash('sha256').update(ical).digest('hex').slice(0, 40)}"`,
      size: Buffer.byteLength(ical),
      lastModified,
      ...instanceBounds(ical),
      ical,
    };
    m.objects.set(objectName, object);
    m.log.set(objectName, { seq: ++m.seq, deleted: false });
    this.stamp(m);
    return object;
  }

  deleteObject(user: string, calendarId: string, name: string): void {
    const m = this.mem(user, calendarId);
    if (!m || !m.objects.delete(name)) throw new Error(`no object ${name}`);
    m.log.set(name, { seq: ++m.seq, deleted: true });
    this.stamp(m);
  }

  async listCalendars(user: string): Promise<StoredCalendar[]> {
    this.count('listCalendars');
    return [...(this.users.get(user.toLowerCase())?.values() ?? [])].map((m) => ({ ...m.cal }));
  }

  async getCalendar(user: string, calendarId: string): Promise<StoredCalendar | undefined> {
    this.count('getCalendar');
    const m = this.mem(user, calendarId);
    return m ? { ...m.cal } : undefined;
  }

  async listObjects(user: string, calendarId: string): Promise<StoredObjectMeta[]> {
    this.count('listObjects');
    return [...(this.mem(user, calendarId)?.objects.values() ?? [])].map(({ ical: _ical, ...meta }) => meta);
  }

  async getObjects(user: string, calendarId: string, names: string[]): Promise<StoredObject[]> {
    this.count('getObjects');
    const m = this.mem(user, calendarId);
    return names.flatMap((n) => (m?.objects.get(n) ? [{ ...m.objects.get(n)! }] : []));
  }

  async getObject(user: string, calendarId: string, name: string): Promise<StoredObject | undefined> {
    this.count('getObject');
    const o = this.mem(user, calendarId)?.objects.get(name);
    return o ? { ...o } : undefined;
  }

  async objectsInRange(user: string, calendarId: string, start: number | undefined, end: number | undefined): Promise<StoredObject[]> {
    this.count('objectsInRange');
    return [...(this.mem(user, calendarId)?.objects.values() ?? [])].filter(
      (o) => (end === undefined || o.firstStart === undefined || o.firstStart < end) && (start === undefined || o.lastEnd === undefined || o.lastEnd > start),
    );
  }

  async changesSince(user: string, calendarId: string, syncToken: string | undefined, limit?: number): Promise<ChangesResult> {
    this.count('changesSince');
    const m = this.mem(user, calendarId);
    if (!m) return { ok: false, reason: 'invalid-token' };
    let since = 0;
    if (syncToken !== undefined) {
      const match = TOKEN_RE.exec(syncToken);
      if (!match || match[1] !== this.epoch || Number(match[2]) > m.seq) return { ok: false, reason: 'invalid-token' };
      since = Number(match[2]);
    }
    // Nothing new: the common poll, answered without walking the log (an index lookup in SQLite).
    if (since === m.seq && syncToken !== undefined) return { ok: true, syncToken, changed: [], deleted: [], truncated: false };
    const entries = [...m.log].filter(([, e]) => e.seq > since && !(since === 0 && e.deleted)).sort((a, b) => a[1].seq - b[1].seq);
    const truncated = limit !== undefined && entries.length > limit;
    const sent = truncated ? entries.slice(0, limit) : entries;
    const upTo = truncated ? sent[sent.length - 1]![1].seq : m.seq;
    const changed: StoredObjectMeta[] = [];
    const deleted: string[] = [];
    for (const [name, e] of sent) {
      const o = m.objects.get(name);
      if (e.deleted || !o) deleted.push(name);
      else changed.push((({ ical: _ical, ...meta }) => meta)(o));
    }
    return { ok: true, syncToken: `${TOKEN_PREFIX}${this.epoch}-${upTo}`, changed, deleted, truncated };
  }

  async setCalendarProperties(user: string, calendarId: string, props: { color?: string | null; order?: number | null }): Promise<void> {
    this.count('setCalendarProperties');
    const m = this.mem(user, calendarId);
    if (!m) return;
    if (props.color !== undefined) {
      if (props.color === null) delete m.cal.color;
      else m.cal.color = props.color;
    }
    if (props.order !== undefined) {
      if (props.order === null) delete m.cal.order;
      else m.cal.order = props.order;
    }
  }
}

export const FIXTURE_NAMES = ['single-event.ics', 'weekly-with-override.ics', 'all-day.ics', 'daily-unbounded.ics', 'unicode-summary.ics'] as const;

/** Two users; mara has a default calendar with every fixture and an empty birthdays calendar. */
export function seededStore(): MemoryStore {
  const store = new MemoryStore();
  store.addCalendar('mara@contoso.com', { id: 'AAMkCal1', displayName: 'Calendar', kind: 'default', timezone: 'Europe/Berlin' });
  store.addCalendar('mara@contoso.com', { id: 'AAMkBday', displayName: 'Birthdays', kind: 'birthdays', readOnly: true });
  for (const f of FIXTURE_NAMES) store.putObject('mara@contoso.com', 'AAMkCal1', fixture(f), undefined, Date.UTC(2026, 0, 2, 3, 4, 5));
  store.addCalendar('jo@contoso.com', { id: 'AAMkJo', displayName: 'Jo private', kind: 'default' });
  store.putObject('jo@contoso.com', 'AAMkJo', fixture('single-event.ics').replace('single-1@', 'jo-secret@'));
  return store;
}
