// JSON batching (`POST /v1.0/$batch`, Microsoft's "Combine multiple HTTP requests using JSON
// batching" and the Outlook throttling limits): up to 20 sub-requests in one round trip, each
// answered as the same URL would be answered directly (routes, $select/$expand, Prefer, errors)
// with the outer request's token, and authorised on its own (a mailbox the token may not read →
// 403 inside, the batch stays 200). Graph dispatches at most 4 sub-requests of a batch at once:
// the batch holds up to 4 of a mailbox's concurrency slots (throttle.ts) while it runs, and its
// sub-requests run in those lanes; a lane that finds the mailbox full answers 429
// ApplicationThrottled inside. Injected throttles apply per sub-request. The latency is the
// outer request's, once. Responses come lane by lane (not request order): clients correlate by id.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mailbox } from '../mailbox/types.js';
import type { GraphPrincipal } from './auth.js';
import type { GraphEndpoint } from './endpoint.js';
import { GraphError, badRequest, errorDocument, sendJson } from './http.js';
import { type ParsedPath, parsePath } from './routes.js';
import { readBody } from '../http-body.js';

/** Most sub-requests one batch may carry. */
export const BATCH_MAX_REQUESTS = 20;
/** Sub-requests of one batch Graph dispatches to Outlook at the same time. */
export const BATCH_PARALLELISM = 4;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
/** Header names as Graph writes them inside a batch response. */
const HEADER_NAMES: Record<string, string> = {
  'retry-after': 'Retry-After', 'preference-applied': 'Preference-Applied', 'www-authenticate': 'WWW-Authenticate', 'request-id': 'request-id',
};

export function isBatchPath(pathname: string): boolean {
  return pathname === '/v1.0/$batch' || pathname === '/v1.0/%24batch';
}

interface Step {
  index: number;
  id: string;
  method: string;
  /** The sub-request as an absolute URL on this server (`…/v1.0/<url>`). */
  url: URL;
  /** As logged: `/v1.0/<url>`. */
  path: string;
  headers: Record<string, string>;
  parsed: ParsedPath;
}

interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const invalid = (message: string): GraphError => badRequest(message);

/** Validates the batch body; throws 400 for anything Graph refuses as a whole. */
export function parseBatch(text: string, origin: string): { steps: Step[]; serial: boolean } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('Invalid batch payload format.');
  }
  const requests = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>).requests : undefined;
  if (!Array.isArray(requests)) throw invalid('Invalid batch payload format: the body needs a "requests" array.');
  if (requests.length === 0) throw invalid('Invalid batch payload format: the batch has no requests.');
  if (requests.length > BATCH_MAX_REQUESTS) throw invalid(`The batch has ${requests.length} requests; at most ${BATCH_MAX_REQUESTS} are allowed.`);
  const seen = new Set<string>();
  const steps: Step[] = [];
  const dependsOn: (string[] | undefined)[] = [];
  requests.forEach((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(`Invalid batch payload format: request ${index} is not an object.`);
    const r = raw as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') throw invalid(`Invalid batch payload format: request ${index} needs a string "id".`);
    if (typeof r.method !== 'string' || r.method === '') throw invalid(`Invalid batch payload format: request '${r.id}' needs a "method".`);
    if (typeof r.url !== 'string' || r.url === '') throw invalid(`Invalid batch payload format: request '${r.id}' needs a "url".`);
    const key = r.id.toLowerCase(); // ids are not case-sensitive
    if (seen.has(key)) throw invalid(`Batch request ids must be unique: '${r.id}' appears more than once.`);
    seen.add(key);
    if (/^[a-z][a-z0-9+.-]*:/i.test(r.url)) throw invalid(`The url of request '${r.id}' must be relative to the service root, e.g. /me/events/{id}.`);
    const headers: Record<string, string> = {};
    if (r.headers !== undefined) {
      if (typeof r.headers !== 'object' || r.headers === null || Array.isArray(r.headers)) throw invalid(`Invalid batch payload format: the headers of request '${r.id}' must be an object.`);
      for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    }
    if (r.dependsOn !== undefined && (!Array.isArray(r.dependsOn) || r.dependsOn.some((d) => typeof d !== 'string'))) {
      throw invalid(`Invalid batch payload format: dependsOn of request '${r.id}' must be an array of ids.`);
    }
    dependsOn.push(r.dependsOn as string[] | undefined);
    const rel = r.url.replace(/^\//, '');
    const url = new URL(`/v1.0/${rel}`, origin);
    steps.push({ index, id: r.id, method: r.method.toUpperCase(), url, path: `/v1.0/${rel}`, headers, parsed: parsePath(url.pathname) });
  });
  for (const deps of dependsOn) {
    for (const d of deps ?? []) if (!seen.has(d.toLowerCase())) throw invalid(`dependsOn names '${d}', which is not a request of this batch.`);
  }
  // Graph accepts a fully parallel batch (no dependsOn) or a fully sequential one (each request
  // depends on the one before it); anything else is refused.
  const declared = dependsOn.filter((d) => d !== undefined && d.length > 0).length;
  if (declared === 0) return { steps, serial: false };
  const chain = dependsOn.every((d, i) => (i === 0
    ? d === undefined || d.length === 0
    : d?.length === 1 && d[0]?.toLowerCase() === steps[i - 1]?.id.toLowerCase()));
  if (!chain) throw invalid('Batch should be either fully sequential or fully parallel.');
  return { steps, serial: true };
}

function graphHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { 'Content-Type': CONTENT_TYPE };
  for (const [k, v] of Object.entries(h)) out[HEADER_NAMES[k] ?? k] = v;
  return out;
}

