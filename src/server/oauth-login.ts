// login.mode "devicePasswords" with exchange.auth "oauth": every linked user's mailbox is synced
// with that user's grant, and calendar apps log in with bridge-issued device passwords. A grant
// Microsoft refuses stops only that account (the engine's 'auth' stop, shown as needs-credentials
// in /readyz) while CalDAV keeps serving its stored data; linking again restarts it.

import type { Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import { DevicePasswordLogin } from '../auth/clients/device-passwords.js';
import type { FailureLimiter } from '../auth/clients/rate-limit.js';
import type { ClientLogin } from '../auth/clients/types.js';
import type { OAuthRuntime } from '../auth/upstream/oauth-config.js';
import type { OAuthAppAuth } from '../auth/upstream/oauth-app.js';
import { normalizeUser } from '../auth/clients/passthrough.js';
import type { SqliteStore } from '../store/sqlite/store.js';
import type { SyncEngine } from '../store/sync/engine.js';
import type { CalendarFilter } from '../store/sync/filter.js';
import type { UpstreamFactory } from './upstream.js';

export interface DevicePasswordModeOptions {
  config: Config;
  store: SqliteStore;
  engine: SyncEngine;
  upstream: UpstreamFactory;
  oauth: OAuthRuntime | undefined;
  limiter: FailureLimiter;
  filters: ReadonlyMap<string, CalendarFilter | undefined>;
}

/** (Re)starts a linked user's sync with a fresh provider (after a link or re-link). */
export async function syncLinkedUser(o: Pick<DevicePasswordModeOptions, 'engine' | 'upstream' | 'oauth' | 'filters'>, user: string): Promise<void> {
  if (!o.oauth) return;
  await o.engine.addAccount(user, o.upstream.sourceWithAuth(user, o.oauth.deployment.provider(user)), o.filters.get(user));
}

export async function devicePasswordLogin(o: DevicePasswordModeOptions): Promise<ClientLogin> {
  if (!o.oauth) {
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `login.mode "devicePasswords" needs exchange.auth "oauth" (found "${o.config.exchange.auth}").`, {
      hint: 'Device passwords stand in for a Microsoft 365 grant; with basic or ntlm use "passthrough" or "accounts".',
    });
  }
  // Every linked account syncs from the start; one that needs a re-link fails its first pass
  // without contacting Microsoft (the provider reads the grant's state) and stays stopped.
  for (const grant of o.store.oauthGrants.list()) await syncLinkedUser(o, grant.user);
  return new DevicePasswordLogin({
    rows: o.store.devicePasswords,
    limiter: o.limiter,
    acceptsUser: (user) => o.store.oauthGrants.get(user) !== undefined,
  });
}

/**
 * login.mode "devicePasswords" with exchange.auth "oauth-app": there is no per-user grant, the
 * admin's `accounts` list is the set of mailboxes. Each syncs from the start with the one shared
 * app token; device passwords (created with `ewsdav device-password create`) are accepted only for
 * those users, so a password row left behind for a removed account opens nothing.
 */
export async function appDevicePasswordLogin(o: Omit<DevicePasswordModeOptions, 'oauth'>, app: OAuthAppAuth): Promise<ClientLogin> {
  const users = new Set(o.config.accounts.map((a) => normalizeUser(a.username)));
  for (const user of users) await o.engine.addAccount(user, o.upstream.sourceWithAuth(user, app), o.filters.get(user));
  return new DevicePasswordLogin({ rows: o.store.devicePasswords, limiter: o.limiter, acceptsUser: (user) => users.has(user) });
}
