// Device authorization grant (OAUTH-NOTES §4, §10.8; RFC 8628): POST /devicecode, the user's
// verification page (/devicelogin, pages in signin.ts), and the polling state machine:
// pending → authorization_pending; polled sooner than `interval` → slow_down (interval += 5 s,
// RFC 8628 §3.5; measured between polls, so msal's immediate first poll is fine);
// declined → authorization_declined; unknown → bad_verification_code; past expiry →
// expired_token; approved → tokens once; any later poll → invalid_grant (AADSTS90120).

import { randomBytes, randomInt } from 'node:crypto';
import { checkClient, lookupApp, readClientCredentials } from './client-auth.js';
import type { EntraContext } from './context.js';
import type { App, Tenant, User } from './directory.js';
import { EntraError } from './errors.js';
import { checkUserMayGetTokens } from './grants.js';
import type { Params } from './http.js';
import { b64url } from './jwt.js';
import { expandScopes } from './login.js';
import type { TokenBody, TokenRequest } from './token.js';
import { delegatedTokenResponse } from './token-response.js';
import { type ResourceDef, parseScopes, singleResource } from './scopes.js';

export interface DeviceFlow {
  deviceCode: string;
  userCode: string;
  app: App;
  tenant?: Tenant;
  requested: string[];
  oidc: Set<string>;
  resource?: ResourceDef;
  expiresAt: number;
  /** Current minimum polling interval in seconds (grows on slow_down). */
  interval: number;
  lastPollAt?: number;
  state: 'pending' | 'approved' | 'declined' | 'failed' | 'finished';
  user?: User;
  amr: string[];
  authTime: number;
  failure?: EntraError;
}

// Entra's user codes are 9 characters of A–Z and digits (`FQK5HW3UF`, OAUTH-NOTES §4).
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export class DeviceFlows {
  private readonly byDevice = new Map<string, DeviceFlow>();

  constructor(private readonly ctx: EntraContext) {}

  create(app: App, tenant: Tenant | undefined, requested: string[], oidc: Set<string>, resource: ResourceDef | undefined): DeviceFlow {
    let userCode = '';
    for (let i = 0; i < 9; i++) userCode += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
    const flow: DeviceFlow = {
      deviceCode: `DAQABAAEAAAfake${b64url(randomBytes(96))}`, userCode, app, tenant, requested, oidc, resource,
      expiresAt: this.ctx.clock.now() + this.ctx.config.deviceCodeExpiresInSec * 1000,
      interval: this.ctx.config.deviceCodeIntervalSec, state: 'pending', amr: [], authTime: 0,
    };
    this.byDevice.set(flow.deviceCode, flow);
    return flow;
  }

  byDeviceCode(code: string): DeviceFlow | undefined {
    return this.byDevice.get(code);
  }

  /** The flow a user code names, if it can still be approved. */
  byUserCode(userCode: string): DeviceFlow | undefined {
    const norm = userCode.replace(/[\s-]/g, '').toUpperCase();
    const f = [...this.byDevice.values()].find((x) => x.userCode === norm);
    return f && f.state === 'pending' && f.expiresAt >= this.ctx.clock.now() ? f : undefined;
  }

  approve(flow: DeviceFlow, user: User, amr: string[], authTime: number): void {
    Object.assign(flow, { state: 'approved', user, amr, authTime });
  }

  decline(flow: DeviceFlow): void {
    flow.state = 'declined';
  }

  fail(flow: DeviceFlow, err: EntraError): void {
    Object.assign(flow, { state: 'failed', failure: err });
  }
}

/** POST /{tenant}/oauth2/v2.0/devicecode */
export function startDeviceCode(ctx: EntraContext, tenant: Tenant | undefined, p: Params): Record<string, string | number> {
  const clientId = p.get('client_id');
  if (!clientId) throw EntraError.missing('client_id');
  const app = lookupApp(ctx, clientId, tenant);
  if (!tenant && !app.multiTenant) throw EntraError.of(50194);
  // Device code is a public-client flow: needs "Allow public client flows" (§4 "Registration").
  if (!app.allowPublicClientFlows) throw EntraError.of(7000218);
  const scope = p.get('scope');
  if (!scope) throw EntraError.missing('scope');
  const parsed = parseScopes(scope);
  const requested = expandScopes(parsed, app);
  // Consent covers every resource named; the polled token is for the first (one resource per token).
  const flow = ctx.devices.create(app, tenant, requested, parsed.oidc, parsed.resources[0]);
  const uri = `${ctx.baseUrl}/devicelogin`;
  return {
    user_code: flow.userCode, device_code: flow.deviceCode, verification_uri: uri,
    expires_in: ctx.config.deviceCodeExpiresInSec, interval: flow.interval,
    message: `To sign in, use a web browser to open the page ${uri} and enter the code ${flow.userCode} to authenticate.`,
  };
}

/** grant_type=device_code / urn:ietf:params:oauth:grant-type:device_code */
export function pollDevice(ctx: EntraContext, req: TokenRequest): TokenBody {
  const p = req.params;
  const code = p.get('device_code');
  if (!code) throw EntraError.missing('device_code');
  const creds = readClientCredentials(p, req.authorization);
  const flow = ctx.devices.byDeviceCode(code);
  if (!flow || flow.app.clientId !== creds.clientId.toLowerCase()) throw EntraError.of(70018);
  const client = checkClient(ctx, flow.app, creds, 'public');
  const now = ctx.clock.now();
  if (flow.state === 'finished') throw EntraError.of(90120);
  if ((flow.state === 'pending' || flow.state === 'approved') && now > flow.expiresAt) {
    flow.state = 'finished';
    throw EntraError.of(70019);
  }
  if (flow.state === 'pending') {
    const early = flow.lastPollAt !== undefined && now - flow.lastPollAt < flow.interval * 1000 - ctx.config.slowDownGraceMs;
    flow.lastPollAt = now;
    if (early && ctx.config.slowDown) {
      flow.interval += 5;
      throw EntraError.of(70021);
    }
    throw EntraError.of(70016);
  }
  if (flow.state === 'declined') {
    flow.state = 'finished';
    throw EntraError.of(70020);
  }
  if (flow.state === 'failed') {
    flow.state = 'finished';
    throw flow.failure ?? EntraError.of(70000);
  }
  const user = flow.user;
  if (!user) throw new Error('approved device flow without user');
  flow.state = 'finished';
  checkUserMayGetTokens(user, flow.amr, 'deviceCode');
  const resource = flow.resource ?? singleResource(parseScopes(p.get('scope') ?? ''), p.get('scope') ?? '');
  if (!resource) throw EntraError.of(70011, { detail: 'No resource requested.' });
  const refresh = flow.oidc.has('offline_access')
    ? ctx.grants.issue({ userOid: user.oid, clientId: flow.app.clientId, clientKind: client.kind, amr: flow.amr, authTime: flow.authTime }, user)
    : undefined;
  return delegatedTokenResponse(ctx, {
    user, app: flow.app, amr: flow.amr, appidacr: client.appidacr, resource, oidc: flow.oidc, authTime: flow.authTime,
    clientInfo: p.get('client_info') === '1', refreshToken: refresh,
  });
}
