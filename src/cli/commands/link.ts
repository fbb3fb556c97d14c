// `ewsdav link USER [--device-code|--paste]`: link a mailbox to its Microsoft 365 account from the
// command line (the account page does the same in a browser). Device code prints the code and the
// verification URL and waits; paste prints the sign-in URL and reads the address the browser ends
// on from stdin (OAUTH-NOTES §3, §4). Prompts go to stderr so `--json` keeps stdout clean.

import { createInterface } from 'node:readline/promises';
import type { buildConnector } from 'undici';
import { loadConfig } from '../../config/index.js';
import { EwsdavError } from '../../errors.js';
import { createOAuthRuntime } from '../../auth/upstream/oauth-config.js';
import type { PollOptions } from '../../auth/upstream/device-code.js';
import type { LinkResult } from '../../auth/upstream/link.js';
import { SqliteStore } from '../../store/sqlite/store.js';
import { CliError, parseCommandArgs } from '../io.js';

export const LINK_USAGE = `Usage: ewsdav link USER [--device-code|--paste] [--json] [--config FILE]
  --device-code  show a code to enter at Microsoft's device login page (public client only; default then)
  --paste        open a sign-in URL in any browser, then paste the address it ends on (default with a client secret)
`;

export interface LinkDeps {
  env?: NodeJS.ProcessEnv;
  authorityConnect?: buildConnector.BuildOptions;
  out?: (text: string) => void;
  err?: (text: string) => void;
  readLine?: () => Promise<string>;
  poll?: PollOptions;
}

async function stdinLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) if (line.trim()) return line;
    return '';
  } finally {
    rl.close();
  }
}

export async function runLink(args: string[], deps: LinkDeps = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs('link', args, {
    config: { type: 'string' }, 'device-code': { type: 'boolean' }, paste: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  const out = deps.out ?? ((s: string) => process.stdout.write(s));
  const err = deps.err ?? ((s: string) => process.stderr.write(s));
  if (values.help) return out(LINK_USAGE), 0;
  const [user, extra] = positionals;
  if (!user || extra !== undefined) throw new CliError(`link: expected one USER (the mailbox address).\n${LINK_USAGE}`);
  if (values['device-code'] && values.paste) throw new CliError('link: choose --device-code or --paste, not both.');
  const env = deps.env ?? process.env;
  const loaded = await loadConfig({ ...(values.config !== undefined ? { path: values.config } : {}), env });
  if (!loaded) throw new CliError('link needs a configuration: --config FILE or EWSDAV_CONFIG.');
  const { config } = loaded;
  if (config.exchange.auth !== 'oauth') throw new CliError(`link: exchange.auth is "${config.exchange.auth}"; linking needs "oauth" (docs/exchange-online.md).`);

  const store = new SqliteStore({ dataDir: config.store.dataDir });
  const runtime = await createOAuthRuntime(config, { baseDir: loaded.baseDir, env, grants: store.oauthGrants, ...(deps.authorityConnect ? { authorityConnect: deps.authorityConnect } : {}) }).catch((e: unknown) => {
    store.close();
    throw e;
  });
  try {
    const deviceCode = values['device-code'] ?? (!values.paste && !runtime.deployment.confidential);
    let result: LinkResult;
    if (deviceCode) {
      const flow = await runtime.linker.startDeviceCode({ user, ...(deps.poll ? { poll: deps.poll } : {}) });
      err(`To link ${user}, open ${flow.prompt.verificationUri} and enter the code ${flow.prompt.userCode}\n(valid ${Math.round(flow.prompt.expiresInSeconds / 60)} minutes; waiting …)\n`);
      result = await flow.result;
    } else {
      const pending = await runtime.linker.startAuthCode({ user, redirect: 'nativeclient' });
      err(`To link ${user}:\n 1. Open this address in a browser and sign in as ${user}:\n\n${pending.url}\n\n 2. The browser ends on a blank page. Copy the whole address from its address bar and paste it here, then press Enter\n    (valid 10 minutes):\n`);
      result = await runtime.linker.completePaste(await (deps.readLine ?? stdinLine)());
    }
    const expires = result.expiresAt !== undefined ? new Date(result.expiresAt).toISOString() : undefined;
    if (values.json) out(`${JSON.stringify({ user: result.user, tenantId: result.tenantId, relinked: result.relinked, scopes: result.scopes, ...(expires ? { accessTokenExpires: expires } : {}) }, null, 2)}\n`);
    else out(`${result.relinked ? 'Re-linked' : 'Linked'} ${result.user} (tenant ${result.tenantId}). Calendars, URLs and device passwords ${result.relinked ? 'are unchanged' : 'come next: ewsdav device-password create ' + result.user + ' NAME'}.\nA running bridge picks the grant up when the account is synced again (restart it after a re-link).\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof EwsdavError)) throw e;
    err(`✗ ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}  [${e.code}${e.details.upstreamCode ? ` ${String(e.details.upstreamCode)}` : ''}]\n`);
    return 1;
  } finally {
    await runtime.close();
    store.close();
  }
}
