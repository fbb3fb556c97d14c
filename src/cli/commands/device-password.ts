// `ewsdav device-password create|list|revoke USER [NAME]`: the passwords calendar apps use in
// login.mode "devicePasswords". A password is printed once, on create; the data folder keeps only
// its scrypt verifier. Revoking works while the server runs (the next request is refused).

import { loadConfig } from '../../config/index.js';
import { EwsdavError } from '../../errors.js';
import { DevicePasswords } from '../../auth/clients/device-passwords.js';
import { normalizeUser } from '../../auth/clients/passthrough.js';
import { SqliteStore } from '../../store/sqlite/store.js';
import type { DevicePasswordRecord } from '../../store/sqlite/oauth-rows.js';
import { CliError, parseCommandArgs, printJson } from '../io.js';

export const DEVICE_PASSWORD_USAGE = `Usage:
  ewsdav device-password create USER [NAME] [--json]   (--json includes "password")
  ewsdav device-password list USER [--json]
  ewsdav device-password revoke USER NAME|ID [--json]
Every form takes --config FILE (or EWSDAV_CONFIG).
`;

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const json = (r: DevicePasswordRecord) => ({ id: r.id, user: r.user, name: r.name, createdAt: iso(r.createdAt), ...(r.lastUsed !== undefined ? { lastUsed: iso(r.lastUsed) } : {}) });

export async function runDevicePassword(args: string[], deps: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseCommandArgs(`device-password ${action ?? ''}`.trim(), rest, { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help || !action) return process.stdout.write(DEVICE_PASSWORD_USAGE), action ? 0 : 2;
  const [rawUser, name, extra] = positionals;
  if (!rawUser || extra !== undefined) throw new CliError(`device-password ${action}: expected USER${action === 'list' ? '' : ' and NAME'}.\n${DEVICE_PASSWORD_USAGE}`);
  const loaded = await loadConfig({ ...(values.config !== undefined ? { path: values.config } : {}), env: deps.env ?? process.env });
  if (!loaded) throw new CliError('device-password needs a configuration: --config FILE or EWSDAV_CONFIG.');
  const user = normalizeUser(rawUser);
  const store = new SqliteStore({ dataDir: loaded.config.store.dataDir });
  const passwords = new DevicePasswords(store.devicePasswords);
  try {
    switch (action) {
      case 'create': {
        // oauth-app has no per-user grant: the configured accounts are the mailboxes the bridge serves.
        const appOnlyAccount = loaded.config.exchange.auth === 'oauth-app' && loaded.config.accounts.some((a) => normalizeUser(a.username) === user);
        if (!appOnlyAccount && !store.oauthGrants.get(user)) throw new CliError(`device-password create: ${user} is not linked to Microsoft 365 yet; run: ewsdav link ${user}`, 1);
        const created = await passwords.create(user, name);
        if (values.json) printJson({ ...json(created), password: created.password });
        else process.stdout.write(`Device password "${created.name}" for ${user}:\n\n    ${created.password}\n\nEnter it in the calendar app with the user name ${user}. It is shown only now; the bridge keeps only a hash.\nRevoke it with: ewsdav device-password revoke ${user} "${created.name}"\n`);
        return 0;
      }
      case 'list': {
        const rows = passwords.list(user);
        if (values.json) printJson(rows.map(json));
        else if (rows.length === 0) process.stdout.write(`No device passwords for ${user}.\n`);
        else process.stdout.write(rows.map((r) => `${r.name.padEnd(24)} ${r.id}  created ${iso(r.createdAt)!.slice(0, 16)}  last used ${iso(r.lastUsed)?.slice(0, 16) ?? 'never'}`).join('\n') + '\n');
        return 0;
      }
      case 'revoke': {
        if (!name) throw new CliError(`device-password revoke: expected USER and NAME|ID.\n${DEVICE_PASSWORD_USAGE}`);
        const revoked = passwords.revoke(user, name);
        if (values.json) printJson({ user, revoked: revoked ? name : null });
        else process.stdout.write(revoked ? `Revoked "${name}" of ${user}; apps using it are refused from their next request.\n` : `${user} has no device password "${name}".\n`);
        return revoked ? 0 : 1;
      }
      default:
        throw new CliError(`device-password: unknown action "${action}".\n${DEVICE_PASSWORD_USAGE}`);
    }
  } catch (e) {
    if (!(e instanceof EwsdavError)) throw e;
    process.stderr.write(`✗ ${e.message}\n`);
    return 1;
  } finally {
    store.close();
  }
}
