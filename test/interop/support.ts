// Shared wiring for the interop part: the EWS simulator with the demo mailbox, a real Bridge
// (SQLite store in a temp dir, sync engine, CalDAV and ICS front-ends) on 127.0.0.1:0, a raw
// request log taken from the Node HTTP server, and requireTool(), which turns a missing Debian
// package into a skip on a developer machine and into a failure in CI (DESIGN.md "Testing").

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tap, { type Test } from 'tap';
import { validateConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { Bridge } from '../../src/server/bridge.js';
import { DEMO_USER, startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { StoredCalendar } from '../../src/store/types.js';

export { DEMO_USER };
export const SCRIPTS = fileURLToPath(new URL('./scripts/', import.meta.url));
/** The Debian Python: Debian's python3-* modules are visible to it, not to a pyenv python3 on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

// ---------------------------------------------------------------------------------------------
// Tools

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  // nginx lives in /usr/sbin, which is not on a normal user's PATH.
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missing(t: Test, what: string, debianPackage: string): undefined {
  const message = `${what} is missing: install the Debian package ${debianPackage} (apt-get install ${debianPackage}; .ci/debian-packages lists it)`;
  // CI installs every interop tool (.ci/run): there a missing one is a broken build, not a skip.
  if (inCi()) t.fail(message);
  else t.pass(`interop prerequisite ${debianPackage}`, { skip: message });
  return undefined;
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * The absolute path of an executable, or undefined after recording a skip (a failure when
 * `CI` is set) that names the Debian package to install.
 */
export function requireTool(name: string, debianPackage: string, t: Test = tap): string | undefined {
  return findExecutable(name) ?? missing(t, `the tool "${name}"`, debianPackage);
}

/** SYSTEM_PYTHON when it can import `module`, else undefined after a skip (failure in CI). */
export function requirePythonModule(module: string, debianPackage: string, t: Test = tap): string | undefined {
  if (!isExecutable(SYSTEM_PYTHON)) return missing(t, SYSTEM_PYTHON, debianPackage);
  const r = spawnSync(SYSTEM_PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  return r.status === 0 ? SYSTEM_PYTHON : missing(t, `the Python module "${module}" (for ${SYSTEM_PYTHON})`, debianPackage);
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a program asynchronously (the bridge lives in this process: a synchronous spawn would
 * block its event loop and deadlock the client against it).
 */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ewsdav-interop-${prefix}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port that was free a moment ago (for programs such as nginx that cannot listen on 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Simulator + bridge

export interface LoggedRequest {
  method: string;
  url: string;
  status: number;
  remoteAddress: string | undefined;
  /** Request headers as received (what a proxy forwarded). */
  headers: Record<string, string | string[] | undefined>;
  /** The response body of PROPFIND and REPORT answers (to count the objects a client was sent). */
  body?: string;
}

const BODY_METHODS = new Set(['PROPFIND', 'REPORT']);

export interface InteropBridge {
  sim: Simulator;
  bridge: Bridge;
  port: number;
  /** http://127.0.0.1:PORT (the bridge itself, not a proxy in front of it). */
  origin: string;
  dataDir: string;
  user: string;
  password: string;
  /** The demo user's calendars after the first sync. */
  calendars: StoredCalendar[];
  /** Every HTTP request the bridge answered, as the socket saw it (before prefix stripping). */
  requests: LoggedRequest[];
  /** Sync every calendar of the demo user now. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface BridgeOptions {
  /** "accounts" syncs at start; "passthrough" signs the user in on the first client request. */
  login?: 'accounts' | 'passthrough';
  publicUrl?: string;
  trustProxy?: string[];
  /** Reuse a running simulator (not closed with the bridge). */
  sim?: Simulator;
}

export async function startBridge(t: Test, options: BridgeOptions = {}): Promise<InteropBridge> {
  const sim = options.sim ?? (await startSimulator({ demo: true }));
  const dataDir = tempDir(t, 'data');
  const login = options.login ?? 'accounts';
  const config = validateConfig({
    server: {
      host: '127.0.0.1',
      port: 8080, // unused: listen() below binds port 0
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    },
    exchange: { url: sim.ewsUrl, auth: 'basic' },
    login: { mode: login },
    ...(login === 'accounts'
      ? { accounts: [{ id: 'demo', username: DEMO_USER.smtp, password: DEMO_USER.password, clientPassword: DEMO_USER.password }] }
      : {}),
    store: { dataDir },
    logging: { level: 'fatal' }, // the logger below is silent anyway
  });
  const bridge = await Bridge.create({ config, baseDir: dataDir, logger: silentLogger() });
  const requests: LoggedRequest[] = [];
  // The raw server, not a fastify hook: root hooks added after the DAV plugin was registered do
  // not reach its encapsulated routes. Prepended, so it sees the URL before fastify strips a prefix.
  bridge.app.server.prependListener('request', (req, res) => {
    const method = req.method ?? '';
    const url = req.url ?? ''; // now: fastify rewrites req.url in place when it strips a prefix
    const chunks: Buffer[] = [];
    if (BODY_METHODS.has(method)) {
      // Fastify writes later (after async hooks), so wrapping now sees the whole body.
      const collect = (chunk: unknown): void => {
        if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
        else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
      };
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.write = ((chunk: unknown, ...rest: unknown[]) => (collect(chunk), write(chunk, ...rest))) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => (typeof chunk === 'function' ? end(chunk, ...rest) : (collect(chunk), end(chunk, ...rest)))) as typeof res.end;
    }
    res.on('finish', () => {
      const entry: LoggedRequest = { method, url, status: res.statusCode, remoteAddress: req.socket.remoteAddress, headers: { ...req.headers } };
      if (chunks.length > 0) entry.body = Buffer.concat(chunks).toString('utf8');
      requests.push(entry);
    });
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await bridge.close();
    if (!options.sim) await sim.close();
  };
  t.teardown(close);
  await bridge.listen('127.0.0.1', 0);
  const address = bridge.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const sync = async (): Promise<void> => {
    await bridge.engine.syncNow(DEMO_USER.smtp);
  };
  if (login === 'accounts') await sync();
  const calendars = login === 'accounts' ? await bridge.store.listCalendars(DEMO_USER.smtp) : [];
  return {
    sim, bridge, port, origin: `http://127.0.0.1:${port}`, dataDir,
    user: DEMO_USER.smtp, password: DEMO_USER.password, calendars, requests, sync, close,
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The calendar's URL path below the public base (no leading slash). */
export function calendarPath(user: string, calendarId: string): string {
  return `dav/calendars/${encodeURIComponent(user)}/${encodeURIComponent(calendarId)}/`;
}

/** Find the demo calendar with this display name (fails the test clearly when absent). */
export function calendarNamed(b: InteropBridge, name: string): StoredCalendar {
  const cal = b.calendars.find((c) => c.displayName === name);
  if (!cal) throw new Error(`no demo calendar "${name}" (have: ${b.calendars.map((c) => c.displayName).join(', ')})`);
  return cal;
}
