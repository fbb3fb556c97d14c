// Graceful shutdown of `ewsdav serve` as a real process: SIGTERM while a request is in flight lets
// that request finish, the process exits 0, the SQLite store is closed cleanly (WAL checkpointed
// and removed, integrity_check ok), and a restart on the same data folder answers its first
// requests from the store with the same ETags and sync tokens while Exchange answers nothing.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import t from 'tap';
import { DEMO_USER, startSimulator } from '../../src/simulator/index.js';
import { parsePrometheusText } from './prom-text.js';
import { basic, PROPFIND_ETAGS, SYNC_COLLECTION } from './support.js';

interface LogLine {
  msg?: string;
  address?: string;
  req?: { method?: string; url?: string };
  [key: string]: unknown;
}

/** `ewsdav serve` in a child process; its JSON log lines are read from stdout as they come. */
class Served {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  private readonly proc: ChildProcess;
  private readonly waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(configFile: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.proc.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.test(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  waitFor(test: (l: LogLine) => boolean, what: string): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      void this.exited.then(({ code }) => reject(new Error(`serve exited (${code}) before ${what}: ${this.stderr}`)));
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }
}

const USER = DEMO_USER.smtp;
const AUTH = basic(USER, DEMO_USER.password);
const sim = await startSimulator({ demo: true });
t.teardown(() => sim.close());
const dir = mkdtempSync(join(tmpdir(), 'ewsdav-shutdown-'));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify({
  server: { host: '127.0.0.1', port: 0 },
  exchange: { url: sim.ewsUrl, auth: 'basic' },
  login: { mode: 'accounts' },
  accounts: [{ id: 'demo', username: USER, password: DEMO_USER.password, clientPassword: DEMO_USER.password }],
  sync: { intervalSeconds: 3600 },
  store: { dataDir: './data' },
  logging: { level: 'info' },
}));
const dbFile = join(dir, 'data', 'store.db');

async function serve(): Promise<{ served: Served; origin: string }> {
  const served = new Served(configFile);
  const line = await served.waitFor((l) => l.msg === 'ewsdav is serving', 'serving');
  return { served, origin: String(line.address).replace('localhost', '127.0.0.1') };
}

const home = `/dav/calendars/${encodeURIComponent(USER)}/`;

/** href → ETag of every object, and every calendar's sync token: what a client has cached. */
async function snapshot(origin: string): Promise<{ etags: Map<string, string>; tokens: Map<string, string> }> {
  const etags = new Map<string, string>();
  const tokens = new Map<string, string>();
  const listing = await fetch(`${origin}${home}`, { method: 'PROPFIND', headers: { authorization: AUTH, depth: '1', 'content-type': 'application/xml' }, body: PROPFIND_ETAGS });
  const calendars = [...(await listing.text()).matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)].map((m) => m[1]!).filter((h) => h !== home);
  for (const cal of calendars) {
    const res = await fetch(`${origin}${cal}`, { method: 'PROPFIND', headers: { authorization: AUTH, depth: '1', 'content-type': 'application/xml' }, body: PROPFIND_ETAGS });
    if (res.status !== 207) throw new Error(`PROPFIND ${cal}: ${res.status}`);
    for (const response of (await res.text()).split(/<\/(?:\w+:)?response>/)) {
      const href = /<(?:\w+:)?href>([^<]+)</.exec(response)?.[1];
      const etag = /<(?:\w+:)?getetag>([^<]+)</.exec(response)?.[1];
      const token = /<(?:\w+:)?sync-token>([^<]+)</.exec(response)?.[1];
      if (href && etag) etags.set(href, etag);
      if (href === cal && token) tokens.set(cal, token);
    }
  }
  return { etags, tokens };
}

