// CalDAV front-end figures: requests/s of an idle sync-collection poll (what every client does
// every few minutes) beside a fastify hello-world GET and a fastify REPORT echo with the same body
// (the baselines), in the same process and run, and the time to calendar-multiget 2,000 objects.
// Load comes from bench/load.ts (raw keep-alive HTTP/1.1 in a worker thread); rounds alternate
// the three cases so a noisy machine hits them alike, and the median of the rounds is printed.
// Run: node --import tsx bench/dav.ts  (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONCURRENCY, BENCH_OBJECTS)

import Fastify from 'fastify';
import { performance as perf } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import type { LoadJob, LoadRequest, LoadResult } from './load.js';
import { registerDav } from '../src/server/dav-plugin.js';
import { MemoryStore, fixture } from '../test/support/memory-store.js';

const USER = 'mara@contoso.com';
const AUTH = `Basic ${Buffer.from(`${USER}:bench`).toString('base64')}`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 2000);

function seed(): MemoryStore {
  const store = new MemoryStore();
  store.addCalendar(USER, { id: 'AAMkBench', displayName: 'Bench', kind: 'default', timezone: 'Europe/Berlin' });
  const kinds = ['single-event.ics', 'weekly-with-override.ics', 'all-day.ics', 'unicode-summary.ics'];
  for (let i = 0; i < OBJECTS; i++) {
    const text = fixture(kinds[i % kinds.length]!).replace(/UID:([^@\r\n]+)@/g, `UID:$1-${i}@`);
    store.putObject(USER, 'AAMkBench', text);
  }
  return store;
}

/** The load generator in its own thread (the second core), one job at a time. */
class Load {
  // Workers do not inherit `--import tsx`'s loader: register it there before loading load.ts.
  private readonly worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./load.ts', import.meta.url).href)}); })`,
    { eval: true, workerData: 'load' },
  );

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (m: { ok: true; result: LoadResult } | { ok: false; error: string }) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
      this.worker.postMessage(job);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The old client, kept for comparison: undici Pool with its defaults (see bench/load.ts). */
async function undiciLoop(pool: Pool, req: LoadRequest, seconds: number): Promise<{ rps: number; connections: number }> {
  let count = 0;
  let connections = 0;
  const end = performance.now() + seconds * 1000;
  const onConnect = (): void => void connections++;
  pool.on('connect', onConnect);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const res = await pool.request({ method: req.method as 'GET', path: req.path, headers: req.headers, body: req.body ?? null });
        await res.body.text();
        count++;
      }
    }),
  );
  pool.off('connect', onConnect);
  return { rps: count / seconds, connections };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const store = seed();
  const app = Fastify({ logger: false });
  await registerDav(app, { store, basePath: '/', authenticate: async () => USER });
  app.get('/hello', async () => 'hello');
  // A second baseline with the same request body as the poll, so HTTP body handling is not
  // counted against the DAV layer.
  await app.register(async (child) => {
    child.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    child.route({ method: ['POST', 'REPORT'], url: '/echo', handler: async (req) => ({ bytes: (req.body as Buffer).length }) });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
  const cal = `/dav/calendars/${encodeURIComponent(USER)}/AAMkBench/`;
  const xml = { 'content-type': 'application/xml; charset=utf-8', authorization: AUTH };

  const token = (await store.changesSince(USER, 'AAMkBench', undefined)) as { syncToken: string };
  const sync: LoadRequest = {
    method: 'REPORT',
    path: cal,
    headers: { ...xml, depth: '0' },
    body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token.syncToken}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
  };
  const cases: [string, LoadRequest][] = [
    ['fastify hello-world GET', { method: 'GET', path: '/hello', headers: {} }],
    ['fastify REPORT echo   ', { method: 'REPORT', path: '/echo', headers: xml, body: sync.body! }],
    ['idle sync-collection  ', sync],
  ];
  const load = new Load();
  // Warm-up (JIT, connections) for every case before measuring.
  for (const [, req] of cases) await load.run({ port, connections: CONCURRENCY, seconds: 1, request: req });
  // Busy time of the server's event loop per request: less sensitive to other load on the
  // machine than requests/s, and free of the load generator's own cost (it runs in a worker).
  const results = new Map<string, (LoadResult & { busyUs: number })[]>(cases.map(([name]) => [name, []]));
  const ratios: { hello: number[]; echo: number[] } = { hello: [], echo: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const rps: number[] = [];
    for (const [name, req] of cases) {
      const elu = perf.eventLoopUtilization();
      const r = await load.run({ port, connections: CONCURRENCY, seconds: SECONDS, request: req });
      const busy = perf.eventLoopUtilization(elu).active;
      results.get(name)!.push({ ...r, busyUs: (busy * 1000) / Math.max(1, r.requests) });
      rps.push(r.rps);
    }
    ratios.hello.push(rps[2]! / rps[0]!);
    ratios.echo.push(rps[2]! / rps[1]!);
  }
  await load.close();
  console.log(`node ${process.version}, ${CONCURRENCY} keep-alive connections, ${ROUNDS} rounds of ${SECONDS} s per case (median round shown)`);
  for (const [name] of cases) {
    const rs = results.get(name)!;
    const reconnects = rs.reduce((n, r) => n + r.reconnects, 0);
    const errors = rs.reduce((n, r) => n + r.errors, 0);
    console.log(`${name}  ${median(rs.map((r) => r.rps)).toFixed(0).padStart(7)} req/s  ${median(rs.map((r) => r.busyUs)).toFixed(0).padStart(4)} µs server/req  p50 ${median(rs.map((r) => r.p50)).toFixed(2)} ms  p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms  errors ${errors}  reconnects ${reconnects}`);
  }
  console.log(`idle sync-collection = ${(median(ratios.hello) * 100).toFixed(0)} % of hello-world, ${(median(ratios.echo) * 100).toFixed(0)} % of the REPORT echo (median of per-round ratios)`);
  const old = await undiciLoop(pool, cases[1]![1], 1);
  console.log(`for comparison, undici Pool defaults on the REPORT echo: ${old.rps.toFixed(0)} req/s over ${old.connections} new connections in 1 s (it closes the socket after a REPORT body)`);

  const names = (await store.listObjects(USER, 'AAMkBench')).map((o) => `<d:href>${cal}${encodeURIComponent(o.name)}</d:href>`);
  const multiget = `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${names.join('')}</c:calendar-multiget>`;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await pool.request({ method: 'REPORT', path: cal, headers: { ...xml, depth: '1' }, body: multiget, reset: false });
    bytes = (await res.body.arrayBuffer()).byteLength;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`calendar-multiget ${OBJECTS} objects: median ${times[2]!.toFixed(0)} ms, best ${times[0]!.toFixed(0)} ms (${(bytes / 1048576).toFixed(1)} MB response, ${(multiget.length / 1024).toFixed(0)} KB request)`);

  const t0 = performance.now();
  const full = await pool.request({ method: 'GET', path: cal, headers: { authorization: AUTH } });
  const fullBytes = (await full.body.arrayBuffer()).byteLength;
  console.log(`GET whole calendar (${OBJECTS} objects): ${(performance.now() - t0).toFixed(0)} ms, ${(fullBytes / 1048576).toFixed(1)} MB`);

  await pool.close();
  await app.close();
}

await main();
