// Initial and idle sync of a 10,000-event mailbox from the EWS simulator (in a child process,
// so its CPU and memory are not counted) with injected latency. Prints wall time, EWS calls by
// operation, peak RSS and the lower bound calls × latency ÷ concurrency it is compared with.
// Usage: node --import tsx bench/sync.ts [--events 10000] [--latency 50] [--concurrency 4]

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { generateItems } from '../src/simulator/mailbox/generate.js';
import { E2E_PASSWORD, E2E_USER, openBridge } from '../test/support/store-e2e.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '4' },
  },
});
const events = Number(values.events);
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);

const dir = mkdtempSync(join(tmpdir(), 'ewsdav-bench-'));
const mailboxFile = join(dir, 'mailbox.json');
writeFileSync(mailboxFile, JSON.stringify({
  mailboxes: [{ smtp: E2E_USER, password: E2E_PASSWORD, timeZone: 'W. Europe Standard Time', items: generateItems(events, { seed: 11 }) }],
}));

const sim = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--mailbox', mailboxFile, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const first = await new Promise<string>((resolve) => createInterface({ input: sim.stdout }).once('line', resolve));
const { url, ewsUrl } = JSON.parse(first) as { url: string; ewsUrl: string };
const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
  const res = await fetch(`${url}/_sim/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.status === 204 ? undefined : res.json();
};
await control('POST', 'latency', { ms: latencyMs });

/** CPU ms of the simulator process (Linux /proc; undefined elsewhere). */
function simulatorCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/${sim.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

const startRss = process.memoryUsage().rss;
let peakRss = startRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function run(label: string): Promise<void> {
  const bridge = openBridge({ ewsUrl }, join(dir, 'data'), { config: { maxConcurrency: concurrency } });
  await bridge.engine.addAccount(E2E_USER, bridge.source);
  await control('POST', 'counters/reset');
  const simCpu0 = simulatorCpuMs();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const started = performance.now();
  const report = await bridge.engine.syncNow(E2E_USER);
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  // process.cpuUsage counts every thread (zlib and GC helpers too); the event loop's busy time is
  // the main thread's share, the one that serialises parsing, rendering and SQLite.
  const elu = performance.eventLoopUtilization(elu0);
  const bridgeCpu = (cpu.user + cpu.system) / 1000;
  const simCpu1 = simulatorCpuMs();
  const simCpu = simCpu0 === undefined || simCpu1 === undefined ? undefined : simCpu1 - simCpu0;
  const counters = (await control('GET', 'counters')) as { requests: number; byOperation: Record<string, number> };
  const calls = Object.values(counters.byOperation).reduce((a, b) => a + b, 0);
  const bound = (calls * latencyMs) / concurrency;
  const stats = report.calendars.map((c) => c.stats);
  const stored = (await bridge.store.listObjects(E2E_USER, report.calendars[0]!.calendarId)).length;
  console.log(`\n${label}`);
  console.log(`  wall time        ${wall.toFixed(0)} ms`);
  console.log(`  EWS calls        ${calls} ${JSON.stringify(counters.byOperation)}`);
  console.log(`  lower bound      ${bound.toFixed(0)} ms (${calls} calls × ${latencyMs} ms ÷ ${concurrency}); ratio ${(wall / bound).toFixed(2)}×`);
  console.log(`  main thread      busy ${elu.active.toFixed(0)} ms of ${wall.toFixed(0)} (${(elu.utilization * 100).toFixed(0)} %)`);
  console.log(`  CPU              bridge ${bridgeCpu.toFixed(0)} ms, simulator ${simCpu?.toFixed(0) ?? '?'} ms` +
    ` (on ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}: when CPU exceeds the latency bound, the sync is CPU-bound)`);
  console.log(`  objects          ${stored} stored; changed ${stats.reduce((a, s) => a + (s?.changed ?? 0), 0)}`);
  console.log(`  peak RSS         ${(peakRss / 1024 / 1024).toFixed(0)} MB (bridge process, ${(startRss / 1024 / 1024).toFixed(0)} MB at start; simulator runs apart)`);
  await bridge.close();
}

try {
  console.log(`ewsdav sync benchmark: ${events} events, ${latencyMs} ms latency per EWS call, ${concurrency} concurrent calls per mailbox`);
  await run('initial sync');
  await run('idle incremental sync (nothing changed upstream)');
  console.log('\n  targets: initial sync within 1.5× of the lower bound, peak RSS < 250 MB');
} finally {
  clearInterval(sampler);
  sim.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
