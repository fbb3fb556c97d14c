// Where clients see the bridge. A configured server.publicUrl wins; otherwise the request's own
// host, corrected by X-Forwarded-*/Forwarded headers only when fastify's trustProxy says the peer
// is a trusted proxy (request.protocol/host already honour that; X-Forwarded-Prefix we check here).

import type { FastifyRequest } from 'fastify';

export interface PublicBase {
  /** 'https://cal.example.org' */
  origin: string;
  /** Path prefix with leading and trailing slash: '/' or '/cal/'. */
  prefix: string;
}

export function normalizePrefix(path: string | undefined): string {
  if (!path) return '/';
  const trimmed = path.replace(/\/+$/, '').replace(/^\/*/, '/');
  return trimmed === '/' ? '/' : `${trimmed}/`;
}

export function parsePublicUrl(publicUrl: string | undefined): PublicBase | undefined {
  if (!publicUrl) return undefined;
  const url = new URL(publicUrl);
  return { origin: url.origin, prefix: normalizePrefix(url.pathname) };
}

/**
 * The public base for one request. `isTrustedPeer` is fastify's trust function for the socket
 * address: forwarded headers from anyone else are ignored (issue: the same headers sent directly
 * from an untrusted address must change nothing).
 */
export function publicBaseFor(request: FastifyRequest, configured: PublicBase | undefined, isTrustedPeer: boolean): PublicBase {
  if (configured) return configured;
  const origin = `${request.protocol}://${request.host}`;
  if (!isTrustedPeer) return { origin, prefix: '/' };
  const forwardedPrefix = request.headers['x-forwarded-prefix'];
  const prefix = typeof forwardedPrefix === 'string' && /^\/[\w\-./~%]*$/.test(forwardedPrefix) ? forwardedPrefix : undefined;
  return { origin, prefix: normalizePrefix(prefix) };
}

/** Strip the public prefix when a proxy forwards the path unchanged (`proxy_pass http://bridge;`). */
export function stripPrefix(url: string, prefix: string): string {
  if (prefix === '/') return url;
  const bare = prefix.slice(0, -1);
  if (url === bare) return '/';
  if (url.startsWith(prefix)) return url.slice(bare.length);
  return url;
}
