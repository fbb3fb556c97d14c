// HTTP details of serving a feed: validators, conditional requests, content coding and the
// download name (RFC 9110 §8.8, §13; RFC 6266). No fastify here, so each rule is tested alone.

import { createHash } from 'node:crypto';

/** Strong ETag of the identity bytes (RFC 9110 §8.8.3): the same feed text, the same tag. */
export function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/**
 * The gzip representation has different bytes, so a strong tag of its own (Apache's `-gzip`
 * suffix); both tags name the same feed text for If-None-Match.
 */
export function gzipEtag(etag: string): string {
  return `${etag.slice(0, -1)}-gzip"`;
}

/** RFC 9110 §13.1.2: If-None-Match uses weak comparison; `*` matches any current representation. */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = etag.slice(1, -1);
  for (const part of header.split(',')) {
    const tag = part.trim().replace(/^W\//, '');
    if (tag === '*') return true;
    const value = tag.replace(/^"|"$/g, '');
    if (value === bare || value === `${bare}-gzip`) return true;
  }
  return false;
}

/** RFC 9110 §12.5.3: gzip (or its alias x-gzip, or `*`) listed with a quality above zero. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star: boolean | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const ok = q === undefined || Number(q.slice(2)) > 0;
    if (coding.trim() === 'gzip' || coding.trim() === 'x-gzip') return ok;
    if (coding.trim() === '*') star = ok;
  }
  return star ?? false;
}

/**
 * `inline; filename="Work.ics"` (RFC 6266 §4.3): an ASCII fallback for old clients and the
 * exact UTF-8 name as filename* (RFC 8187); quotes, slashes and control characters never pass.
 */
export function contentDisposition(calendarName: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = calendarName.replace(/[\u0000-\u001f\u007f/\\]/g, ' ').trim() || 'calendar';
  const ascii = clean.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["%;]/g, '').replace(/\s+/g, ' ').trim() || 'calendar';
  const encoded = encodeURIComponent(`${clean}.ics`).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const header = `inline; filename="${ascii}.ics"`;
  return ascii === clean ? header : `${header}; filename*=UTF-8''${encoded}`;
}
