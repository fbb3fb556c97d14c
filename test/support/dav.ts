// DAV test helpers shaped like the protocol (Radicale's tests/__init__.py): a server on port 0
// with the in-memory store, one helper per method taking the expected status, and
// parseMultistatus → { href: { '{ns}prop': [status, element] } } so tests assert on data.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/log.js';
import { registerDav } from '../../src/server/dav-plugin.js';
import type { RefreshSupport } from '../../src/store/types.js';
import { parseXml } from '../../src/dav/xml-parse.js';
import { childElements, dav, firstChild, textOf, type XmlElement } from '../../src/dav/xml.js';
import { seededStore, type MemoryStore } from './memory-store.js';

export const PASSWORD = 'secret';
export const MARA = 'mara@contoso.com';
export const JO = 'jo@contoso.com';

/** Basic auth against a fixed password: login itself is not the DAV layer's business. */
export async function testAuthenticate(request: FastifyRequest): Promise<string | undefined> {
  const h = request.headers.authorization;
  if (!h?.startsWith('Basic ')) return undefined;
  const [user, password] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(/:(.*)/s);
  return password === PASSWORD && user ? user : undefined;
}

export interface DavServer {
  app: FastifyInstance;
  store: MemoryStore;
  /** Origin without the base path: http://127.0.0.1:port */
  origin: string;
  /** The public base path ('/' or '/cal/'). */
  base: string;
  close(): Promise<void>;
}

export async function startDav(options: { basePath?: string; store?: MemoryStore; refresh?: RefreshSupport } = {}): Promise<DavServer> {
  const store = options.store ?? seededStore();
  const base = options.basePath ?? '/';
  // The real app shell: with a prefixed public URL it strips the prefix before routing, as it
  // does behind a proxy that forwards /cal/… unchanged.
  const app = await buildApp({
    logger: silentLogger(),
    ...(base !== '/' ? { publicUrl: `http://127.0.0.1${base}` } : {}),
    plugins: [(app) => registerDav(app, { store, basePath: base, authenticate: testAuthenticate, ...(options.refresh ? { refresh: options.refresh } : {}) })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, store, origin: `http://127.0.0.1:${port}`, base, close: () => app.close() };
}

export interface DavResult {
  status: number;
  headers: Headers;
  text: string;
}

export function basic(user: string, password = PASSWORD): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export class DavTestClient {
  constructor(
    readonly server: DavServer,
    /** null: send no credentials. */
    readonly user: string | null = MARA,
  ) {}

  /** Path relative to the base ('dav/calendars/…'), or absolute when it starts with '/'. */
  url(path: string): string {
    return this.server.origin + (path.startsWith('/') ? path : this.server.base + path);
  }

  async request(method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string>; status?: number } = {}): Promise<DavResult> {
    const headers: Record<string, string> = { ...(init.body !== undefined ? { 'Content-Type': 'application/xml; charset=utf-8' } : {}), ...init.headers };
    if (this.user) headers.Authorization ??= basic(this.user);
    const res = await fetch(this.url(path), { method, headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
    const text = await res.text();
    if (init.status !== undefined && res.status !== init.status) {
      throw new Error(`${method} ${path}: expected ${init.status}, got ${res.status}\n${text.slice(0, 2000)}`);
    }
    return { status: res.status, headers: res.headers, text };
  }

  propfind(path: string, body: string | undefined, depth = '0', status = 207, headers: Record<string, string> = {}) {
    return this.request('PROPFIND', path, { ...(body !== undefined ? { body } : {}), headers: { Depth: depth, ...headers }, status });
  }

  report(path: string, body: string, depth = '1', status = 207, headers: Record<string, string> = {}) {
    return this.request('REPORT', path, { body, headers: { Depth: depth, ...headers }, status });
  }

  proppatch(path: string, body: string, status = 207) {
    return this.request('PROPPATCH', path, { body, status });
  }

  get(path: string, status = 200, headers: Record<string, string> = {}) {
    return this.request('GET', path, { headers, status });
  }

  options(path: string, status = 200) {
    return this.request('OPTIONS', path, { status });
  }
}

export type PropResult = [status: number, value: XmlElement];
export type Multistatus = Record<string, Record<string, PropResult>>;

function statusCode(line: string): number {
  return Number(/HTTP\/\S+\s+(\d{3})/.exec(line)?.[1] ?? 0);
}

/** { href: { prop: [status, element] } }; a response with only a status gets the key '' for it. */
export function parseMultistatus(xml: string): Multistatus {
  const root = parseXml(xml);
  if (root.name !== dav('multistatus')) throw new Error(`not a multistatus: ${root.name}`);
  const out: Multistatus = {};
  for (const response of childElements(root, dav('response'))) {
    const href = decodeURIComponent(textOf(firstChild(response, dav('href'))!));
    const props: Record<string, PropResult> = (out[href] ??= {});
    const status = firstChild(response, dav('status'));
    if (status) props[''] = [statusCode(textOf(status)), response];
    for (const ps of childElements(response, dav('propstat'))) {
      const code = statusCode(textOf(firstChild(ps, dav('status'))!));
      for (const p of childElements(firstChild(ps, dav('prop'))!)) props[p.name] = [code, p];
    }
  }
  return out;
}

/** Text of the first href child of a property element. */
export function hrefOf(e: XmlElement): string | undefined {
  const h = firstChild(e, dav('href'));
  return h ? textOf(h) : undefined;
}

/** The root sync-token of a sync-collection answer. */
export function syncTokenOf(xml: string): string {
  const t = firstChild(parseXml(xml), dav('sync-token'));
  return t ? textOf(t) : '';
}

export const D = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/"';
export const HOME = 'dav/calendars/mara%40contoso.com/';
export const CAL = `${HOME}AAMkCal1/`;
export const PRINCIPAL = 'dav/principals/mara%40contoso.com/';
