// `ewsdav demo` (and `npm start` without a configuration): the bundled EWS simulator with the demo
// mailbox, plus the bridge in front of it, with the settings to type into a calendar app.
// `--oauth`: the Exchange Online sign-in path against the fake Entra authority (demo-oauth.ts).

import { resolve } from 'node:path';
import { validateConfig } from '../../config/index.js';
import { createLogger } from '../../log.js';
import { Bridge } from '../../server/bridge.js';
import { startSimulator, DEMO_USER } from '../../simulator/index.js';
import { CliError, parseCommandArgs } from '../io.js';
import { untilSignal } from './serve.js';

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', args, {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    oauth: { type: 'boolean', default: false },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`demo: --port must be a port number, got "${values.port}"`);

  if (values.oauth) {
    const { runDemoOAuth } = await import('./demo-oauth.js');
    return runDemoOAuth({ host: values.host, port, data: values.data ?? './data/demo-oauth' });
  }

  const simulator = await startSimulator({ demo: true });
  const config = validateConfig({
    server: { host: values.host, port },
    exchange: { url: simulator.ewsUrl, auth: 'basic' },
    // Accounts mode syncs the demo mailbox right away; a client logs in with the same name and password.
    login: { mode: 'accounts' },
    accounts: [{ id: 'demo', username: DEMO_USER.smtp, password: DEMO_USER.password, clientPassword: DEMO_USER.password }],
    store: { dataDir: resolve(values.data ?? './data/demo') },
    logging: { level: 'warn' },
  });
  const logger = createLogger({ level: config.logging.level });
  const bridge = await Bridge.create({ config, baseDir: process.cwd(), logger });
  let address: string;
  try {
    address = await bridge.listen(config.server.host, config.server.port);
  } catch (error) {
    await bridge.close();
    await simulator.close();
    throw error;
  }
  await bridge.engine.syncNow(DEMO_USER.smtp).catch(() => undefined);
  const calendars = await bridge.store.listCalendars(DEMO_USER.smtp);
  const base = address.replace('[::1]', 'localhost');
  process.stdout.write(
    [
      'ewsdav demo is running (Ctrl-C stops it).',
      '',
      `  CalDAV server   ${base}/`,
      `  User name       ${DEMO_USER.smtp}`,
      `  Password        ${DEMO_USER.password}`,
      '',
      '  Calendars:',
      ...calendars.map((c) => `    ${c.displayName.padEnd(12)} ${base}/dav/calendars/${encodeURIComponent(DEMO_USER.smtp)}/${c.id}/`),
      '',
      '  ICS feed of the first calendar (same login):',
      calendars[0] ? `    ${base}/ics/${encodeURIComponent(DEMO_USER.smtp)}/${calendars[0].id}.ics` : '    (not synced yet)',
      '',
      `  Exchange simulator (EWS) ${simulator.ewsUrl}`,
      '  How to add the account on each calendar app: docs/clients.md',
      '',
    ].join('\n'),
  );
  await untilSignal();
  await bridge.close();
  await simulator.close();
  return 0;
}
