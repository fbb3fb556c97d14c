// Feeds declared in the config (`feeds[]`) beside the ones created with `ewsdav feed create`:
// one FeedTokenStore view over both. Config feeds are read-only here — they are changed by
// editing the file — and their token secrets are resolved once, at start, into hashes.

import { ConfigError, resolveSecret, type ConfigProblem, type FeedConfig } from '../config/index.js';
import { EwsdavError } from '../errors.js';
import { feedPolicyProblems, type FeedPolicy } from '../ical/feed.js';
import { MIN_TOKEN_LENGTH, TOKEN_SHAPE, hashFeedToken, type FeedRecord, type FeedTokenStore, type RevokeResult } from './tokens.js';

export interface ConfiguredFeed {
  record: FeedRecord;
  /** Absent when only listing (the CLI need not read secrets to show names). */
  tokenHash?: string;
}

export function policyOf(feed: FeedConfig): FeedPolicy {
  const policy: FeedPolicy = { detail: feed.detail, privateItems: feed.privateItems };
  if (feed.daysBack !== undefined) policy.daysBack = feed.daysBack;
  if (feed.daysAhead !== undefined) policy.daysAhead = feed.daysAhead;
  if (feed.excludeSubject !== undefined) policy.excludeSubject = feed.excludeSubject;
  if (feed.categories !== undefined) {
    // The schema types list items loosely (unknown[]); they are validated strings.
    const { include, exclude } = feed.categories;
    policy.categories = {};
    if (include) policy.categories.include = include.map(String);
    if (exclude) policy.categories.exclude = exclude.map(String);
  }
  return policy;
}

/** The records of config feeds, without reading their secrets. */
export function configuredFeedRecords(feeds: readonly FeedConfig[]): ConfiguredFeed[] {
  return feeds.map((f) => ({ record: { id: `config:${f.name}`, name: f.name, user: f.user, calendarId: f.calendar, policy: policyOf(f), source: 'config' } }));
}

/**
 * Config feeds with their token hashes, checked: a token too short to be unguessable, two feeds
 * sharing a token or a name, or a policy that cannot run (a bad regular expression) stop the
 * start with the JSON path of the problem. Messages never contain a token.
 */
export async function resolveConfiguredFeeds(feeds: readonly FeedConfig[], options: { baseDir: string; env?: NodeJS.ProcessEnv }): Promise<ConfiguredFeed[]> {
  const problems: ConfigProblem[] = [];
  const out: ConfiguredFeed[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  const records = configuredFeedRecords(feeds);
  for (const [i, feed] of feeds.entries()) {
    const path = `feeds[${i}]`;
    const token = await resolveSecret(feed.token, { baseDir: options.baseDir, path: `${path}.token`, ...(options.env ? { env: options.env } : {}) });
    if (token.length < MIN_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
      problems.push({ path: `${path}.token`, message: `expected at least ${MIN_TOKEN_LENGTH} characters of A-Z, a-z, 0-9, "-" and "_" (e.g. \`openssl rand -base64 32 | tr '+/' '-_' | tr -d =\`)` });
    }
    const hash = hashFeedToken(token);
    if (hashes.has(hash)) problems.push({ path: `${path}.token`, message: 'the same token as an earlier feed; every feed needs its own' });
    if (names.has(feed.name)) problems.push({ path: `${path}.name`, message: `"${feed.name}" is used by an earlier feed; names must be unique` });
    for (const message of feedPolicyProblems(policyOf(feed))) problems.push({ path, message });
    hashes.add(hash);
    names.add(feed.name);
    out.push({ record: records[i]!.record, tokenHash: hash });
  }
  if (problems.length > 0) throw new ConfigError('EWSDAV_ERR_CONFIG_INVALID', problems);
  return out;
}

/** One store over config feeds and created ones; config feeds win a lookup and keep their names. */
export function withConfiguredFeeds(store: FeedTokenStore, configured: readonly ConfiguredFeed[]): FeedTokenStore {
  const byHash = new Map(configured.filter((c) => c.tokenHash !== undefined).map((c) => [c.tokenHash!, c.record]));
  const records = configured.map((c) => c.record);
  const copy = (r: FeedRecord): FeedRecord => structuredClone(r);
  return {
    async create(input) {
      if (input.name !== undefined && records.some((r) => r.name === input.name)) {
        throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', `A feed named "${input.name}" is declared in the configuration; choose another name.`);
      }
      return store.create(input);
    },
    async list(user) {
      const all = [...records.filter((r) => user === undefined || r.user === user).map(copy), ...(await store.list(user))];
      return all.sort((a, b) => (a.user === b.user ? a.name.localeCompare(b.name) : a.user.localeCompare(b.user)));
    },
    async revoke(idOrName): Promise<RevokeResult> {
      if (records.some((r) => r.id === idOrName || r.name === idOrName)) return { ok: false, reason: 'declared-in-config' };
      return store.revoke(idOrName);
    },
    async findByTokenHash(hash) {
      const hit = byHash.get(hash);
      return hit ? copy(hit) : store.findByTokenHash(hash);
    },
  };
}
