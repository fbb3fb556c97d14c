// The store's write path alone (SqliteStore.applyPage on a file in tmpdir, WAL, synchronous=FULL):
// an initial full pass of N objects in pages of 512, the same pass again with byte-identical
// objects (a resync), and a pass where every object changed. Objects are shaped like the sync
// bench's (112-hex Outlook UIDs, ~90-character item ids, ~1 kB of iCalendar). Baseline in the
// same run: plain INSERTs of the same rows into the same schema, one transaction per page — the
// floor the store's bookkeeping (lookups, change log, ETag hashing) adds to.
// Usage: node --import tsx bench/store-write.ts [--objects 10000] [--runs 5]

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/store/sqlite/store.js';
import type { PreparedObject } from '../src/store/sync-target.js';
import { migrate } from '../src/store/sqlite/schema.js';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const count = Number(values.objects);
const runs = Number(values.runs);
const PAGE = 512;

const hex = (s: string, n: number) => {
  let out = '';
  for (let i = 0; out.length < n; i++) out += createHash('sha256').update(`${s}#${i}`).digest('hex');
  return out.slice(0, n);
};
function objectsFor(n: number): PreparedObject[] {
  const out: PreparedObject[] = [];
  for (let i = 0; i < n; i++) {
    const uid = `040000008200E00074C5B7101A82E008${hex(`uid${i}`, 80).toUpperCase()}`;
    const start = Date.UTC(2026, 0, 1) + i * 3_600_000;
    const ical = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//ewsdav//ewsdav//EN', 'CALSCALE:GREGORIAN',
      'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200',
      'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'BEGIN:STANDARD',
      'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
      'END:STANDARD', 'END:VTIMEZONE', 'BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:2026010${i % 9}T120000Z`,
      `DTSTART;TZID=Europe/Berlin:20260101T${String(i % 24).padStart(2, '0')}0000`, 'DTEND;TZID=Europe/Berlin:20260101T230000',
      `SUMMARY:Meeting ${i} about ${hex(`s${i}`, 24)}`, `DESCRIPTION:${hex(`d${i}`, 200)}`, `LOCATION:Room ${i % 50}`,
      `ORGANIZER;CN=Person ${i % 97}:mailto:person${i % 97}@contoso.com`,
      `ATTENDEE;CN=Mara;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:mara@contoso.com`,
      'CLASS:PUBLIC', 'STATUS:CONFIRMED', 'TRANSP:OPAQUE', 'X-MICROSOFT-CDO-BUSYSTATUS:BUSY', 'PRIORITY:5',
      'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    out.push({
      upstreamId: `AAMkAAEQBW1hcmFAY29udG9zby5jb20${Buffer.from(hex(`id${i}`, 40), 'hex').toString('base64')}`,
      changeKey: `DwAAABYAAAA${Buffer.from(hex(`ck${i}`, 22), 'hex').toString('base64')}`,
      uid, ical, firstStart: start, lastEnd: start + 3_600_000,
    });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

async function measure(label: string, pass: () => Promise<void> | void, wall: number[], cpu: number[]) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await pass();
  wall.push(performance.now() - t0);
  cpu.push(cpuMs(c0));
  void label;
}

const objs = objectsFor(count);
const changedObjs = objs.map((o) => ({ ...o, ical: o.ical.replace('PRIORITY:5', 'PRIORITY:1') }));
const phases = ['baseline: plain INSERTs', 'initial pass', 'identical resync', 'all changed'] as const;
const wall: Record<string, number[]> = Object.fromEntries(phases.map((p) => [p, []]));
const cpu: Record<string, number[]> = Object.fromEntries(phases.map((p) => [p, []]));

for (let run = 0; run < runs; run++) {
  // Baseline: the same rows and change rows, no lookups, no hashing, prepared statements only.
  {
    const dir = mkdtempSync(join(tmpdir(), 'ewsdav-store-bench-'));
    const db = new Database(join(dir, 'store.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    db.prepare(`INSERT INTO accounts (user) VALUES ('u')`).run();
    db.prepare(`INSERT INTO calendars (user, id, upstream_id, display_name, kind, read_only, epoch) VALUES ('u', 'c', 'F', 'n', 'default', 0, 'e')`).run();
    const ins = db.prepare(`INSERT INTO objects (calendar, name, uid, upstream_id, change_key, ical, etag, size, first_start, last_end, last_modified, pass) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1)`);
    const chg = db.prepare(`INSERT INTO changes (calendar, seq, name, op, at) VALUES (1, ?, ?, 'put', 0)`);
    const page = db.transaction((rows: PreparedObject[], offset: number) => {
      rows.forEach((o, i) => {
        ins.run(`${o.uid}.ics`, o.uid, o.upstreamId, o.changeKey, o.ical, `"e${offset + i}"`, o.ical.length, o.firstStart, o.lastEnd);
        chg.run(offset + i + 1, `${o.uid}.ics`);
      });
    });
    await measure(phases[0], () => {
      for (let i = 0; i < objs.length; i += PAGE) page.immediate(objs.slice(i, i + PAGE), i);
    }, wall[phases[0]]!, cpu[phases[0]]!);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-store-bench-'));
  const store = new SqliteStore({ dataDir: dir });
  await store.ensureAccount('u');
  const calId = (await store.replaceCalendars('u', [{ upstreamId: 'F', name: 'Calendar', kind: 'default', readOnly: false, mailbox: 'u' }])).calendars[0]!.id;
  const pass = async (items: PreparedObject[], full: boolean) => {
    if (full) await store.beginFullPass('u', calId);
    for (let i = 0; i < items.length; i += PAGE) {
      const complete = i + PAGE >= items.length;
      await store.applyPage('u', calId, { state: `s${i}`, complete, upserts: items.slice(i, i + PAGE), unchanged: [], deleted: [] }, Date.now());
    }
  };
  await measure(phases[1], () => pass(objs, true), wall[phases[1]]!, cpu[phases[1]]!);
  await measure(phases[2], () => pass(objs, true), wall[phases[2]]!, cpu[phases[2]]!);
  await measure(phases[3], () => pass(changedObjs, false), wall[phases[3]]!, cpu[phases[3]]!);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`ewsdav store write benchmark: ${count} objects in pages of ${PAGE}, ${runs} runs (medians), file store in ${tmpdir()}`);
for (const p of phases) {
  const w = median(wall[p]!);
  const c = median(cpu[p]!);
  console.log(`  ${p.padEnd(24)} wall ${w.toFixed(0).padStart(5)} ms  cpu ${c.toFixed(0).padStart(5)} ms  (${((c * 1000) / count).toFixed(1)} µs cpu per object)`);
}
const base = median(cpu[phases[0]]!);
console.log(`  initial pass / baseline  ${(median(cpu[phases[1]]!) / base).toFixed(2)}× cpu`);
console.log(`  (on ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}; other processes inflate wall time, cpu less so)`);
