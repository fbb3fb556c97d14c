// Wires the HTTP side: fastify with proxy trust, request ids, redacted logs, metrics, health and
// readiness, and the front-end plugins. No protocol logic lives here (DESIGN.md).

import { randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { EwsdavError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BridgeMetrics } from '../metrics.js';
import { parsePublicUrl, publicBaseFor, stripPrefix, type PublicBase } from './public-url.js';

export interface ReadinessReport {
  ready: boolean;
  [key: string]: unknown;
}

export interface AppOptions {
  logger: Logger;
  metrics?: BridgeMetrics;
  publicUrl?: string;
  /** Proxies (IPs or CIDRs) whose forwarded headers are honoured. */
  trustProxy?: string[];
  /** Protects /metrics: a bearer token and/or client addresses allowed to scrape. */
  metricsAccess?: { token?: string; allow?: string[] };
  readiness?: () => ReadinessReport | Promise<ReadinessReport>;
  /** Registers the front-ends (CalDAV, feeds, account page) on the instance. */
  plugins?: ((app: FastifyInstance, context: AppContext) => Promise<void> | void)[];
}

export interface AppContext {
  /** The base URL clients see for this request (public URL, or trusted forwarded headers). */
  publicBase(request: FastifyRequest): PublicBase;
}

// The names proxy-addr (and so fastify and config.schema.json) accept for common ranges.
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export function buildBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || isIP(address) === 0) throw new RangeError(`not an IP address or CIDR: ${entry}`);
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

function addressMatches(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
  return list.check(bare, isIP(bare) === 6 ? 'ipv6' : 'ipv4');
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const configuredBase = parsePublicUrl(options.publicUrl);
  const trusted = buildBlockList(options.trustProxy ?? []);
  const prefix = configuredBase?.prefix ?? '/';

  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the generic parameter would otherwise leak into every plugin type.
    loggerInstance: options.logger as FastifyBaseLogger,
    // fastify's own check decides request.protocol/host/ip from X-Forwarded-* for these peers only.
    trustProxy: (address: string) => addressMatches(trusted, address),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    // A proxy may forward /cal/dav/… unchanged; routes live at the root.
    rewriteUrl: (req) => stripPrefix(req.url ?? '/', prefix),
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 500 },
  });

  const context: AppContext = {
    publicBase: (request) => publicBaseFor(request, configuredBase, addressMatches(trusted, request.socket.remoteAddress)),
  };

  // Never a stack trace or an internal path in a response.
  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof EwsdavError) {
      if (error.status >= 500) request.log.warn({ code: error.code, category: error.category }, error.message);
      if (error.retryAfterMs !== undefined) reply.header('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
      return reply.code(error.status).type('text/plain; charset=utf-8').send(`${error.message}\n`);
    }
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).type('text/plain; charset=utf-8').send('Internal error\n');
    }
    const message = error instanceof Error ? error.message.replace(/\s+at .*/gs, '') : 'Bad request';
    return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not found\n'));

  if (options.metrics) {
    const metrics = options.metrics;
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequests.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
    const allow = options.metricsAccess?.allow?.length ? buildBlockList(options.metricsAccess.allow) : undefined;
    const token = options.metricsAccess?.token;
    app.get('/metrics', async (request, reply) => {
      if (allow && !addressMatches(allow, request.socket.remoteAddress)) return reply.code(403).send('Forbidden\n');
      if (token && request.headers.authorization !== `Bearer ${token}`) {
        return reply.code(401).header('WWW-Authenticate', 'Bearer realm="ewsdav metrics"').send('Unauthorized\n');
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = options.readiness ? await options.readiness() : { ready: true };
    return reply.code(report.ready ? 200 : 503).send(report);
  });

  for (const plugin of options.plugins ?? []) await plugin(app, context);
  return app;
}
