// Bulk mailboxes for benchmarks and load tests: deterministic (seeded) mixes of single
// items, recurring series with exceptions and deleted occurrences, all-day items and
// different zones.

import { DAY_MS, formatDate, pad2 } from '../recurrence/dates.js';
import type { RecurrencePattern } from '../recurrence/types.js';
import type { ItemInput } from './input.js';
import { instanceByIndex } from './occurrences.js';
import type { MailboxStore } from './store.js';
import type { Mailbox } from './types.js';

export interface GenerateOptions {
  /** PRNG seed; the same seed gives the same items. */
  seed?: number;
  /** First day of the spread, `YYYY-MM-DD` (default 2026-01-05). */
  startDate?: string;
  /** Days over which items are spread (default 365). */
  spanDays?: number;
  /** Zones to pick from (default a mix of the supported Windows zones). */
  zones?: string[];
  /** Fractions of the item mix (defaults 0.1 recurring, 0.1 all-day; rest single). */
  recurringRatio?: number;
  allDayRatio?: number;
  /** Key prefix, to add several batches to one mailbox. */
  keyPrefix?: string;
}

const DEFAULT_ZONES = [
  'W. Europe Standard Time', 'W. Europe Standard Time', 'W. Europe Standard Time', 'Pacific Standard Time',
  'India Standard Time', 'Tokyo Standard Time', 'GMT Standard Time', 'UTC', 'AUS Eastern Standard Time',
];
const WORDS = ['Review', 'Sync', 'Planning', 'Lunch', 'Call', 'Workshop', 'Demo', 'Retro', '1:1', 'Interview', 'Training'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateItems(count: number, opts: GenerateOptions = {}): ItemInput[] {
  const rnd = mulberry32(opts.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const startDay = Math.floor(Date.parse(`${opts.startDate ?? '2026-01-05'}T00:00:00Z`) / DAY_MS);
  const span = opts.spanDays ?? 365;
  const zones = opts.zones ?? DEFAULT_ZONES;
  const recurring = opts.recurringRatio ?? 0.1;
  const allDay = opts.allDayRatio ?? 0.1;
  const prefix = opts.keyPrefix ?? 'gen';
  const out: ItemInput[] = [];
  for (let n = 0; n < count; n++) {
    const d = startDay + Math.floor(rnd() * span);
    const date = formatDate(d);
    const timeZone = pick(zones);
    const subject = `${pick(WORDS)} ${n + 1}`;
    const key = `${prefix}-${n + 1}`;
    const r = rnd();
    if (r < allDay) {
      const days = 1 + Math.floor(rnd() * 3);
      out.push({ key, subject, start: date, end: formatDate(d + days), isAllDay: true, freeBusy: 'Free', timeZone });
      continue;
    }
    const hour = 7 + Math.floor(rnd() * 10);
    const minutes = pick([0, 0, 15, 30, 45]);
    const dur = pick([15, 30, 30, 60, 60, 90]);
    const endMin = hour * 60 + minutes + dur;
    const start = `${date}T${pad2(hour)}:${pad2(minutes)}:00`;
    const end = `${date}T${pad2(Math.floor(endMin / 60))}:${pad2(endMin % 60)}:00`;
    const item: ItemInput = {
      key, subject, start, end, timeZone, location: rnd() < 0.5 ? `Room ${1 + Math.floor(rnd() * 20)}` : undefined,
      body: rnd() < 0.3 ? { type: 'HTML', value: `<html><body><p>${subject} — notes</p></body></html>` } : `Notes for ${subject}`,
    };
    if (r < allDay + recurring) {
      const pattern: RecurrencePattern = rnd() < 0.6
        ? { kind: 'Weekly', interval: 1, daysOfWeek: [pick(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const)], firstDayOfWeek: 'Monday' }
        : { kind: 'Daily', interval: 1 + Math.floor(rnd() * 3) };
      item.recurrence = { pattern, range: { kind: 'Numbered', startDate: date, numberOfOccurrences: 10 + Math.floor(rnd() * 20) } };
    }
    out.push(item);
  }
  return out;
}

/**
 * Adds `count` generated items to a mailbox folder; every series gets its 3rd instance moved
 * by an hour (an exception) and its 5th deleted, addressed by instance index once the store
 * has aligned the master.
 */
export function addGeneratedItems(store: MailboxStore, mailbox: Mailbox, count: number, opts: GenerateOptions = {}, folder = 'calendar'): number {
  const items = generateItems(count, opts);
  for (const it of items) {
    const stored = store.addItem(mailbox, folder, it);
    if (!stored.recurrence) continue;
    const third = instanceByIndex(stored, 3);
    if (typeof third !== 'string') {
      store.modifyOccurrence(mailbox, stored.key, { instanceIndex: 3 }, {
        start: new Date(third.fields.start + 3_600_000).toISOString(), end: new Date(third.fields.end + 3_600_000).toISOString(),
        subject: `${stored.fields.subject} (moved)`,
      });
    }
    if (typeof instanceByIndex(stored, 5) !== 'string') store.deleteOccurrence(mailbox, stored.key, { instanceIndex: 5 });
  }
  return items.length;
}
