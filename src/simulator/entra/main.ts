// Runs the fake authority on its own: `npx tsx src/simulator/entra/main.ts [--port N] [--http]`.
// Prints the authority, the CA file for NODE_EXTRA_CA_CERTS and the demo accounts; Ctrl-C stops.

import { parseArgs } from 'node:util';
import { CONTOSO, FABRIKAM } from './default-directory.js';
import { startEntra } from './server.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, http: { type: 'boolean' } } });
const entra = await startEntra({ port: values.port ? Number(values.port) : 0, tls: !values.http });
const users = [...Object.values(CONTOSO.users), ...Object.values(FABRIKAM.users)];
process.stdout.write([
  `fake Entra ID on ${entra.url}`,
  `  authority         ${entra.authority}   (knownAuthorities: ["${entra.knownAuthority}"])`,
  entra.caCertPath ? `  CA certificate    ${entra.caCertPath}   (NODE_EXTRA_CA_CERTS=${entra.caCertPath})` : '  plain http (msal-node refuses http authorities)',
  `  public client     ${CONTOSO.publicApp}`,
  `  web client        ${CONTOSO.webApp}  secret ${CONTOSO.webAppSecret}  callback ${CONTOSO.webCallback}`,
  ...users.map((u) => `  user              ${u.upn}  password ${u.password}  OTP ${u.otp}`),
  `  control           ${entra.url}/_entra/counters`,
  '',
].join('\n'));

const stop = (): void => {
  void entra.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
