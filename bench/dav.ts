// CalDAV front-end figures: requests/s of an idle sync-collection poll (what every client does
// every few minutes) beside a fastify hello-world route in the same process and run (the
// baseline), and the time to calendar-multiget 2,000 objects. Run: node --import tsx bench/dav.ts

import Fastify from 'fastify';
import { Pool } from 'undici';
import { registerDav } from '../src/server/dav-plugin.js';
import { MemoryStore, fixture } from '../test/support/memory-store.js';

const USER = 'mara@contoso.com';
const AUTH = `Basic ${Buffer.from(`${USER}:bench`).toString('base64')}`;
let SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
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

interface Req {
  method: 'GET' | 'POST' | 'REPORT';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fixed-duration closed loop: CONCURRENCY workers on keep-alive connections. */
async function loop(pool: Pool, req: Req): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await pool.request({ method: req.method, path: req.path, headers: req.headers, body: req.body ?? null });
      await res.body.text();
      if (res.statusCode >= 400) errors++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99), errors };
}

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
  const sync: Req = {
    method: 'REPORT',
    path: cal,
    headers: { ...xml, depth: '0' },
    body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token.syncToken}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
  };
  // Warm up both paths (JIT, connection setup) before measuring.
  const measured = SECONDS;
  SECONDS = 1;
  await loop(pool, { method: 'GET', path: '/hello', headers: {} });
  await loop(pool, sync);
  SECONDS = measured;

  const hello = await loop(pool, { method: 'GET', path: '/hello', headers: {} });
  const echo = await loop(pool, { method: 'REPORT', path: '/echo', headers: xml, body: sync.body! });
  const idle = await loop(pool, sync);
  const fmt = (r: { rps: number; p50: number; p99: number; errors: number }): string =>
    `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;
  console.log(`node ${process.version}, ${CONCURRENCY} connections, ${SECONDS} s per run`);
  console.log(`fastify hello-world     ${fmt(hello)}`);
  console.log(`fastify REPORT echo     ${fmt(echo)}`);
  console.log(`idle sync-collection    ${fmt(idle)}   (${((idle.rps / hello.rps) * 100).toFixed(0)} % of hello-world, ${((idle.rps / echo.rps) * 100).toFixed(0)} % of echo)`);

  const names = (await store.listObjects(USER, 'AAMkBench')).map((o) => `<d:href>${cal}${encodeURIComponent(o.name)}</d:href>`);
  const multiget = `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${names.join('')}</c:calendar-multiget>`;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await pool.request({ method: 'REPORT', path: cal, headers: { ...xml, depth: '1' }, body: multiget });
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
