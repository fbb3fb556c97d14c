// `ewsdav demo --oauth`: the Exchange Online sign-in path without a tenant. The fake Entra
// authority (https on 127.0.0.1 with its own test CA, docs/simulator-entra.md), the EWS simulator
// with the demo mailbox accepting Bearer tokens only, and the bridge with exchange.auth "oauth",
// device passwords and the confidential web app redirecting to the bridge's /oauth/callback.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { validateConfig } from '../../config/index.js';
import { createLogger } from '../../log.js';
import { Bridge } from '../../server/bridge.js';
import { startSimulator, DEMO_USER } from '../../simulator/index.js';
import { bearerAuth } from '../../simulator/bearer.js';
import { CONTOSO, defaultDirectory, startEntra, type DirectorySpec } from '../../simulator/entra/index.js';
import { untilSignal } from './serve.js';

/** The demo mailbox's user in the fake directory: same address as the simulator's demo mailbox. */
export const DEMO_M365_USER = { upn: DEMO_USER.smtp, password: 'Demo-pass-1', otp: '555555', displayName: 'Demo User' } as const;
const DEMO_DOMAIN = DEMO_USER.smtp.slice(DEMO_USER.smtp.indexOf('@') + 1);

export interface DemoOAuthOptions {
  host: string;
  port: number;
  data: string;
}

/** The default directory, with the demo mailbox's domain verified in Contoso and its user (second factor on). */
function demoDirectory(): DirectorySpec {
  const directory = defaultDirectory();
  const contoso = directory.tenants.find((t) => t.id === CONTOSO.tenantId);
  if (!contoso) throw new Error('the default directory lost its Contoso tenant');
  contoso.domains.push(DEMO_DOMAIN);
  contoso.users.push({ upn: DEMO_M365_USER.upn, password: DEMO_M365_USER.password, otp: DEMO_M365_USER.otp, displayName: DEMO_M365_USER.displayName, mfaRequired: true });
  return directory;
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, host, done);
  });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function runDemoOAuth(options: DemoOAuthOptions): Promise<number> {
  // The redirect URI is derived from server.publicUrl, so the port must be known before the bridge starts.
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const publicUrl = `http://${urlHost(options.host)}:${port}/`;
  const callback = `${publicUrl}oauth/callback`;

  const entra = await startEntra({ directory: demoDirectory() });
  const closers: (() => Promise<void>)[] = [() => entra.close()];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    // The web app's redirect URI, registered through the fake's control API now that the port is known.
    entra.control.addRedirectUri(CONTOSO.webApp, 'web', callback);
    const simulator = await startSimulator({ demo: true, auth: { schemes: [bearerAuth({ trust: entra.trust })], offer: ['Bearer'] } });
    closers.push(() => simulator.close());
    const config = validateConfig({
      server: { host: options.host, port, publicUrl },
      exchange: { url: simulator.ewsUrl, auth: 'oauth' },
      oauth: {
        tenant: CONTOSO.tenantId, clientId: CONTOSO.webApp, clientSecret: CONTOSO.webAppSecret, authorityHost: entra.url,
        redirect: 'callback', allowedDomains: [DEMO_DOMAIN],
      },
      secrets: { key: randomBytes(32).toString('base64') },
      login: { mode: 'devicePasswords' },
      store: { dataDir: resolve(options.data) },
      logging: { level: 'warn' },
    });
    const logger = createLogger({ level: config.logging.level });
    const bridge = await Bridge.create({ config, baseDir: process.cwd(), logger, authorityConnect: { ca: entra.caCertPem } });
    closers.push(() => bridge.close());
    await bridge.listen(config.server.host, config.server.port);
    const base = publicUrl.replace(/\/$/, '');
    process.stdout.write(
      [
        'ewsdav demo --oauth is running (Ctrl-C stops it).',
        '',
        `  Account page    ${base}/account`,
        '  Open it, click "Sign in with Microsoft" and sign in on the fake Microsoft 365 page as:',
        `    User name     ${DEMO_M365_USER.upn}`,
        `    Password      ${DEMO_M365_USER.password}`,
        `    OTP code      ${DEMO_M365_USER.otp}   (on the "Enter code" second-factor page)`,
        '',
        `  The fake sign-in page (${entra.url}) uses a local test certificate: the browser warns`,
        '  about it. Accept the warning, or trust this test CA instead (valid while the demo runs):',
        `    ${entra.caCertPath}`,
        '',
        '  After linking (the page says "Linked …"):',
        '    1. Go to your account page, type a device name and click "Create device password"',
        '       (the password is shown once).',
        '    2. In the calendar app add a CalDAV account:',
        `         Server      ${base}/`,
        `         User name   ${DEMO_USER.smtp}`,
        '         Password    the device password',
        '',
        `  Fake Entra authority  ${entra.url}  (tenant ${CONTOSO.tenantId})`,
        `  Exchange simulator    ${simulator.ewsUrl}  (Bearer tokens only)`,
        '  How to add the account on each calendar app: docs/clients.md',
        '',
      ].join('\n'),
    );
    await untilSignal();
  } finally {
    await closeAll();
  }
  return 0;
}
