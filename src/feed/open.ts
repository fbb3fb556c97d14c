// The data-folder FeedTokenStore the CLI uses. The SQLite store provides it; until it is wired
// this says so instead of pretending (replace the body, keep the signature).

import type { Config } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import type { FeedTokenStore } from './tokens.js';

export interface OpenedFeedTokenStore extends FeedTokenStore {
  close(): Promise<void> | void;
}

export async function openFeedTokenStore(config: Config): Promise<OpenedFeedTokenStore> {
  throw new EwsdavError('EWSDAV_ERR_STORE', `The SQLite feed token store is not wired yet (data folder ${config.store.dataDir}).`, {
    hint: 'Feeds declared in the configuration (feeds[]) work; `ewsdav feed create|revoke` needs the SQLite store.',
  });
}
