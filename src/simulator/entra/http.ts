// Small request/response helpers over node:http: form/JSON bodies, Basic client credentials,
// cookies, and the three answer shapes (JSON, HTML, redirect). No framework: the fake must
// answer exactly as written here, including on malformed input.

import type { IncomingMessage, ServerResponse } from 'node:http';

export type Params = Map<string, string>;

const MAX_BODY = 64 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A form body (what the token endpoint accepts) or, for the test hooks, a JSON object of strings. */
export function parseParams(body: string, contentType: string | undefined): Params {
  const out: Params = new Map();
  if (contentType?.includes('application/json')) {
    const v: unknown = body ? JSON.parse(body) : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out.set(k, String(x));
    }
    return out;
  }
  for (const [k, x] of new URLSearchParams(body)) if (!out.has(k)) out.set(k, x);
  return out;
}

export function queryParams(url: URL): Params {
  const out: Params = new Map();
  for (const [k, v] of url.searchParams) if (!out.has(k)) out.set(k, v);
  return out;
}

/** RFC 6749 §2.3.1: client_id and secret form-url-encoded, then Basic. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
}

export function cookies(cookieHeader: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...NO_STORE, ...headers });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), ...NO_STORE, ...headers });
  res.end(html);
}

export function sendRedirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { location, 'content-length': 0, ...NO_STORE, ...headers });
  res.end();
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
