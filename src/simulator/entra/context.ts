// Everything one running fake authority holds, passed to every handler. Records are
// server-side only: codes, refresh grants, device flows, browser sessions, login transactions.

import type { VirtualClock } from './clock.js';
import type { Directory } from './directory.js';
import type { ErrorContext } from './errors.js';
import type { EntraFaults } from './faults.js';
import type { GrantStore } from './grants.js';
import type { DeviceFlows } from './device.js';
import type { Logins } from './login.js';
import type { KeyRing } from './keys.js';
import type { Stats } from './stats.js';

export type RefreshMode = 'entra' | 'strict';

export interface EntraConfig {
  /** Authorization-code lifetime (Entra: about 10 min, OAUTH-NOTES §2.4). */
  codeLifetimeMs: number;
  /** Access-token lifetime; Entra picks 60–90 min at random, the fake a fixed value. */
  accessTokenLifetimeSec: number;
  idTokenLifetimeSec: number;
  /** "entra": the old refresh token stays valid after rotation; "strict": it is revoked (§10.7). */
  refreshMode: RefreshMode;
  /** Refresh-token maximum inactive time (90 days, not configurable in Entra). */
  refreshIdleMs: number;
  deviceCodeExpiresInSec: number;
  deviceCodeIntervalSec: number;
  /** Answer polls that come sooner than `interval` with RFC 8628 `slow_down`. */
  slowDown: boolean;
  /** Tolerance for timer jitter when judging a poll "too early" (ms). */
  slowDownGraceMs: number;
}

export const DEFAULT_CONFIG: EntraConfig = {
  codeLifetimeMs: 10 * 60_000,
  accessTokenLifetimeSec: 4500,
  idTokenLifetimeSec: 3600,
  refreshMode: 'entra',
  refreshIdleMs: 90 * 86_400_000,
  deviceCodeExpiresInSec: 900,
  deviceCodeIntervalSec: 5,
  slowDown: true,
  slowDownGraceMs: 100,
};

export type ClientKind = 'public' | 'confidential';

export interface CodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  tenantId: string;
  userOid: string;
  /** Consented resource scopes the sign-in covered (canonical `resource/Permission`). */
  scopes: string[];
  oidc: string[];
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  nonce?: string;
  amr: string[];
  authTime: number;
  expiresAt: number;
  redeemed: boolean;
}

export interface Session {
  id: string;
  userOid: string;
  amr: string[];
  authTime: number;
}

export interface EntraContext {
  /** `https://127.0.0.1:PORT` (or http in plain mode). */
  baseUrl: string;
  clock: VirtualClock;
  directory: Directory;
  keys: KeyRing;
  config: EntraConfig;
  stats: Stats;
  faults: EntraFaults;
  codes: Map<string, CodeRecord>;
  grants: GrantStore;
  devices: DeviceFlows;
  logins: Logins;
  sessions: Map<string, Session>;
  /** Access tokens' `uti` + `exp` (s), so `expireAllAccessTokens` can mark them expired for verify.ts. */
  issuedUtis: { uti: string; exp: number }[];
  expiredUtis: Set<string>;
}

export function errorContext(ctx: EntraContext, correlationId?: string): ErrorContext {
  return { now: ctx.clock.now(), correlationId, errorUriBase: ctx.baseUrl };
}