/** Resolves once every calendar in the store finished a complete pass (a lag sample exists for each). */
async function synced(origin: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const listing = await fetch(`${origin}${home}`, { method: 'PROPFIND', headers: { authorization: AUTH, depth: '1' } });
    const calendars = [...(await listing.text()).matchAll(/<(?:\w+:)?href>([^<]+)</g)].length - 1;
    const families = parsePrometheusText(await (await fetch(`${origin}/metrics`)).text());
    if (calendars > 0 && (families.get('ewsdav_sync_lag_seconds')?.samples.length ?? 0) >= calendars) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the first sync did not finish');
}

let before: { etags: Map<string, string>; tokens: Map<string, string> };

t.test('SIGTERM: the in-flight request completes, the process exits 0, the store is closed cleanly', async (t) => {
  const { served, origin } = await serve();
  t.teardown(() => served.kill('SIGKILL'));
  await synced(origin);
  before = await snapshot(origin);
  t.ok(before.etags.size > 5, `objects served (${before.etags.size})`);
  t.ok(before.tokens.size >= 2, `calendars with sync tokens (${before.tokens.size})`);

  // A multiget whose body arrives in two parts: SIGTERM comes between them, so the request is
  // certainly in flight (routed and authenticated, body incomplete) when shutdown begins.
  const hrefs = [...before.etags.keys()];
  const cal = hrefs[0]!.slice(0, hrefs[0]!.lastIndexOf('/') + 1);
  const mine = hrefs.filter((h) => h.startsWith(cal));
  const body = Buffer.from(`<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${mine.map((h) => `<d:href>${h}</d:href>`).join('')}</c:calendar-multiget>`);
  const { port } = new URL(origin);
  const socket = connect(Number(port), '127.0.0.1');
  let response = '';
  socket.on('data', (chunk) => (response += chunk.toString('utf8')));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(`REPORT ${cal} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${AUTH}\r\nDepth: 1\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, 100));
  await served.waitFor((l) => l.msg === 'incoming request' && l.req?.method === 'REPORT' && l.req.url === cal, 'the REPORT to arrive');

  served.kill('SIGTERM');
  await served.waitFor((l) => l.msg === 'shutting down', 'shutdown to begin');
  socket.end(body.subarray(100));
  await closed;
  const [head = '', payload = ''] = response.split('\r\n\r\n');
  t.match(head, /^HTTP\/1\.1 207 /, 'the in-flight multiget was answered in full');
  for (const href of mine) t.ok(payload.includes(`${href}</`), `answered ${href}`);

  const exit = await served.exited;
  t.same(exit, { code: 0, signal: null }, 'exit code 0');
  t.equal(served.stderr, '', 'nothing on stderr');
  t.notOk(existsSync(`${dbFile}-wal`) && statSync(`${dbFile}-wal`).size > 0, 'the WAL was checkpointed and emptied on close');
  const db = new Database(dbFile, { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

t.test('restart on the same data folder: the first requests are answered from the store, unchanged', async (t) => {
  // Exchange answers nothing but 503 now: whatever the bridge serves comes from its store.
  sim.control.resetCounters();
  const outage = sim.control.injectFault({ kind: 'http503', durationMs: 120_000 });
  t.teardown(() => sim.control.clearFaults(outage.id));
  const { served, origin } = await serve();
  t.teardown(() => served.kill('SIGKILL'));

  const after = await snapshot(origin);
  t.same([...after.etags].sort(), [...before.etags].sort(), 'same hrefs and ETags');
  t.same([...after.tokens].sort(), [...before.tokens].sort(), 'same sync tokens');
  for (const [cal, token] of before.tokens) {
    const res = await fetch(`${origin}${cal}`, { method: 'REPORT', headers: { authorization: AUTH, depth: '0', 'content-type': 'application/xml' }, body: SYNC_COLLECTION(token) });
    t.equal(res.status, 207);
    t.notMatch(await res.text(), /\.ics</, `${cal}: the old token is valid and nothing changed`);
  }
  const counters = sim.control.counters();
  t.equal(counters.byStatus['200'] ?? 0, 0, `no EWS call succeeded (${counters.requests} background attempts, all 503)`);

  served.kill('SIGTERM');
  t.same(await served.exited, { code: 0, signal: null });
});
