// startEntra(): the fake Microsoft Entra ID authority on 127.0.0.1 — https with a throwaway
// test CA by default (msal-node refuses http authorities, OAUTH-NOTES §9), plain http for quick
// unit tests. Routes protocol endpoints (§1), sign-in pages, test hooks and /_entra control.

import { type IncomingMessage, type ServerResponse, createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { VirtualClock } from './clock.js';
import { type EntraConfig, type EntraContext, DEFAULT_CONFIG } from './context.js';
import { EntraControl } from './control.js';
import { controlHttp } from './control-http.js';
import { CONTOSO, defaultDirectory } from './default-directory.js';
import { Directory } from './directory.js';
import { EntraFaults } from './faults.js';
import { GrantStore } from './grants.js';
import { KeyRing } from './keys.js';
import { Logins } from './login.js';
import { DeviceFlows } from './device.js';
import { route } from './routes.js';
import { Stats } from './stats.js';
import { type TlsMaterial, createTlsMaterial } from './tls.js';
import type { DirectorySpec } from './types.js';
import type { EntraTrust } from './verify.js';
import { readBody, sendJson } from './http.js';

export interface EntraOptions {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** https with a generated test CA (default true); false = plain http for unit tests. */
  tls?: boolean;
  /** The directory (default: defaultDirectory(), see default-directory.ts). */
  directory?: DirectorySpec;
  /** Lifetimes, refresh mode, device-code interval … (defaults in context.ts). */
  config?: Partial<EntraConfig>;
}

export interface EntraAuthority {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** The first tenant's GUID and initial domain. */
  tenantId: string;
  tenantDomain: string;
  /** `${url}/${tenantId}`: the msal `authority`. */
  authority: string;
  /** `127.0.0.1:PORT`, for msal's `knownAuthorities`. */
  knownAuthority: string;
  /** PEM of the test CA (empty in http mode); pass as undici `connect.ca`. */
  caCertPem: string;
  /** The CA written to a temp file, for NODE_EXTRA_CA_CERTS of child processes (empty in http mode). */
  caCertPath: string;
  control: EntraControl;
  /** Live trust source for verify.ts (keys, tenants, virtual clock, expired tokens). */
  trust: EntraTrust;
  /** msal `authorityMetadata` JSON for a tenant (skips discovery, §9). */
  authorityMetadata(tenant?: string): string;
  close(): Promise<void>;
}

export async function startEntra(opts: EntraOptions = {}): Promise<EntraAuthority> {
  const clock = new VirtualClock();
  const useTls = opts.tls ?? true;
  const tls: TlsMaterial | undefined = useTls ? createTlsMaterial(clock.now()) : undefined;
  const ctx = {
    baseUrl: '', clock, directory: new Directory(opts.directory ?? defaultDirectory()), keys: new KeyRing(() => clock.now()),
    config: { ...DEFAULT_CONFIG, ...opts.config }, stats: new Stats(), faults: new EntraFaults(),
    codes: new Map(), sessions: new Map(), issuedUtis: [], expiredUtis: new Set(),
  } as Omit<EntraContext, 'grants' | 'devices' | 'logins'> as EntraContext;
  ctx.grants = new GrantStore(ctx);
  ctx.devices = new DeviceFlows(ctx);
  ctx.logins = new Logins(ctx);
  const control = new EntraControl(ctx);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(ctx, control, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  };
  const server = tls ? createHttps({ key: tls.key, cert: tls.cert }, handler) : createHttp(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.baseUrl = `${useTls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const first = ctx.directory.tenants[0];
  if (!first) throw new Error('the directory needs a tenant');

  return {
    url: ctx.baseUrl,
    tenantId: first.id,
    tenantDomain: first.domains[0] ?? CONTOSO.domain,
    authority: `${ctx.baseUrl}/${first.id}`,
    knownAuthority: `127.0.0.1:${port}`,
    caCertPem: tls?.caCertPem ?? '',
    caCertPath: tls?.caCertPath ?? '',
    control,
    trust: {
      keyForKid: (kid) => ctx.keys.byKid(kid)?.publicKey,
      knownTenant: (tid) => ctx.directory.tenantById(tid) !== undefined,
      now: () => clock.now(),
      isExpiredUti: (uti) => ctx.expiredUtis.has(uti),
    },
    authorityMetadata(tenant = first.id) {
      const base = `${ctx.baseUrl}/${tenant}`;
      return JSON.stringify({
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`, token_endpoint: `${base}/oauth2/v2.0/token`,
        issuer: `${base}/v2.0`, jwks_uri: `${base}/discovery/v2.0/keys`, end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      tls?.dispose();
    },
  };
}

async function handle(ctx: EntraContext, control: EntraControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.baseUrl);
  const method = req.method ?? 'GET';
  const body = method === 'POST' ? await readBody(req) : '';
  if (url.pathname.startsWith('/_entra/')) {
    const r = controlHttp(control, method, url.pathname.slice('/_entra/'.length), body);
    sendJson(res, r.status, r.body);
    return;
  }
  const out = route(ctx, { method, url, body, headers: req.headers });
  if (out.fault) {
    ctx.stats.fault();
    if (out.fault.kind === 'slow') await sleep(out.fault.delayMs ?? 200);
  }
  const r = out.reply;
  ctx.stats.record({
    at: ctx.clock.now(), method, path: url.pathname, endpoint: out.endpoint, status: r.status,
    grantType: out.grantType, clientId: out.clientId, error: r.error?.error, aadsts: r.error?.code,
  });
  const headers = r.headers ?? {};
  if (r.location !== undefined) {
    res.writeHead(r.status, { location: r.location, 'content-length': 0, 'cache-control': 'no-store', ...headers });
    res.end();
  } else if (r.html !== undefined) {
    res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(r.html);
  } else {
    sendJson(res, r.status, r.json ?? {}, headers);
  }
}
