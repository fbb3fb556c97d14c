// The simulator's HTTP server on 127.0.0.1: POST /EWS/Exchange.asmx as Exchange answers it
// (auth first, as IIS does; then method / content type; then SOAP), the /_sim/ control API,
// and injected transport faults (EWS-NOTES §2.1, §14.3).

import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type AuthConfig, type AuthScheme, authenticate, basicAuth } from './auth.js';
import type { AutodiscoverEndpoint } from './autodiscover/endpoint.js';
import { SimClock } from './clock.js';
import { SimulatorControl } from './control.js';
import { EwsEndpoint, type InjectedEwsError } from './ews/endpoint.js';
import { EXCHANGE_2016, EXCHANGE_ONLINE, type ServerVersion } from './ews/soap.js';
import { FaultInjector } from './faults.js';
import { GraphControl } from './graph/control.js';
import { GraphEndpoint, type GraphOptions } from './graph/endpoint.js';
import { buildDemoMailboxes } from './mailbox/demo.js';
import { type MailboxFileJson, loadMailboxFile, loadMailboxes } from './mailbox/load-json.js';
import { MailboxStore } from './mailbox/store.js';
import { RequestStats } from './stats.js';
import { readBody } from './http-body.js';

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Mailboxes from a JSON file (docs/simulator.md) … */
  mailboxFile?: string;
  /** … or from a document in memory. */
  mailboxes?: MailboxFileJson;
  /** Add the built-in demo mailboxes (default: true when neither of the above is given). */
  demo?: boolean;
  /** `online` (default: 15.20, V2018_01_08), `exchange2016` (15.1.2507, V2017_07_11) or explicit values. */
  serverVersion?: 'online' | 'exchange2016' | ServerVersion;
  auth?: {
    /** Verifying schemes (default Basic). */
    schemes?: AuthScheme[];
    /** Schemes announced on 401, in order (default ["Basic"]; on-prem look: ["Negotiate", "NTLM", "Basic"]). */
    offer?: string[];
  };
  /** Fixed "now" (ISO or ms) instead of real time. */
  now?: string | number;
  /** Secret for ids and SyncStates; the same secret keeps them valid across restarts. */
  secret?: string;
  /** Base latency per EWS request in ms. */
  latencyMs?: number;
  /** Largest accepted request body (default 32 MiB). */
  maxBodyBytes?: number;
  /** Idle keep-alive connections are closed after this (default 5000 ms, Node's default). */
  keepAliveTimeoutMs?: number;
  /** Serve POX Autodiscover at /autodiscover/autodiscover.xml (src/simulator/autodiscover/). */
  autodiscover?: AutodiscoverEndpoint;
  /** Serve Microsoft Graph v1.0 calendar endpoints at /v1.0/… over the same mailboxes (src/simulator/graph/). */
  graph?: GraphOptions;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/EWS/Exchange.asmx` */
  ewsUrl: string;
  /** `http://127.0.0.1:PORT` when the `graph` option is given (the client appends `/v1.0/…`). */
  graphUrl?: string;
  control: SimulatorControl;
  /** Graph controls (throttling, delta tokens, per-calendar delta, app scope) when `graph` is given. */
  graph?: GraphControl;
  store: MailboxStore;
  /** Close every idle keep-alive connection now (forces NTLM re-handshakes in tests). */
  closeIdleConnections(): void;
  close(): Promise<void>;
}

const EWS_PATH = '/ews/exchange.asmx';

