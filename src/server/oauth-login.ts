// login.mode "devicePasswords" with exchange.auth "oauth": every linked user's mailbox is synced
// with that user's grant, and calendar apps log in with bridge-issued device passwords. A grant
// Microsoft refuses stops only that account (the engine's 'auth' stop, shown as needs-credentials
// in /readyz) while CalDAV keeps serving its stored data; linking again restarts it — also when
// the link comes from another process (`ewsdav link` on the same data folder): LinkWatcher below
// notices the renewed grant row every 30 s, and at once when that user's calendar app logs in.

import type { Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import { DevicePasswordLogin } from '../auth/clients/device-passwords.js';
import type { FailureLimiter } from '../auth/clients/rate-limit.js';
import type { ClientLogin, LoginResult } from '../auth/clients/types.js';
import type { Logger } from '../log.js';
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
  logger?: Logger;
}

/** (Re)starts a linked user's sync with a fresh provider (after a link or re-link). */
export async function syncLinkedUser(o: Pick<DevicePasswordModeOptions, 'engine' | 'upstream' | 'oauth' | 'filters'>, user: string): Promise<void> {
  if (!o.oauth) return;
  await o.engine.addAccount(user, o.upstream.sourceWithAuth(user, o.oauth.deployment.provider(user)), o.filters.get(user));
}

/** How often a running bridge looks for grants (re-)linked by another process. */
export const LINK_CHECK_INTERVAL_MS = 30_000;

/**
 * Restarts a user's sync whenever their grant row was (re-)linked since the sync was last
 * started, whoever wrote it: this process (the account page, through onLinked) or another one
 * sharing the data folder (the CLI). The grant's linked_at is the version compared: it changes
 * only on a link, so a refresh or a stop never restarts anything, and a grant that still needs a
 * re-link is never retried (no loop against Microsoft).
 */
export class LinkWatcher {
  /** user → linked_at of the grant the running sync was started with. */
  private readonly startedWith = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: Pick<DevicePasswordModeOptions, 'store' | 'engine' | 'upstream' | 'oauth' | 'filters' | 'logger'>) {}

  /** (Re)starts the user's sync with a fresh provider and remembers which link it runs on. */
  async restart(user: string): Promise<void> {
    const stamp = this.o.store.oauthGrants.stamp(user);
    if (stamp) this.startedWith.set(user, stamp.linkedAt);
    await syncLinkedUser(this.o, user);
  }

  /** Every grant linked since its sync started (or never started here); returns the users restarted. */
  async check(): Promise<string[]> {
    const restarted: string[] = [];
    for (const stamp of this.o.store.oauthGrants.stamps()) {
      if (await this.restartIfRelinked(stamp.user)) restarted.push(stamp.user);
    }
    return restarted;
  }

  /** One user, on a successful client login: a primary-key probe unless the grant was re-linked. */
  async restartIfRelinked(user: string): Promise<boolean> {
    const stamp = this.o.store.oauthGrants.stamp(user);
    if (!stamp || stamp.state !== 'linked' || this.startedWith.get(user) === stamp.linkedAt) return false;
    // Recorded before the await: a concurrent check or login for the same user sees it and skips.
    this.startedWith.set(user, stamp.linkedAt);
    this.o.logger?.info({ user }, 'grant linked by another process: restarting sync');
    await syncLinkedUser(this.o, user);
    return true;
  }

  /** The periodic check; unref'd so it never keeps a process alive on its own. */
  startTimer(intervalMs = LINK_CHECK_INTERVAL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => this.o.logger?.error({ err }, 'checking for re-linked grants failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export async function devicePasswordLogin(o: DevicePasswordModeOptions, watcher: LinkWatcher = new LinkWatcher(o)): Promise<ClientLogin> {
  if (!o.oauth) {
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `login.mode "devicePasswords" needs exchange.auth "oauth" (found "${o.config.exchange.auth}").`, {
      hint: 'Device passwords stand in for a Microsoft 365 grant; with basic or ntlm use "passthrough" or "accounts".',
    });
  }
  // Every linked account syncs from the start; one that needs a re-link fails its first pass
  // without contacting Microsoft (the provider reads the grant's state) and stays stopped.
  for (const grant of o.store.oauthGrants.stamps()) await watcher.restart(grant.user);
  const login = new DevicePasswordLogin({
    rows: o.store.devicePasswords,
    limiter: o.limiter,
    acceptsUser: (user) => o.store.oauthGrants.stamp(user) !== undefined,
  });
  return {
    authenticate: async (user: string, password: string, remoteAddress: string): Promise<LoginResult> => {
      const result = await login.authenticate(user, password, remoteAddress);
      // A user whose app logs in right after `ewsdav link` gets their sync back without waiting
      // for the periodic check. A failed restart must not fail the login: CalDAV serves the store.
      if (result.ok) await watcher.restartIfRelinked(result.user).catch((err: unknown) => o.logger?.error({ err, user: result.user }, 'restarting sync after a re-link failed'));
      return result;
    },
  };
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
