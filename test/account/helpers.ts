// Shared set-up for the account-page tests: the fake Entra authority (HTTPS, own CA) with the web
// app also registered for the loopback callback `http://127.0.0.1/oauth/callback` (loopback URIs
// match on any port), the EWS simulator speaking Bearer only, and a bridge in devicePasswords mode
// whose public URL is known before it listens (the callback URI is derived from it).

import { createServer } from 'node:net';
import { CONTOSO, defaultDirectory, startEntra, type EntraAuthority } from '../../src/simulator/entra/index.js';
import { startSimulator } from '../../src/simulator/server.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { generateItems } from '../../src/simulator/mailbox/generate.js';
import { Bridge } from '../../src/server/bridge.js';
import { validateConfig, type Config } from '../../src/config/index.js';
import { SECRET_KEY, capturedLogger, tempDir } from '../auth/oauth-helpers.js';

export const WEB_SECRET_ENV = 'EWSDAV_TEST_WEB_SECRET';

export async function startAuthority(): Promise<EntraAuthority> {
  const directory = defaultDirectory();
  for (const tenant of directory.tenants) {
    for (const app of tenant.apps) {
      if (app.clientId === CONTOSO.webApp) app.redirectUris = { ...app.redirectUris, web: [...(app.redirectUris?.web ?? []), 'http://127.0.0.1/oauth/callback'] };
    }
  }
  return startEntra({ directory });
}

export async function startEws(entra: EntraAuthority, mailboxes: { upn: string; displayName: string; extraFolder?: string }[]) {
  const bearer = bearerAuth({ trust: entra.trust });
  const sim = await startSimulator({
    demo: false,
    secret: 'account-page',
    auth: { schemes: [bearer], offer: ['Bearer'] },
    mailboxes: {
      mailboxes: mailboxes.map((m, i) => ({
        smtp: m.upn, displayName: m.displayName, timeZone: 'W. Europe Standard Time',
        folders: [{ key: 'team', displayName: m.extraFolder ?? 'Team', folderClass: 'IPF.Appointment', parent: 'calendar' }],
        items: generateItems(12, { seed: 7 + i }),
      })),
    },
  });
  return { bearer, sim };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export type Style = 'callback' | 'nativeclient';

/**
 * "callback": the confidential web app (secret from the environment) and the bridge's own
 * /oauth/callback. "nativeclient": the public multi-tenant app on /organizations, only Contoso
 * allowed — so a Fabrikam user gets through Microsoft's sign-in and the bridge must refuse them.
 */
export async function startBridge(entra: EntraAuthority, ewsUrl: string, style: Style, port: number): Promise<{ bridge: Bridge; origin: string; config: Config; logs: () => string }> {
  const dataDir = tempDir('ewsdav-account-');
  const oauth = style === 'callback'
    ? { tenant: CONTOSO.tenantId, clientId: CONTOSO.webApp, clientSecret: { env: WEB_SECRET_ENV }, redirect: 'callback' }
    : { tenant: 'organizations', clientId: CONTOSO.publicApp, allowedTenants: [CONTOSO.tenantId], redirect: 'nativeclient' };
  const origin = `http://127.0.0.1:${port}`;
  const config = validateConfig({
    server: { host: '127.0.0.1', port, publicUrl: `${origin}/` },
    exchange: { url: ewsUrl, auth: 'oauth' },
    oauth: { authorityHost: entra.url, allowedDomains: ['contoso.com'], ...oauth },
    secrets: { key: SECRET_KEY },
    login: { mode: 'devicePasswords', rateLimit: { maxFailures: 10, windowSeconds: 600 } },
    sync: { intervalSeconds: 3600 },
    store: { dataDir },
  });
  const logs = capturedLogger();
  const bridge = await Bridge.create({
    config, baseDir: dataDir, logger: logs.logger, env: { [WEB_SECRET_ENV]: CONTOSO.webAppSecret }, authorityConnect: { ca: entra.caCertPem },
  });
  return { bridge, origin, config, logs: logs.text };
}
