// Runnable simulator: `node --import tsx src/simulator/main.ts [--port N] [--mailbox FILE]
// [--exchange2016] [--offer Negotiate,NTLM,Basic] [--generate N] [--json]
// [--graph [--graph-user UPN]…]`. Prints the URLs and stays up until SIGINT/SIGTERM.
// `--graph` also starts the fake Entra authority in this process, serves Graph v1.0 with its
// trust, registers the mailboxes as directory users, and mints a delegated Graph token for each
// `--graph-user` (docs/simulator.md "Running").

import { parseArgs } from 'node:util';
import { mailboxForLogon } from './auth.js';
import { CONTOSO, type EntraAuthority, GRAPH_CALENDARS_READ, startEntra } from './entra/index.js';
import { GraphTokens } from './graph/test-client.js';
import { addGeneratedItems } from './mailbox/generate.js';
import { startSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    mailbox: { type: 'string' },
    exchange2016: { type: 'boolean', default: false },
    offer: { type: 'string' },
    generate: { type: 'string' },
    json: { type: 'boolean', default: false },
    graph: { type: 'boolean', default: false },
    'graph-user': { type: 'string', multiple: true },
  },
});
const graphUsers = values['graph-user'] ?? [];
if (graphUsers.length > 0 && !values.graph) throw new Error('--graph-user needs --graph');

/** Access tokens of the CLI authority live a day, so a long benchmark never sees one expire. */
const TOKEN_LIFETIME_SEC = 86_400;
const entra: EntraAuthority | undefined = values.graph ? await startEntra({ config: { accessTokenLifetimeSec: TOKEN_LIFETIME_SEC } }) : undefined;

const sim = await startSimulator({
  port: Number(values.port),
  mailboxFile: values.mailbox,
  demo: values.mailbox === undefined,
  serverVersion: values.exchange2016 ? 'exchange2016' : 'online',
  auth: values.offer ? { offer: values.offer.split(',').map((s) => s.trim()) } : undefined,
  ...(entra ? { graph: { trust: entra.trust } } : {}),
});
if (values.generate) {
  const smtp = values.mailbox ? sim.control.mailboxes()[0]?.smtp : 'demo@example.com';
  const mb = smtp ? sim.store.mailbox(smtp) : undefined;
  if (mb) addGeneratedItems(sim.store, mb, Number(values.generate));
}

/** Registers the mailboxes in the authority's first tenant and mints the requested tokens. */
async function graphSetup(authority: EntraAuthority): Promise<Record<string, string>> {
  // The default directory's own users keep their passwords (and OTP for MFA users).
  const known = new Map<string, { password: string; otp?: string }>(Object.values(CONTOSO.users).map((u) => [u.upn, { password: u.password, otp: u.otp }]));
  const register = (upn: string, displayName: string, password: string): void => {
    if (known.has(upn.toLowerCase())) return;
    authority.control.addUser({ upn, displayName, password });
    known.set(upn.toLowerCase(), { password });
  };
  // Every mailbox that can sign in on EWS can sign in at the authority with the same password.
  for (const mb of sim.store.mailboxes.values()) if (mb.password !== undefined) register(mb.smtp, mb.displayName, mb.password);
  const tokens = new GraphTokens(authority);
  try {
    const out: Record<string, string> = {};
    for (const upn of graphUsers) {
      const mb = mailboxForLogon(sim.store, upn);
      if (!mb) throw new Error(`--graph-user ${upn}: no such mailbox`);
      register(upn, mb.displayName, `graph-${upn.toLowerCase()}`);
      const cred = known.get(upn.toLowerCase()) as { password: string; otp?: string };
      out[upn] = await tokens.delegated(upn, cred.password, GRAPH_CALENDARS_READ, cred.otp);
    }
    return out;
  } finally {
    await tokens.close();
  }
}

const graphTokens = entra ? await graphSetup(entra) : {};
if (values.json) {
  const graphInfo = entra
    ? {
      graphUrl: sim.graphUrl, entraUrl: entra.url, authority: entra.authority, tenantId: entra.tenantId, caCertPath: entra.caCertPath,
      clientId: CONTOSO.publicApp, graphTokens, graphTokenLifetimeSec: TOKEN_LIFETIME_SEC,
    }
    : {};
  process.stdout.write(`${JSON.stringify({ url: sim.url, ewsUrl: sim.ewsUrl, ...graphInfo })}\n`);
} else {
  process.stdout.write(`EWS simulator listening on ${sim.url}\n  EWS endpoint: ${sim.ewsUrl}\n  control API:  ${sim.url}/_sim/\n`);
  if (values.mailbox === undefined) process.stdout.write('  demo users:   demo@example.com / demo, alex@example.com / alex\n');
  if (entra) {
    process.stdout.write(`  Graph:        ${sim.graphUrl ?? ''}/v1.0\n  authority:    ${entra.authority}   (CA ${entra.caCertPath})\n`);
    for (const [upn, token] of Object.entries(graphTokens)) process.stdout.write(`  token ${upn}: ${token}\n`);
  }
}
const stop = (): void => {
  Promise.all([sim.close(), entra?.close()]).then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
