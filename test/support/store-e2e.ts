// End-to-end wiring for store tests and the sync benchmark: the EWS simulator on 127.0.0.1,
// an EwsCalendarSource over HTTP, a SqliteStore and a SyncEngine (real src/ical renderer).

import pino, { type Logger } from 'pino';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { generateItems } from '../../src/simulator/mailbox/generate.js';
import { EwsTransport } from '../../src/exchange/call.js';
import { failFast, type RetryPolicy } from '../../src/upstream/retry.js';
import { EwsCalendarSource } from '../../src/exchange/source.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { SyncEngine, type SyncEngineConfig } from '../../src/store/sync/engine.js';
import type { Clock } from '../../src/store/sync/clock.js';

export const E2E_USER = 'mara@contoso.com';
export const E2E_PASSWORD = 'app-password-1';
export const E2E_CONFIG: SyncEngineConfig = { intervalSeconds: 60, staleAfterSeconds: 300, tombstoneDays: 30, getItemBatchSize: 100, syncPageSize: 512 };

export async function startMailbox(items: number, options: { latencyMs?: number; secret?: string } = {}): Promise<Simulator> {
  return startSimulator({
    demo: false,
    secret: options.secret ?? 'store-e2e-secret',
    latencyMs: options.latencyMs ?? 0,
    mailboxes: {
      mailboxes: [
        {
          smtp: E2E_USER, password: E2E_PASSWORD, displayName: 'Mara', timeZone: 'W. Europe Standard Time',
          folders: [{ key: 'team', displayName: 'Team', folderClass: 'IPF.Appointment', parent: 'calendar' }],
          items: generateItems(items, { seed: 7 }),
        },
      ],
    },
  });
}

export interface Bridge {
  source: EwsCalendarSource;
  transport: EwsTransport;
  store: SqliteStore;
  engine: SyncEngine;
  close(): Promise<void>;
}

export function openBridge(
  sim: { ewsUrl: string },
  dataDir: string,
  options: { clock?: Clock; config?: Partial<SyncEngineConfig>; retry?: RetryPolicy; logger?: Logger; password?: string } = {},
): Bridge {
  const logger = options.logger ?? pino({ level: 'silent' });
  // failFast: the engine's own policy (gate, backoff) is what these tests look at.
  const transport = new EwsTransport({ url: sim.ewsUrl, retry: options.retry ?? failFast, timeoutMs: 20_000 });
  const source = new EwsCalendarSource({ transport, auth: new BasicAuth({ username: E2E_USER, password: options.password ?? E2E_PASSWORD }), mailbox: E2E_USER });
  const store = new SqliteStore({ dataDir });
  const engineOptions = { store, logger, config: { ...E2E_CONFIG, ...options.config } };
  const engine = new SyncEngine(options.clock ? { ...engineOptions, clock: options.clock } : engineOptions);
  return {
    source, transport, store, engine,
    async close() {
      await engine.stop();
      await transport.close();
      store.close();
    },
  };
}