function html(title: string, text: string): string {
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const clock = new SimClock(opts.now === undefined ? undefined : typeof opts.now === 'number' ? opts.now : Date.parse(opts.now));
  const secret = opts.secret ? Buffer.from(opts.secret, 'utf8') : randomBytes(32);
  const store = new MailboxStore(clock, secret);
  if (opts.mailboxFile) loadMailboxFile(store, opts.mailboxFile);
  if (opts.mailboxes) loadMailboxes(store, opts.mailboxes);
  if (opts.demo ?? (!opts.mailboxFile && !opts.mailboxes)) loadMailboxes(store, buildDemoMailboxes(clock.now()));

  const server: ServerVersion = opts.serverVersion === 'exchange2016' ? EXCHANGE_2016
    : typeof opts.serverVersion === 'object' ? opts.serverVersion : EXCHANGE_ONLINE;
  const auth: AuthConfig = { schemes: opts.auth?.schemes ?? [basicAuth], offer: opts.auth?.offer ?? ['Basic'] };
  const faults = new FaultInjector();
  const stats = new RequestStats();
  const latency = { ms: opts.latencyMs ?? 0 };
  const control = new SimulatorControl({ store, faults, stats, clock, latency });
  const endpoint = new EwsEndpoint(store, () => server);
  const graph = opts.graph ? new GraphEndpoint({ store, stats, faults, clock, latency }, opts.graph) : undefined;
  const graphControl = graph ? new GraphControl(graph) : undefined;
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const connectionIds = new WeakMap<Socket, number>();
  let nextConnection = 1;
  const connectionOf = (socket: Socket): number => {
    let id = connectionIds.get(socket);
    if (id === undefined) {
      const assigned = (id = nextConnection++);
      connectionIds.set(socket, assigned);
      // Connection-bound schemes (NTLM) forget the identity when the TCP connection goes.
      socket.once('close', () => auth.schemes.forEach((s) => s.connectionClosed?.(assigned)));
    }
    return id;
  };

  async function ews(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = req.headers;
    const host = (headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
    const entry = {
      time: new Date().toISOString(), method: req.method ?? 'GET', path: req.url ?? '/',
      anchorMailbox: header(headers['x-anchormailbox']), userAgent: header(headers['user-agent']),
    };
    const body = await readBody(req, maxBody);
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'text/html' }).end(html('413 Request Entity Too Large', 'The request is too large.'));
      stats.record({ ...entry, status: 413 });
      return;
    }
    const socket = req.socket;
    const connectionId = connectionOf(socket);
    const decision = authenticate(auth, header(headers.authorization), host, connectionId, store);
    const user = decision.kind === 'ok' ? decision.mailbox : undefined;
    const peeked = endpoint.peekOperation(body);
    // An app-only principal is no mailbox: until the SOAP header names one, the anchor is the best guess.
    const principalMailbox = user?.appOnly ? entry.anchorMailbox : user?.smtp;
    const match = { operation: peeked, mailbox: principalMailbox ?? entry.anchorMailbox };
    const base = { ...entry, operation: peeked, user: user?.smtp, mailbox: principalMailbox, authScheme: decision.scheme };

    const extra = faults.take(['latency'], match)?.latencyMs ?? 0;
    if (latency.ms + extra > 0) await new Promise((r) => setTimeout(r, latency.ms + extra));

    const transport = faults.take(['drop', 'http503', 'http500html', 'http401', 'http403'], match);
    switch (transport?.kind) {
      case 'drop':
        stats.record({ ...base, status: 0, injected: 'drop' });
        socket.destroy();
        return;
      case 'http503': {
        const h: Record<string, string> = { 'content-type': 'text/html', connection: 'close' };
        if (transport.retryAfterSeconds !== undefined) h['retry-after'] = String(transport.retryAfterSeconds);
        res.writeHead(503, h).end(html('Service Unavailable', 'HTTP Error 503. The service is unavailable.'));
        stats.record({ ...base, status: 503, injected: 'http503' });
        return;
      }
      case 'http500html':
        res.writeHead(500, { 'content-type': 'text/html' }).end(html("Server Error in '/EWS' Application.", 'Runtime Error'));
        stats.record({ ...base, status: 500, injected: 'http500html' });
        return;
      case 'http401':
        challenge(res, decision.kind === 'challenge' ? decision.headers : auth.offer.map((n) => (n === 'Basic' ? `Basic realm="${host}"` : n)));
        stats.record({ ...base, status: 401, injected: 'http401' });
        return;
      default:
        break;
    }
    if (decision.kind !== 'ok') {
      challenge(res, decision.headers, decision);
      stats.record({ ...base, status: decision.status ?? 401 });
      return;
    }
    if (transport?.kind === 'http403') {
      // Exchange Online answers a blocked mailbox/app with an empty 403 (EWS-NOTES §1.2, §14.3).
      if (transport.html) res.writeHead(403, { 'content-type': 'text/html' }).end(html('403 - Forbidden: Access is denied.', 'You do not have permission to view this directory or page.'));
      else res.writeHead(403, { 'content-length': '0' }).end();
      stats.record({ ...base, status: 403, injected: 'http403' });
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(req.method === 'HEAD' ? undefined : html('Service', 'You have created a service.'));
      stats.record({ ...base, operation: undefined, status: 200 });
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/html' }).end(html('405 - Method Not Allowed', 'The HTTP verb used to access this page is not allowed.'));
      stats.record({ ...base, operation: undefined, status: 405 });
      return;
    }
    const ctype = (header(headers['content-type']) ?? '').toLowerCase().replace(/\s+/g, '');
    if (ctype !== 'text/xml' && !/^text\/xml;charset="?utf-8"?$/.test(ctype)) {
      // WCF's answer to a SOAP 1.2 or JSON content type.
      res.writeHead(415, { 'content-type': 'text/html' }).end(html('415 Unsupported Media Type',
        `Cannot process the message because the content type '${header(headers['content-type']) ?? ''}' was not the expected type 'text/xml; charset=utf-8'.`));
      stats.record({ ...base, status: 415 });
      return;
    }

    const inject = (info: { operation: string; user: { smtp: string } }): InjectedEwsError | undefined => {
      const f = faults.take(['serverBusy'], { operation: info.operation, mailbox: info.user.smtp });
      if (!f) return undefined;
      const backOff = f.backOffMs ?? 5000;
      return {
        form: f.form ?? 'fault', code: 'ErrorServerBusy',
        text: `The server cannot service this request right now. Try again later. Suggested backoff time ${backOff} ms.`,
        messageXml: `<t:Value Name="BackOffMilliseconds">${backOff}</t:Value>`,
      };
    };
    const out = endpoint.handle(body, decision.mailbox, inject);
    let payload = Buffer.from(out.body, 'utf8');
    const h: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' };
    if (/\bgzip\b/.test(header(headers['accept-encoding']) ?? '') && payload.length > 1024) {
      // Level 1: ~1 ms instead of ~2.4 ms per 400 kB GetItem answer (measured); benches share
      // the bridge's cores with the simulator, and gunzip costs the client the same either way.
      payload = gzipSync(payload, { level: 1 });
      h['content-encoding'] = 'gzip';
    }
    h['content-length'] = String(payload.length);
    res.writeHead(out.status, h).end(payload);
    const busy = out.responseCodes.includes('ErrorServerBusy');
    stats.record({
      ...base, status: out.status, operation: out.operation, mailbox: out.mailboxes[0] ?? base.mailbox,
      responseCodes: out.responseCodes, ...(busy ? { injected: 'serverBusy' } : {}), ...(out.impersonated !== undefined ? { impersonated: out.impersonated } : {}),
    });
  }

  const http: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const run = async (): Promise<void> => {
      if (graphControl && (await graphControl.handleHttp(req, res, path))) return;
      if (await control.handleHttp(req, res, path)) return;
      if (path.toLowerCase() === EWS_PATH) return ews(req, res);
      if (graph && path.startsWith('/v1.0/')) return graph.handle(req, res);
      if (opts.autodiscover?.handles(path)) {
        const body = (await readBody(req, maxBody)) ?? '';
        return opts.autodiscover.handle(req, res, body, {
          authenticate: (r) => authenticate(auth, header(r.headers.authorization), (r.headers.host ?? '127.0.0.1').replace(/:\d+$/, ''), connectionOf(r.socket), store),
          challenge, record: (e) => stats.record(e), store,
        });
      }
      res.writeHead(404, { 'content-type': 'text/html' }).end(html('404 - File or directory not found.', 'The resource you are looking for might have been removed.'));
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err instanceof Error ? err.stack : err));
    });
  });
  http.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 5000;

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url, ewsUrl: `${url}/EWS/Exchange.asmx`, control, store,
    ...(graphControl ? { graphUrl: url, graph: graphControl } : {}),
    closeIdleConnections: () => http.closeIdleConnections(),
    close: () => new Promise<void>((resolve, reject) => {
      http.closeAllConnections();
      http.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function challenge(res: ServerResponse, values: string[], extra?: { extraHeaders?: Record<string, string>; status?: 403 }): void {
  // A 403 (EWS blocked for the app or mailbox) is empty as Exchange Online sends it (EWS-NOTES §14.3).
  if (extra?.status === 403) res.writeHead(403, { ...extra.extraHeaders, 'content-length': '0' }).end();
  else res.writeHead(401, { ...extra?.extraHeaders, 'www-authenticate': values, 'content-length': '0' }).end();
}
