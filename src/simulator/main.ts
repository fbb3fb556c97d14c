// Runnable simulator: `node --import tsx src/simulator/main.ts [--port N] [--mailbox FILE]
// [--exchange2016] [--offer Negotiate,NTLM,Basic] [--generate N]`. Prints the URLs and stays
// up until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
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
  },
});

const sim = await startSimulator({
  port: Number(values.port),
  mailboxFile: values.mailbox,
  demo: values.mailbox === undefined,
  serverVersion: values.exchange2016 ? 'exchange2016' : 'online',
  auth: values.offer ? { offer: values.offer.split(',').map((s) => s.trim()) } : undefined,
});
if (values.generate) {
  const smtp = values.mailbox ? sim.control.mailboxes()[0]?.smtp : 'demo@example.com';
  const mb = smtp ? sim.store.mailbox(smtp) : undefined;
  if (mb) addGeneratedItems(sim.store, mb, Number(values.generate));
}
if (values.json) {
  process.stdout.write(`${JSON.stringify({ url: sim.url, ewsUrl: sim.ewsUrl })}\n`);
} else {
  process.stdout.write(`EWS simulator listening on ${sim.url}\n  EWS endpoint: ${sim.ewsUrl}\n  control API:  ${sim.url}/_sim/\n`);
  if (values.mailbox === undefined) process.stdout.write('  demo users:   demo@example.com / demo, alex@example.com / alex\n');
}
const stop = (): void => {
  sim.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
