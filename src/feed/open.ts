// The data-folder FeedTokenStore the CLI uses: the SQLite store's feed_tokens table.

import type { Config } from '../config/index.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { StoredFeedTokens } from './stored-tokens.js';
import type { FeedTokenStore } from './tokens.js';

export interface OpenedFeedTokenStore extends FeedTokenStore {
  close(): Promise<void> | void;
}

export async function openFeedTokenStore(config: Config): Promise<OpenedFeedTokenStore> {
  const store = new SqliteStore({ dataDir: config.store.dataDir });
  const tokens = new StoredFeedTokens(store.feedTokens);
  return Object.assign(tokens, { close: () => store.close() });
}
