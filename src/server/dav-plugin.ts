// Fastify adapter for src/dav: registers the DAV methods and routes of DESIGN.md's URL contract,
// turns a fastify request into a DavRequest (authenticated user, path below the public base,
// raw body within 1 MB) and sends the DavResponse. No protocol logic lives here.
// Register it without fastify-plugin: its body parser and error handler stay encapsulated.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DavErrors, type DavError } from '../dav/errors.js';
import { errorResponse, handleDav } from '../dav/dispatch.js';
import { BODY_METHODS, routedMethods } from '../dav/methods.js';
import { parseDepthHeader } from '../dav/request.js';
import type { DavDeps, DavLogger, DavRequest, DavResponse } from '../dav/types.js';
import { MAX_BODY_BYTES } from '../dav/xml-parse.js';
import type { CalendarStore, RefreshSupport } from '../store/types.js';
import { EwsdavError } from '../errors.js';

export interface DavPluginOptions {
  store: CalendarStore;
  refresh?: RefreshSupport;
  /** The public base path: '/' or '/cal/' (leading and trailing slash). Used for hrefs only. */
  basePath: string;
  /**
   * The base path for one request, when it varies (X-Forwarded-Prefix from a trusted proxy).
   * Routes always live at the server root: the app strips a forwarded prefix before routing.
   */
  basePathFor?: (request: FastifyRequest) => string;
  /** The login name of the request's user, or undefined (→ 401). Login itself is not ours. */
  authenticate: (request: FastifyRequest) => Promise<string | undefined>;
  /** Realm of the Basic challenge. */
  realm?: string;
}

const users = new WeakMap<FastifyRequest, string>();

function normalizeBase(basePath: string): string {
  const withLead = basePath.startsWith('/') ? basePath : `/${basePath}`;
  return withLead.endsWith('/') ? withLead : `${withLead}/`;
}

function headerMap(request: FastifyRequest): Record<string, string | undefined> {
  // Node's parser already lower-cases header names; only repeated headers need joining.
  const out: Record<string, string | undefined> = {};
  const headers = request.headers;
  for (const k in headers) {
    const v = headers[k];
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function send(reply: FastifyReply, res: DavResponse): FastifyReply {
  reply.code(res.status);
  for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
  return res.body === undefined ? reply.send() : reply.send(res.body);
}

/** Fastify's own errors on our routes (body too large, bad media type) in the DAV error form. */
function davErrorFor(err: FastifyError): DavError | undefined {
  switch (err.statusCode) {
    case 413:
      return DavErrors.tooLarge();
    case 415:
      return DavErrors.unsupportedMedia();
    case 400:
      return DavErrors.badRequest('The request could not be read.');
    default:
      return undefined;
  }
}

function registerMethods(app: FastifyInstance): void {
  const known = new Set(app.supportedMethods);
  for (const method of routedMethods()) {
    if (!known.has(method)) app.addHttpMethod(method, { hasBody: BODY_METHODS.has(method) });
  }
}

export async function davPlugin(app: FastifyInstance, options: DavPluginOptions): Promise<void> {
  const base = normalizeBase(options.basePath);
  const realm = options.realm ?? 'ewsdav';
  const log: DavLogger = { warn: (obj, msg) => app.log.warn(obj, msg) };
  const deps: DavDeps = { store: options.store, basePath: base, log, ...(options.refresh ? { refresh: options.refresh } : {}) };
  registerMethods(app);

  // Every body arrives raw: DAV bodies are XML under many content types (text/xml,
  // application/xml, none at all from some clients), and src/dav parses them itself.
  app.removeAllContentTypeParsers();
  const raw = (_req: FastifyRequest, body: Buffer | string, done: (err: null, body: Buffer | string) => void): void => done(null, body);
  // The usual types named too: fastify caches the parser it found per Content-Type header only
  // for named types, and would otherwise re-parse the header of every request to reach '*'.
  app.addContentTypeParser(['application/xml', 'text/xml', 'text/calendar'], { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, raw);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, raw);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const dav = davErrorFor(err);
    if (!dav) request.log.error({ err }, 'DAV route failed');
    const res = dav ? errorResponse(dav) : errorResponse(DavErrors.badRequest('The request failed.'));
    return send(reply, dav ? res : { ...res, status: 500 });
  });

  const davRoute = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const url = request.raw.url ?? '/';
    const path = url.split('?')[0] || '/';
    const requestBase = options.basePathFor ? normalizeBase(options.basePathFor(request)) : base;
    const req: DavRequest = {
      method: request.method,
      path,
      depth: parseDepthHeader(request.headers.depth as string | undefined),
      headers: headerMap(request),
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      user: users.get(request),
    };
    return send(reply, await handleDav(req, requestBase === base ? deps : { ...deps, basePath: requestBase }));
  };

  // Authentication before the body is read: an anonymous client cannot make us buffer 1 MB.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS') return; // capabilities only; some clients probe anonymously
    let user: string | undefined;
    try {
      user = await options.authenticate(request);
    } catch (error) {
      // Login refused for a reason other than bad credentials: rate limited (429) or Exchange
      // unreachable for a user the bridge cannot verify offline (503). Both say when to retry.
      if (!(error instanceof EwsdavError)) throw error;
      const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
      if (error.retryAfterMs !== undefined) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
      return send(reply, { status: error.status, headers, body: `${error.message}\n` });
    }
    if (user === undefined) {
      const res = errorResponse(DavErrors.needPrivileges());
      return send(reply, { ...res, status: 401, headers: { ...res.headers, 'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"` } });
    }
    users.set(request, user);
    return undefined;
  });

  const methods = routedMethods();
  for (const url of ['/dav', '/dav/*']) app.route({ method: methods, url, exposeHeadRoute: false, handler: davRoute });
  // RFC 5397 discovery from the bare server URL: PROPFIND on the base answers current-user-principal.
  app.route({ method: ['PROPFIND', 'OPTIONS'], url: '/', handler: davRoute });
}

/**
 * RFC 6764 §5: /.well-known/caldav → the context path. Registered apart from davPlugin because it
 * answers without login and, behind a prefix, also at the host root a proxy may forward.
 */
export async function davWellKnownPlugin(app: FastifyInstance, options: Pick<DavPluginOptions, 'basePath' | 'basePathFor'>): Promise<void> {
  const base = normalizeBase(options.basePath);
  const known = new Set(app.supportedMethods);
  for (const method of routedMethods()) if (!known.has(method)) app.addHttpMethod(method, { hasBody: BODY_METHODS.has(method) });
  // iOS sends its PROPFIND body (text/xml) to the well-known URL: accept and ignore any body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, _body, done) => done(null, undefined));
  app.route({
    method: routedMethods(),
    url: '/.well-known/caldav',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const target = options.basePathFor ? normalizeBase(options.basePathFor(request)) : base;
      return reply.code(301).header('Location', `${target}dav/`).header('Cache-Control', 'no-cache').send('');
    },
  });
}

/** Both parts for a server that wants the whole CalDAV front-end in one call. */
export async function registerDav(app: FastifyInstance, options: DavPluginOptions): Promise<void> {
  await app.register(davWellKnownPlugin, { basePath: options.basePath, ...(options.basePathFor ? { basePathFor: options.basePathFor } : {}) });
  await app.register(davPlugin, options);
}
