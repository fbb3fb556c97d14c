// Initial sync of a 10,000-event mailbox through Microsoft Graph beside the EWS path, in the same
// run, from one simulator (a child process, so its CPU and memory are not counted; `--graph` also
// runs the fake Entra authority there and mints a delegated Graph token) with injected latency.
// Prints per upstream: wall time, round trips by operation (counted by the transports' observer,
// one per HTTP exchange: a $batch of 20 event reads is one), peak RSS, and the lower bound it
// is compared with — slot-time ÷ 4 concurrent slots per mailbox, or the chain of requests that
// cannot overlap (SyncFolderItems pages, delta pages), whichever is longer. A request holds one
// slot for one latency; a Graph $batch holds all four (Graph runs 4 of its requests at once and
// counts them against the mailbox's 4), so batches to one mailbox cannot overlap.
// Usage: node --import tsx bench/graph.ts [--events 10000] [--latency 50]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { BasicAuth } from '../src/auth/upstream/basic.js';
import type { UpstreamAuth } from '../src/auth/upstream/types.js';
import { EwsTransport } from '../src/exchange/call.js';
import { EwsCalendarSource } from '../src/exchange/source.js';
import { GraphCalendarSource } from '../src/graph/source.js';
import { GraphTransport } from '../src/graph/transport.js';
import { generateItems } from '../src/simulator/mailbox/generate.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { SyncEngine } from '../src/store/sync/engine.js';
import type { CalendarSource } from '../src/store/types.js';
import type { UpstreamCallEvent } from '../src/upstream/call-event.js';
import { E2E_CONFIG } from '../test/support/store-e2e.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000' }, latency: { type: 'string', default: '50' } } });
const events = Number(values.events);
const latencyMs = Number(values.latency);
const CONCURRENCY = 4;
const USER = 'mara@contoso.com';
const PASSWORD = 'bench-password';

const dir = mkdtempSync(join(tmpdir(), 'ewsdav-bench-graph-'));
const mailboxFile = join(dir, 'mailbox.json');
writeFileSync(mailboxFile, JSON.stringify({
  mailboxes: [{ smtp: USER, password: PASSWORD, timeZone: 'W. Europe Standard Time', items: generateItems(events, { seed: 11 }) }],
}));

const sim = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--mailbox', mailboxFile, '--graph', '--graph-user', USER, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const first = await new Promise<string>((resolve) => createInterface({ input: sim.stdout }).once('line', resolve));
const info = JSON.parse(first) as { url: string; ewsUrl: string; graphUrl: string; graphTokens: Record<string, string> };
const token = info.graphTokens[USER]!;
await fetch(`${info.url}/_sim/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: latencyMs }) });

const startRss = process.memoryUsage().rss;
let peakRss = startRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
/** Requests that wait for the previous one's answer: they bound the wall time from below on their own. */
const SEQUENTIAL = new Set(['SyncFolderItems', 'graph.delta']);
/** Slots of the mailbox's four a request holds. */
const slots = (operation: string): number => (operation === 'graph.batch' ? CONCURRENCY : 1);

async function run(label: string, make: (observe: (e: UpstreamCallEvent) => void) => { source: CalendarSource; close(): Promise<void> }): Promise<void> {
  const trips = new Map<string, number>();
  const { source, close } = make((e) => trips.set(e.operation, (trips.get(e.operation) ?? 0) + 1));
  const store = new SqliteStore({ dataDir: mkdtempSync(join(dir, 'data-')) });
  const engine = new SyncEngine({ store, logger: pino({ level: 'silent' }), config: E2E_CONFIG });
  peakRss = process.memoryUsage().rss;
  const before = peakRss;
  const started = performance.now();
  await engine.addAccount(USER, source);
  const report = await engine.syncNow(USER);
  const wall = performance.now() - started;
  const total = [...trips.values()].reduce((a, b) => a + b, 0);
  const chain = [...trips].filter(([op]) => SEQUENTIAL.has(op)).reduce((a, [, n]) => a + n, 0);
  const slotTime = [...trips].reduce((a, [op, n]) => a + n * slots(op), 0) * latencyMs;
  const bound = Math.max(slotTime / CONCURRENCY, chain * latencyMs);
  const stored = (await Promise.all((await store.listCalendars(USER)).map((c) => store.listObjects(USER, c.id)))).flat().length;
  const failed = report.calendars.filter((c) => c.outcome !== 'ok');
  console.log(`\n${label}`);
  console.log(`  wall time        ${wall.toFixed(0)} ms`);
  console.log(`  round trips      ${total} ${JSON.stringify(Object.fromEntries(trips))}`);
  console.log(`  lower bound      ${bound.toFixed(0)} ms (max of ${slotTime / latencyMs} slot-requests × ${latencyMs} ms ÷ ${CONCURRENCY} and ${chain} sequential pages × ${latencyMs} ms); ratio ${(wall / bound).toFixed(2)}×`);
  console.log(`  objects          ${stored} stored${failed.length > 0 ? `; FAILED calendars: ${JSON.stringify(failed)}` : ''}`);
  console.log(`  peak RSS         ${(peakRss / 1024 / 1024).toFixed(0)} MB (${(before / 1024 / 1024).toFixed(0)} MB before this run)`);
  await engine.stop();
  store.close();
  await close();
}

const bearer: UpstreamAuth = { scheme: 'oauth', describe: () => USER, authorize: () => ({ headers: { authorization: `Bearer ${token}` } }) };
try {
  console.log(`ewsdav Graph vs EWS initial sync: ${events} events, ${latencyMs} ms latency per request, ${CONCURRENCY} concurrent per mailbox, ` +
    `${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}`);
  await run('EWS (SyncFolderItems + GetItem)', (observe) => {
    const transport = new EwsTransport({ url: info.ewsUrl, observe, timeoutMs: 60_000 });
    return { source: new EwsCalendarSource({ transport, auth: new BasicAuth({ username: USER, password: PASSWORD }), mailbox: USER }), close: () => transport.close() };
  });
  await run('Microsoft Graph (calendarView/delta + $batch)', (observe) => {
    const transport = new GraphTransport({ url: info.graphUrl, observe, timeoutMs: 60_000 });
    return { source: new GraphCalendarSource({ transport, auth: bearer, mailbox: USER }), close: () => transport.close() };
  });
} finally {
  clearInterval(sampler);
  sim.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
