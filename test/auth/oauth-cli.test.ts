// The CLI for Exchange Online sign-in: `ewsdav link USER --paste` (URL out, pasted address in),
// `--device-code`, `ewsdav device-password create|list|revoke`, and `ewsdav check` showing the
// grant and running the EWS checks with the token — against the fake authority and EWS simulator.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { startSimulator } from '../../src/simulator/server.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { runLink } from '../../src/cli/commands/link.js';
import { runCheck } from '../../src/cli/commands/check.js';
import { runDevicePassword } from '../../src/cli/commands/device-password.js';
import { EntraTestClient, SECRET_KEY, signInVia, tempDir } from './oauth-helpers.js';

const MARA = CONTOSO.users.mara;
const PAT = CONTOSO.users.pat;
const entra = await startEntra();
t.teardown(() => entra.close());
const browser = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(() => browser.close());
const sim = await startSimulator({
  demo: false, auth: { schemes: [bearerAuth({ trust: entra.trust })], offer: ['Bearer'] },
  mailboxes: { mailboxes: [{ smtp: MARA.upn, displayName: 'Mara', items: [] }, { smtp: PAT.upn, displayName: 'Pat', items: [] }] },
});
t.teardown(() => sim.close());
const dir = tempDir('ewsdav-oauth-cli-');
const configPath = join(dir, 'config.json');
writeFileSync(configPath, JSON.stringify({
  exchange: { url: sim.ewsUrl, auth: 'oauth' },
  oauth: { tenant: CONTOSO.tenantId, clientId: CONTOSO.publicApp, authorityHost: entra.url, redirect: 'nativeclient', allowedDomains: ['contoso.com'] },
  secrets: { key: SECRET_KEY },
  store: { dataDir: join(dir, 'data') },
}));
const deps = { authorityConnect: { ca: entra.caCertPem } };

t.test('link --paste prints the URL and reads the pasted address', async (t) => {
  let err = '';
  let out = '';
  const rc = await runLink([MARA.upn, '--paste', '--json', '--config', configPath], {
    ...deps, err: (s) => { err += s; }, out: (s) => { out += s; },
    readLine: async () => signInVia(browser, /^(https:\/\/\S+authorize\S+)$/m.exec(err)![1]!, MARA),
  });
  t.equal(rc, 0, err);
  t.match(JSON.parse(out), { user: MARA.upn, tenantId: CONTOSO.tenantId, relinked: false });
});

t.test('link --device-code prints the code and waits for approval', async (t) => {
  let err = '';
  const rc = await runLink([PAT.upn, '--device-code', '--config', configPath], {
    ...deps, err: (s) => { err += s; }, out: () => undefined,
    poll: { sleep: async (ms) => { entra.control.advanceClock(ms); const code = /enter the code (\w+)/.exec(err)?.[1]; if (code) entra.control.approveDeviceCode(code, PAT.upn); } },
  });
  t.equal(rc, 0, err);
  t.match(err, /open https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]{9}/);
});

t.test('a refused link exits 1 with the reason', async (t) => {
  let err = '';
  const rc = await runLink([MARA.upn, '--paste', '--config', configPath], { ...deps, err: (s) => { err += s; }, out: () => undefined, readLine: async () => 'https://login.microsoftonline.com/common/oauth2/nativeclient?code=x&state=forged' });
  t.equal(rc, 1);
  t.match(err, /does not belong to a pending sign-in/);
});

t.test('device-password create/list/revoke and check', async (t) => {
  t.equal(await runDevicePassword(['create', MARA.upn, 'phone', '--config', configPath]), 0);
  t.equal(await runDevicePassword(['list', MARA.upn, '--config', configPath]), 0);
  t.equal(await runDevicePassword(['revoke', MARA.upn, 'phone', '--config', configPath]), 0);
  t.equal(await runDevicePassword(['revoke', MARA.upn, 'phone', '--config', configPath]), 1, 'already gone');
  await t.rejects(runDevicePassword(['create', 'nobody@contoso.com', '--config', configPath]), /not linked/);
  let out = '';
  const rc = await runCheck(['--config', configPath, '--json'], { ...deps, out: (s) => { out += s; } });
  t.equal(rc, 0, out);
  const report = JSON.parse(out) as { accounts: { user: string; ok: boolean; grant: { state: string; scopes: string[] }; calendars: unknown[] }[] };
  t.equal(report.accounts.length, 2);
  t.ok(report.accounts.every((a) => a.ok && a.grant.state === 'linked' && a.grant.scopes.some((s) => /EWS/.test(s)) && a.calendars.length >= 1));
});
