// `ewsdav check` for exchange.auth "oauth-app": get the one app token (client credentials), show
// its expiry, then run the usual EWS checks (verify + list calendars) per configured account with
// impersonation. The token's claims are not read (Microsoft: treat access tokens as opaque,
// OAUTH-NOTES §6): whether the app holds full_access_as_app and which mailboxes it may open is
// what the EWS calls prove, and their failures are explained per account.

import type { buildConnector } from 'undici';
import type { LoadedConfig } from '../../config/index.js';
import { EwsdavError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import { createOAuthAppAuth } from '../../auth/upstream/oauth-app.js';
import { normalizeUser } from '../../auth/clients/passthrough.js';
import { UpstreamFactory } from '../../server/upstream.js';
import { CliError } from '../io.js';
import { errorJson, formatNotice, probeSource, upstreamNotice, type ErrorJson, type UpstreamNotice } from './check-probe.js';


export interface AppCheckResult {
  user: string;
  ok: boolean;
  serverVersion?: string;
  calendars?: { name: string; kind: string; readOnly: boolean }[];
  error?: ErrorJson;
}

export interface AppCheckReport {
  exchange: { url?: string; auth: 'oauth-app'; api: UpstreamNotice['api']; endpoint: string };
  warnings: string[];
  app: { clientId: string; scope: string; ok: boolean; tokenExpires?: string; roles: string; error?: ErrorJson };
  accounts: AppCheckResult[];
}

export async function checkOAuthApp(
  loaded: LoadedConfig,
  options: { user?: string; json?: boolean },
  deps: { env?: NodeJS.ProcessEnv; connect?: buildConnector.BuildOptions | buildConnector.connector; authorityConnect?: buildConnector.BuildOptions; out?: (text: string) => void },
): Promise<number> {
  const { config } = loaded;
  const out = deps.out ?? ((text: string) => process.stdout.write(text));
  const users = options.user !== undefined
    ? [config.accounts.find((a) => a.id === options.user!.toLowerCase())?.username ?? options.user]
    : config.accounts.map((a) => a.username);
  if (users.length === 0) throw new CliError('no accounts in the configuration: list the mailboxes under "accounts" or name one with --user.', 1);

  const auth = await createOAuthAppAuth(config, { baseDir: loaded.baseDir, ...(deps.env ? { env: deps.env } : {}), ...(deps.authorityConnect ? { authorityConnect: deps.authorityConnect } : {}) });
  const factory = new UpstreamFactory({ config, logger: silentLogger(), ...(deps.connect ? { connect: deps.connect } : {}) });
  const notice = upstreamNotice(config);
  const report: AppCheckReport = {
    exchange: { ...(config.exchange.url ? { url: config.exchange.url } : {}), auth: 'oauth-app', api: notice.api, endpoint: notice.endpoint },
    warnings: notice.warnings,
    app: { clientId: auth.clientId, scope: auth.scope, ok: false, roles: 'not read from the token (opaque); the EWS checks below prove full_access_as_app' },
    accounts: [],
  };
  try {
    try {
      const info = await auth.tokenInfo();
      Object.assign(report.app, { ok: true, tokenExpires: info.expiresOn.toISOString() });
    } catch (e) {
      if (!(e instanceof EwsdavError)) throw e;
      report.app.error = errorJson(e);
    }
    // Without a token no EWS call can succeed: one explanation beats one failure per account.
    if (report.app.ok) {
      for (const username of users) {
        const user = normalizeUser(username);
        const r: AppCheckResult = { user, ok: false };
        Object.assign(r, await probeSource(factory.sourceWithAuth(user, auth)));
        report.accounts.push(r);
      }
    }
  } finally {
    await factory.close();
    await auth.close();
  }

  if (options.json) out(`${JSON.stringify(report, null, 2)}\n`);
  else out(formatText(report));
  return report.app.ok && report.accounts.every((r) => r.ok) ? 0 : 1;
}

function formatText(report: AppCheckReport): string {
  const { app } = report;
  const lines = formatNotice({ api: report.exchange.api, endpoint: report.exchange.endpoint, warnings: report.warnings }, 'oauth-app');
  if (app.ok) lines.push(`✓ app ${app.clientId}: token for ${app.scope} until ${app.tokenExpires ?? '?'}`, `    roles: ${app.roles}`);
  else lines.push(`✗ app ${app.clientId}: ${app.error?.message ?? 'no token'}`, ...(app.error?.hint ? [`    ${app.error.hint}`] : []), `    [${app.error?.code ?? ''}]`);
  lines.push('');
  for (const r of report.accounts) {
    if (r.ok) {
      lines.push(`✓ ${r.user}: impersonation works — ${r.serverVersion ?? 'unknown server version'}`);
      for (const c of r.calendars ?? []) lines.push(`    ${c.name}${c.kind !== 'secondary' ? `  (${c.kind})` : ''}${c.readOnly ? '  (read-only)' : ''}`);
    } else {
      lines.push(`✗ ${r.user}: ${r.error?.message ?? ''}`, ...(r.error?.hint ? [`    ${r.error.hint}`] : []), `    [${r.error?.code ?? ''}]`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
