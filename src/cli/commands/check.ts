// `ewsdav check`: prove the login and list the calendars, per account, with a diagnosis a user can
// act on when it fails (EWS-NOTES §1.3: 401 vs 403 vs network). Never retries a 401.

import type { buildConnector } from 'undici';
import { loadConfig, resolveSecret, type AccountConfig, type Config } from '../../config/index.js';
import { silentLogger } from '../../log.js';
import { UpstreamFactory } from '../../server/upstream.js';
import type { AutodiscoverStep } from '../../exchange/autodiscover.js';
import { formatNotice, probeSource, upstreamNotice, type ProbeResult, type UpstreamNotice } from './check-probe.js';
import { CliError, parseCommandArgs, printJson, promptPassword } from '../io.js';

export interface CheckDeps {
  env?: NodeJS.ProcessEnv;
  /** Upstream connect options or a connector (tests resolve host names, and ports, to loopback). */
  connect?: buildConnector.BuildOptions | buildConnector.connector;
  /** exchange.auth "oauth": connect options for the authority (a private CA). */
  authorityConnect?: buildConnector.BuildOptions;
  out?: (text: string) => void;
  prompt?: (question: string) => Promise<string>;
}

export interface CheckResult extends ProbeResult {
  user: string;
}

export async function runCheck(args: string[], deps: CheckDeps = {}): Promise<number> {
  const { values } = parseCommandArgs('check', args, { config: { type: 'string' }, user: { type: 'string' }, json: { type: 'boolean', default: false } });
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((text: string) => process.stdout.write(text));
  const loaded = await loadConfig({ ...(values.config !== undefined ? { path: values.config } : {}), env });
  if (!loaded) throw new CliError('check needs a configuration: --config FILE or EWSDAV_CONFIG.');
  const { config } = loaded;
  if (config.exchange.auth === 'oauth') {
    return (await import('./check-oauth.js')).checkOAuth(loaded, { ...(values.user !== undefined ? { user: values.user } : {}), json: values.json === true }, deps);
  }
  if (config.exchange.auth === 'oauth-app') {
    return (await import('./check-oauth-app.js')).checkOAuthApp(loaded, { ...(values.user !== undefined ? { user: values.user } : {}), json: values.json === true }, deps);
  }

  const targets = selectAccounts(config, values.user);
  const factory = new UpstreamFactory({ config, logger: silentLogger(), ...(deps.connect ? { connect: deps.connect } : {}) });
  const results: CheckResult[] = [];
  try {
    for (const target of targets) {
      const password = target.account?.password
        ? await resolveSecret(target.account.password, { baseDir: loaded.baseDir, env, path: `accounts[${target.index}].password` })
        : (env['EWSDAV_PASSWORD'] ?? (values.json ? undefined : await (deps.prompt ?? promptPassword)(`Password for ${target.username}: `)));
      if (!password) throw new CliError(`no password for ${target.username}: set EWSDAV_PASSWORD (or run without --json to be asked).`);
      results.push(await checkOne(factory, target.username, password));
    }
  } finally {
    await factory.close();
  }

  const notice = upstreamNotice(config);
  if (values.json) printJsonTo(out, { exchange: { url: config.exchange.url, auth: config.exchange.auth, api: notice.api, endpoint: notice.endpoint }, warnings: notice.warnings, accounts: results });
  else out(formatText(config, notice, results));
  return results.every((r) => r.ok) ? 0 : 1;
}

function printJsonTo(out: (text: string) => void, value: unknown): void {
  if (out === undefined) printJson(value);
  else out(`${JSON.stringify(value, null, 2)}\n`);
}

interface Target {
  username: string;
  account?: AccountConfig;
  index: number;
}

function selectAccounts(config: Config, user: string | undefined): Target[] {
  const all = config.accounts.map((account, index) => ({ username: account.username, account, index }));
  if (user === undefined) {
    if (all.length === 0) throw new CliError('no accounts in the configuration: name the mailbox with --user (pass-through login checks one user at a time).');
    return all;
  }
  const wanted = user.toLowerCase();
  const match = all.find((t) => t.account.id.toLowerCase() === wanted || t.username.toLowerCase() === wanted);
  return [match ?? { username: user, index: -1 }];
}

async function checkOne(factory: UpstreamFactory, username: string, password: string): Promise<CheckResult> {
  return { user: username, ...(await probeSource(factory.sourceWithPassword({ username, password }))) };
}

function formatSteps(steps: readonly AutodiscoverStep[]): string[] {
  return steps.map((step) => `      ${step.method.padEnd(4)} ${step.url}  → ${step.result}`);
}

function formatText(config: Config, notice: UpstreamNotice, results: CheckResult[]): string {
  const lines = formatNotice(notice, config.exchange.auth);
  for (const r of results) {
    if (r.ok) {
      lines.push(`✓ ${r.user}: logged in — ${r.serverVersion ?? 'unknown server version'}, ${r.roundTripMs} ms round trip`);
      if (r.autodiscover?.ewsUrl) lines.push(`    EWS URL found by Autodiscover: ${r.autodiscover.ewsUrl}`, ...formatSteps(r.autodiscover.steps));
      const width = Math.max(8, ...(r.calendars ?? []).map((c) => c.name.length));
      for (const c of r.calendars ?? []) {
        const flags = [c.kind !== 'secondary' ? c.kind : '', c.readOnly ? 'read-only' : ''].filter(Boolean).join(', ');
        lines.push(`    ${c.name.padEnd(width)}  ${String(c.itemCount ?? '?').padStart(5)} items${flags ? `  (${flags})` : ''}`);
      }
    } else {
      lines.push(`✗ ${r.user}: ${r.error?.message}`);
      if (r.error?.hint) lines.push(...r.error.hint.split('\n').map((l) => `    ${l}`));
      if (r.autodiscover) lines.push('    Autodiscover tried:', ...formatSteps(r.autodiscover.steps));
      lines.push(`    [${r.error?.code}]`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
