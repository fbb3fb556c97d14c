// Shared wiring of the operations tests: the EWS simulator with its demo mailbox and the real
// bridge (Bridge.create: store, engine, login, DAV, feeds, metrics) listening on 127.0.0.1.
// The sync engine is not started: only the syncs a test asks for run, so counters are exact.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { validateConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { Bridge } from '../../src/server/bridge.js';

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export interface OpsBridge {
  bridge: Bridge;
  /** http://127.0.0.1:PORT */
  origin: string;
  dataDir: string;
  close(): Promise<void>;
}

/** `config` is merged over a minimal valid configuration pointing at `ewsUrl`. */
export async function startBridge(ewsUrl: string, config: Record<string, unknown>, options: { logger?: Logger; dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<OpsBridge> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ewsdav-ops-'));
  const valid = validateConfig({
    server: { host: '127.0.0.1', port: 0 },
    exchange: { url: ewsUrl, auth: 'basic' },
    // A long interval: nothing runs unless the test asks (the engine is not started anyway).
    sync: { intervalSeconds: 3600 },
    store: { dataDir },
    ...config,
  });
  const bridge = await Bridge.create({ config: valid, baseDir: dataDir, logger: options.logger ?? silentLogger(), ...(options.env ? { env: options.env } : {}) });
  // app.listen, not bridge.listen: the latter also starts background sync.
  await bridge.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = bridge.app.server.address() as { port: number };
  return { bridge, origin: `http://127.0.0.1:${port}`, dataDir, close: () => bridge.close() };
}

/** Waits (without a clock: by yielding) until `check` holds; pass-through login adds accounts asynchronously. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const SYNC_COLLECTION = (token = ''): string =>
  `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;

export const PROPFIND_ETAGS = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:sync-token/></d:prop></d:propfind>';
