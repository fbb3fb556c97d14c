// Shared set-up for the Exchange Online sign-in tests: the fake Entra authority over real HTTPS
// (its test CA trusted through the authority connect options), a store in a temp folder, and
// the paste-back sign-in driven through the fake's POST /test/authorize hook.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CONTOSO, type EntraAuthority } from '../../src/simulator/entra/index.js';
import { EntraTestClient } from '../../src/simulator/entra/test-client.js';
import { validateConfig, type Config } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/log.js';

export { EntraTestClient };
export const SECRET_KEY = 'k3y-for-tests-only-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function oauthConfig(entra: EntraAuthority, dataDir: string, overrides: { ewsUrl?: string; oauth?: Record<string, unknown> } = {}): Config {
  return validateConfig({
    server: { host: '127.0.0.1', port: 0 },
    exchange: { url: overrides.ewsUrl ?? 'https://outlook.office365.com/EWS/Exchange.asmx', auth: 'oauth' },
    oauth: { tenant: CONTOSO.tenantId, clientId: CONTOSO.publicApp, authorityHost: entra.url, redirect: 'nativeclient', allowedDomains: ['contoso.com'], ...overrides.oauth },
    secrets: { key: SECRET_KEY },
    login: { mode: 'devicePasswords', rateLimit: { maxFailures: 3, windowSeconds: 600 } },
    sync: { intervalSeconds: 3600 },
    store: { dataDir },
  });
}

/** Signs in on the fake like a user in a browser and returns the address the browser ends on. */
export async function signInVia(client: EntraTestClient, authorizeUrl: string, user: { upn: string; password: string; otp?: string }): Promise<string> {
  const hook = await client.postJson('/test/authorize', { authorizeUrl, username: user.upn, password: user.password, otp: user.otp, consent: 'accept' });
  const url = hook.json['redirectUrl'];
  if (typeof url !== 'string') throw new Error(`the fake did not redirect: ${hook.text}`);
  return url;
}

/** A logger writing JSON lines into memory at debug level, to scan for secrets afterwards. */
export function capturedLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString('utf8')); cb(); } });
  return { logger: createLogger({ level: 'debug', destination }), text: () => chunks.join('') };
}

/** Every byte of every file in a folder (store.db, its WAL and SHM), as latin1 text for searching. */
export function folderBytes(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

/** Token strings inside a serialized msal cache. */
export function tokensIn(serializedCache: string): string[] {
  const c = JSON.parse(serializedCache) as Record<string, Record<string, { secret?: string }>>;
  return ['AccessToken', 'RefreshToken', 'IdToken'].flatMap((k) => Object.values(c[k] ?? {}).map((e) => e.secret ?? '')).filter(Boolean);
}
