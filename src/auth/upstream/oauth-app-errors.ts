// EWS refusals that mean something specific with an app-only token (OAUTH-NOTES §5, §7), turned
// into what the admin must change. The transport's generic messages talk about users and
// re-linking; with `oauth-app` there is nobody to re-link, the fix is in Entra or Exchange:
// - 401 even after a fresh token: Entra issued a token without `roles` (no full_access_as_app, or
//   no admin consent) and EWS answers 401 (x-ms-diagnostics 2000008);
// - ErrorImpersonateUserDenied / ErrorAccessDenied: the token is fine but the mailbox lies outside
//   the app's RBAC for Applications / Application Access Policy scope — only that account fails.
// Done as a CalendarSource wrapper so src/exchange stays unaware of deployment kinds.

import { EwsdavError } from '../../errors.js';
import type { UpstreamCalendar, UpstreamRef } from '../../model/index.js';
import type { CalendarSource, FetchResult, SyncOptions, SyncPage } from '../../store/types.js';

export const APP_ROLE_HINT =
  'The app lacks full_access_as_app or admin consent: in Entra ID → App registrations → API permissions add ' +
  '"Office 365 Exchange Online" → Application permissions → full_access_as_app, then "Grant admin consent". ' +
  'Also check that the app id is in EwsAllowedAppIDs (Set-OrganizationConfig) once EWS allow-listing applies.';

const SCOPE_CODES = new Set(['ErrorImpersonateUserDenied', 'ErrorImpersonationDenied', 'ErrorAccessDenied']);

/** Rewrites an EWS error seen with an app-only token; other errors pass unchanged. */
export function appOnlyError(err: unknown, mailbox: string, clientId: string): unknown {
  if (!(err instanceof EwsdavError)) return err;
  if (err.code === 'EWSDAV_ERR_UPSTREAM_AUTH' && err.details['status'] === 401) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `Exchange refused the app token of ${clientId} (HTTP 401, also after a fresh token): the app lacks full_access_as_app or admin consent.`, {
      ...err.details, hint: APP_ROLE_HINT, relink: false,
    }, { cause: err });
  }
  const code = typeof err.details.upstreamCode === 'string' ? err.details.upstreamCode : undefined;
  if (code && SCOPE_CODES.has(code)) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_FORBIDDEN', `The app ${clientId} may not open ${mailbox} (${code}): the mailbox is outside the app's RBAC for Applications / Application Access Policy scope.`, {
      ...err.details,
      hint: `An Exchange admin adds ${mailbox} to the app's scope (the management scope of its "Application EWS.AccessAsApp" role assignment, or the ` +
        `mail-enabled group of its Application Access Policy; check with Test-ServicePrincipalAuthorization or Test-ApplicationAccessPolicy), ` +
        'or removes the account from the ewsdav configuration. Changes can take up to 2 hours to apply.',
    }, { cause: err });
  }
  return err;
}

/** A source whose errors carry app-only advice. */
export class AppOnlySource implements CalendarSource {
  readonly api: CalendarSource['api'];
  readonly mailbox: string;

  constructor(private readonly inner: CalendarSource, private readonly clientId: string) {
    this.api = inner.api;
    this.mailbox = inner.mailbox;
  }

  #map<T>(work: Promise<T>): Promise<T> {
    return work.catch((err: unknown) => {
      throw appOnlyError(err, this.mailbox, this.clientId);
    });
  }

  listCalendars(options?: { signal?: AbortSignal }): Promise<UpstreamCalendar[]> {
    return this.#map(this.inner.listCalendars(options));
  }

  async *changes(calendar: UpstreamCalendar, state: string | undefined, options?: SyncOptions): AsyncIterable<SyncPage> {
    try {
      yield* this.inner.changes(calendar, state, options);
    } catch (err) {
      throw appOnlyError(err, this.mailbox, this.clientId);
    }
  }

  fetchObjects(calendar: UpstreamCalendar, refs: UpstreamRef[], options?: { signal?: AbortSignal }): Promise<FetchResult[]> {
    return this.#map(this.inner.fetchObjects(calendar, refs, options));
  }

  verify(options?: { signal?: AbortSignal }): Promise<{ serverVersion?: string }> {
    return this.#map(this.inner.verify(options));
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
