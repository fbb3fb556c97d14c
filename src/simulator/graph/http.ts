// Graph's HTTP conventions for the simulator: JSON error bodies
// (`{"error":{"code","message","innerError"}}`), ids in URL-safe base64 (EWS `+` → `_`,
// `/` → `-`; graph-contract.md "Ids"), the Prefer header and Preference-Applied, the date-time
// formats of the event resource. Nothing here knows the mailbox model.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export const badRequest = (message: string, code = 'BadRequest'): GraphError => new GraphError(400, code, message);
export const notFound = (): GraphError => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
export const malformedId = (): GraphError => new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');

/** Graph's error document; innerError carries the request ids Graph adds to every error. */
export function errorDocument(code: string, message: string, now: number, requestId: string): unknown {
  return {
    error: {
      code, message,
      innerError: { date: new Date(now).toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': requestId },
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'request-id': headers['request-id'] ?? randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** EWS id → Graph (REST) id. */
export function toGraphId(ewsId: string): string {
  return ewsId.replace(/\+/g, '_').replace(/\//g, '-');
}

/**
 * Graph (REST) id → EWS id, or undefined when it is not in the URL-safe form. An EWS-form id
 * (with `+`) is refused: Graph hands out only URL-safe ids, and a client sending EWS ids has a bug
 * (translateExchangeIds exists for that).
 */
export function fromGraphId(graphId: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(graphId)) return undefined;
  return graphId.replace(/_/g, '+').replace(/-/g, '/');
}

export interface Preferences {
  maxPageSize?: number;
  /** As the client named it (Windows or IANA), echoed in start/end timeZone. */
  timeZone?: string;
  bodyType?: 'text' | 'html';
  idType?: 'ImmutableId' | 'RestId';
}

/** Splits `a="x, y", b=1` on commas outside quotes, over every Prefer header line. */
function preferTokens(header: string | string[] | undefined): string[] {
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [header];
  const out: string[] = [];
  for (const line of lines) {
    let cur = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      if (ch === ',' && !quoted) {
        out.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    if (cur.trim()) out.push(cur.trim());
  }
  return out;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const p: Preferences = {};
  for (const token of preferTokens(header)) {
    const m = /^([\w.-]+)\s*=\s*(?:"([^"]*)"|(\S+))$/.exec(token);
    if (!m) continue; // Unknown preferences are ignored, as RFC 7240 asks.
    const name = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? m[3] ?? '';
    if (name === 'odata.maxpagesize') {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) p.maxPageSize = n;
    } else if (name === 'outlook.timezone') {
      p.timeZone = value;
    } else if (name === 'outlook.body-content-type') {
      const v = value.toLowerCase();
      if (v === 'text' || v === 'html') p.bodyType = v;
    } else if (name === 'idtype') {
      if (value === 'ImmutableId' || value === 'RestId') p.idType = value;
    }
  }
  return p;
}

/** The Preference-Applied value for what a response honoured. */
export function preferenceApplied(p: Preferences, maxPageSizeApplied: number | undefined): string | undefined {
  const parts: string[] = [];
  if (maxPageSizeApplied !== undefined) parts.push(`odata.maxpagesize=${maxPageSizeApplied}`);
  if (p.timeZone !== undefined) parts.push(`outlook.timezone="${p.timeZone}"`);
  if (p.bodyType !== undefined) parts.push(`outlook.body-content-type="${p.bodyType}"`);
  if (p.idType !== undefined) parts.push(`IdType="${p.idType}"`);
  return parts.length ? parts.join(', ') : undefined;
}

/** `2026-03-02T08:00:00.0000000` — the event resource's dateTimeTimeZone.dateTime. */
export function wallClock(localMs: number): string {
  return `${new Date(Math.floor(localMs / 1000) * 1000).toISOString().slice(0, 19)}.0000000`;
}

/** `2026-03-02T08:00:00.1230000Z` — createdDateTime / lastModifiedDateTime (7 fraction digits). */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** `2026-03-02T08:00:00Z` — originalStart. */
export function utcSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
