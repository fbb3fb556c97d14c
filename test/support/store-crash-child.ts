// Child process for the kill -9 tests: syncs the simulator's mailbox into DATA_DIR and appends
// every item id it fetches to FETCH_LOG synchronously (so the log survives SIGKILL).
// Prints `start <state|-> <inFullPass>` before syncing and `done <report json>` after.

import { appendFileSync } from 'node:fs';
import { E2E_USER, openBridge } from './store-e2e.js';

const ewsUrl = process.env.EWS_URL!;
const dataDir = process.env.DATA_DIR!;
const fetchLog = process.env.FETCH_LOG!;

const bridge = openBridge({ ewsUrl }, dataDir, { config: { syncPageSize: Number(process.env.PAGE_SIZE ?? 512) } });
const fetchObjects = bridge.source.fetchObjects.bind(bridge.source);
bridge.source.fetchObjects = async (calendar, refs, options) => {
  appendFileSync(fetchLog, refs.map((r) => `${r.id}\n`).join(''));
  return fetchObjects(calendar, refs, options);
};
await bridge.engine.addAccount(E2E_USER, bridge.source);
const cal = (await bridge.store.listCalendars(E2E_USER)).find((c) => c.kind === 'default');
const info = cal && (await bridge.store.getSyncInfo(E2E_USER, cal.id));
process.stdout.write(`start ${info?.syncState ? 'state' : '-'} ${info?.inFullPass ?? false}\n`);
const report = await bridge.engine.syncNow(E2E_USER);
process.stdout.write(`done ${JSON.stringify(report)}\n`);
await bridge.close();