/** POST /v1.0/$batch. */
export async function handleBatch(g: GraphEndpoint, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { stats, faults, clock, latency } = g.deps;
  const requestId = randomUUID();
  const time = new Date().toISOString();
  let user: string | undefined;
  let mailbox: string | undefined;
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    sendJson(res, status, body, { 'request-id': requestId, ...headers });
    stats.record({ time, method: req.method ?? 'POST', path: req.url ?? '/', operation: 'graph:batch', authScheme: 'Bearer', status, mailbox, user });
  };
  const held: string[] = [];
  try {
    if (req.method !== 'POST') {
      for await (const _ of req) void _;
      throw new GraphError(405, 'BadRequest', `$batch accepts POST only, not ${req.method ?? ''}.`);
    }
    const text = await readBody(req, MAX_BATCH_BYTES);
    if (text === undefined) throw new GraphError(413, 'RequestEntityTooLarge', `A batch body may not exceed ${MAX_BATCH_BYTES} bytes.`);
    // The token is checked once for the whole batch (401 answers the batch); a valid token without
    // a calendar permission reaches every sub-request and is refused there, as direct requests are.
    let principal: GraphPrincipal | undefined;
    let principalError: GraphError | undefined;
    try {
      principal = g.auth.authenticate(header(req.headers.authorization));
      user = principal.upn ?? `app:${principal.appId}`;
    } catch (err) {
      if (!(err instanceof GraphError) || err.status === 401) throw err;
      principalError = err;
    }
    const { steps, serial } = parseBatch(text, url.origin);

    // Each sub-request's mailbox, by the rules of a direct request (errors answer inside).
    const target = new Map<Step, Mailbox | GraphError>();
    for (const s of steps) {
      try {
        if (principalError) throw principalError;
        if (s.method !== 'GET') throw new GraphError(405, 'BadRequest', `The simulator's Graph endpoints are read-only; ${s.method} is not supported.`);
        if (s.parsed.error || !s.parsed.route || !s.parsed.target) throw s.parsed.error ?? badRequest('Invalid request.');
        target.set(s, g.auth.mailboxFor(principal as GraphPrincipal, s.parsed.target));
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        target.set(s, err);
      }
    }
    // Lanes: per mailbox, up to 4 (1 for a sequential batch) of its concurrency slots for the whole batch.
    const perMailbox = new Map<string, Step[]>();
    for (const s of steps) {
      const t = target.get(s);
      if (t && !(t instanceof GraphError)) perMailbox.set(t.smtp, [...(perMailbox.get(t.smtp) ?? []), s]);
    }
    const lane = new Map<Step, number>();
    const lanesHeld = new Map<string, number>();
    for (const [smtp, list] of perMailbox) {
      const wanted = Math.min(serial ? 1 : BATCH_PARALLELISM, list.length);
      let got = 0;
      while (got < wanted && g.throttle.tryEnter(smtp)) {
        got++;
        held.push(smtp);
      }
      lanesHeld.set(smtp, got);
      list.forEach((s, j) => lane.set(s, j % wanted));
    }
    if (perMailbox.size === 1) mailbox = [...perMailbox.keys()][0];

    // One round trip: the latency once, while the lanes are held.
    const extra = faults.take(['latency'], { operation: 'graph:batch', mailbox })?.latencyMs ?? 0;
    if (latency.ms + extra > 0) await new Promise((r) => setTimeout(r, latency.ms + extra));

    // Lane by lane (1, 5, 9, …, 2, 6, …); a sequential batch in request order.
    const order = serial ? steps : [...steps].sort((a, b) => ((lane.get(a) ?? a.index % BATCH_PARALLELISM) - (lane.get(b) ?? b.index % BATCH_PARALLELISM)) || a.index - b.index);
    const responses: SubResponse[] = [];
    let failed = false;
    for (const s of order) {
      const subId = randomUUID();
      let mb: string | undefined;
      let injected: string | undefined;
      let status: number;
      let body: unknown;
      let headers: Record<string, string>;
      try {
        if (serial && failed) throw new GraphError(424, 'FailedDependency', 'The request was not run because a request it depends on failed.');
        const t = target.get(s);
        if (t === undefined || t instanceof GraphError) throw t ?? badRequest('Invalid request.');
        mb = t.smtp;
        const thrown = g.throttle.takeInjected(t.smtp, s.parsed.operation);
        if (thrown) {
          injected = `http${thrown.status}`;
          throw thrown;
        }
        if ((lane.get(s) ?? 0) >= (lanesHeld.get(t.smtp) ?? 0)) {
          injected = 'concurrency';
          throw g.throttle.refuse();
        }
        const out = g.serve(s.parsed.route as NonNullable<ParsedPath['route']>, t, principal as GraphPrincipal, s.url, s.headers.prefer);
        status = 200;
        body = out.body;
        headers = out.headers;
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        status = err.status;
        body = errorDocument(err.code, err.message, clock.now(), subId);
        headers = err.headers;
      }
      if (status >= 400) failed = true;
      responses.push({ id: s.id, status, headers: graphHeaders(headers), body });
      stats.record({
        time, method: s.method, path: s.path, operation: s.parsed.operation, authScheme: 'Bearer', status, mailbox: mb, user, ...(injected ? { injected } : {}),
      });
    }
    answer(200, { responses });
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    answer(err.status, errorDocument(err.code, err.message, clock.now(), requestId), err.headers);
  } finally {
    for (const smtp of held) g.throttle.leave(smtp);
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
