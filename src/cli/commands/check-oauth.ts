// `ewsdav check` for exchange.auth "oauth": per linked user the grant's state, access-token
// expiry and scopes, then the EWS checks (verify + list calendars) with that user's token.

import type { buildConnector } from 'undici';
import type { LoadedConfig } from '../../config/index.js';
import { silentLogger } from '../../log.js';
import { createOAuthRuntime } from '../../auth/upstream/oauth-config.js';
import { UpstreamFactory } from '../../server/upstream.js';
import { SqliteStore } from '../../store/sqlite/store.js';
import { CliError } from '../io.js';
import { formatNotice, probeSource, upstreamNotice } from './check-probe.js';

export interface OAuthCheckResult {
  user: string;
  ok: boolean;
  grant: { state: string; reason?: string; accessTokenExpires?: string; scopes: string[]; linkedAt: string };
  serverVersion?: string;
  calendars?: { name: string; kind: string; readOnly: boolean }[];
  error?: { code: string; category: string; message: string; hint?: string };
}

export async function checkOAuth(
  loaded: LoadedConfig,
  options: { user?: string; json?: boolean },
  deps: { env?: NodeJS.ProcessEnv; connect?: buildConnector.BuildOptions | buildConnector.connector; authorityConnect?: buildConnector.BuildOptions; out?: (text: string) => void },
): Promise<number> {
  const { config } = loaded;
  const out = deps.out ?? ((text: string) => process.stdout.write(text));
  const store = new SqliteStore({ dataDir: config.store.dataDir });
  const factory = new UpstreamFactory({ config, logger: silentLogger(), ...(deps.connect ? { connect: deps.connect } : {}) });
  const results: OAuthCheckResult[] = [];
  try {
    const runtime = await createOAuthRuntime(config, { baseDir: loaded.baseDir, grants: store.oauthGrants, ...(deps.env ? { env: deps.env } : {}), ...(deps.authorityConnect ? { authorityConnect: deps.authorityConnect } : {}) });
    try {
      const grants = options.user ? [store.oauthGrants.get(options.user.toLowerCase())].filter((g) => g !== undefined) : store.oauthGrants.list();
      if (grants.length === 0) throw new CliError(options.user ? `${options.user} is not linked: run ewsdav link ${options.user}` : 'no linked accounts: run ewsdav link USER', 1);
      for (const g of grants) {
        const r: OAuthCheckResult = {
          user: g.user, ok: false,
          grant: { state: g.state, ...(g.reason ? { reason: g.reason } : {}), ...(g.expiresAt !== undefined ? { accessTokenExpires: new Date(g.expiresAt).toISOString() } : {}), scopes: g.scopes, linkedAt: new Date(g.linkedAt).toISOString() },
        };
        Object.assign(r, await probeSource(factory.sourceWithAuth(g.user, runtime.deployment.provider(g.user))));
        results.push(r);
      }
    } finally {
      await runtime.close();
    }
  } finally {
    await factory.close();
    store.close();
  }
  const notice = upstreamNotice(config);
  if (options.json) out(`${JSON.stringify({ exchange: { url: config.exchange.url, auth: 'oauth', api: notice.api, endpoint: notice.endpoint }, warnings: notice.warnings, accounts: results }, null, 2)}\n`);
  else {
    const lines: string[] = formatNotice(notice, 'oauth');
    for (const r of results) {
      lines.push(`${r.ok ? '✓' : '✗'} ${r.user}: grant ${r.grant.state}${r.grant.reason ? ` (${r.grant.reason})` : ''}, token until ${r.grant.accessTokenExpires ?? '?'}, scopes ${r.grant.scopes.join(' ')}`);
      if (r.ok) for (const c of r.calendars ?? []) lines.push(`    ${c.name}${c.kind !== 'secondary' ? `  (${c.kind})` : ''}`);
      else lines.push(`    ${r.error?.message ?? ''}`, ...(r.error?.hint ? [`    ${r.error.hint}`] : []), `    [${r.error?.code ?? ''}]`);
      lines.push('');
    }
    out(lines.join('\n'));
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
