// `ewsdav feed create|list|revoke`: manage ICS subscription URLs with secret tokens. The token is
// printed once, on create; the data folder keeps only its hash. Feeds declared in the config
// are listed too, but are changed by editing the file.

import { hostname } from 'node:os';
import { loadConfig, type Config } from '../../config/index.js';
import { configuredFeedRecords, withConfiguredFeeds } from '../../feed/configured.js';
import { openFeedTokenStore, type OpenedFeedTokenStore } from '../../feed/open.js';
import { FEED_NAME_SHAPE, type FeedRecord, type FeedTokenStore } from '../../feed/tokens.js';
import { feedPolicyProblems, type FeedDetail, type FeedPolicy } from '../../ical/feed.js';
import { CliError, parseCommandArgs, printJson } from '../io.js';

export const FEED_USAGE = `Usage:
  ewsdav feed create USER CALENDAR [--name N] [--detail full|limited|availability]
                     [--days-back N] [--days-ahead N] [--private hide|busy] [--json]
  ewsdav feed list [USER] [--json]
  ewsdav feed revoke NAME|ID [--json]
Every form takes --config FILE (or EWSDAV_CONFIG). CALENDAR is the calendar id of the CalDAV URL
or its display name. Defaults: --detail full, --private busy, all days in the store.
`;

export interface FeedCommandDeps {
  /** The data-folder token store; the SQLite store provides it (src/feed/open.ts). */
  openFeedTokenStore?: (config: Config) => Promise<OpenedFeedTokenStore>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const COMMON = { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** The public base URL subscribers use: server.publicUrl, else the listen address. */
export function feedBaseUrl(config: Config): string {
  if (config.server.publicUrl) return config.server.publicUrl.endsWith('/') ? config.server.publicUrl : `${config.server.publicUrl}/`;
  const host = config.server.host;
  // A wildcard listen address is no address to subscribe to; the machine's name is the best guess.
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${config.server.port}/`;
}

/** webcal:// is the same URL with the scheme swapped (Apple's convention that opens a calendar app). */
export function webcalUrl(url: string): string {
  return url.replace(/^https?:\/\//, 'webcal://');
}

function wholeDays(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new CliError(`feed create: ${flag} expects a whole number of days, not "${value}".`);
  return Number(value);
}

function describePolicy(policy: FeedPolicy): string {
  const days = [policy.daysBack !== undefined ? `${policy.daysBack} days back` : '', policy.daysAhead !== undefined ? `${policy.daysAhead} days ahead` : ''].filter(Boolean);
  return `detail ${policy.detail}, private items ${policy.privateItems}${days.length ? `, ${days.join(', ')}` : ''}`;
}

function feedJson(feed: FeedRecord): Record<string, unknown> {
  return {
    id: feed.id, name: feed.name, user: feed.user, calendar: feed.calendarId, policy: feed.policy, source: feed.source,
    ...(feed.createdAt !== undefined ? { createdAt: new Date(feed.createdAt).toISOString() } : {}),
  };
}

async function create(store: FeedTokenStore, config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('feed create', args, {
    ...COMMON,
    name: { type: 'string' },
    detail: { type: 'string' },
    'days-back': { type: 'string' },
    'days-ahead': { type: 'string' },
    private: { type: 'string' },
  }, true);
  const [user, calendar, extra] = positionals;
  if (!user || !calendar || extra !== undefined) throw new CliError(`feed create: expected USER and CALENDAR.\n${FEED_USAGE}`);
  if (values.name !== undefined && !FEED_NAME_SHAPE.test(values.name)) {
    throw new CliError(`feed create: --name "${values.name}" is not allowed: letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit.`);
  }
  const policy: FeedPolicy = { detail: (values.detail ?? 'full') as FeedDetail, privateItems: (values.private ?? 'busy') as FeedPolicy['privateItems'] };
  const daysBack = wholeDays('--days-back', values['days-back']);
  const daysAhead = wholeDays('--days-ahead', values['days-ahead']);
  if (daysBack !== undefined) policy.daysBack = daysBack;
  if (daysAhead !== undefined) policy.daysAhead = daysAhead;
  const problems = feedPolicyProblems(policy).map((p) => p.replace(/^detail/, '--detail').replace(/^privateItems/, '--private'));
  if (problems.length > 0) throw new CliError(`feed create: ${problems.join('; ')}.`);

  const { token, id, feed } = await store.create({ ...(values.name !== undefined ? { name: values.name } : {}), user, calendarId: calendar, policy });
  const url = `${feedBaseUrl(config)}feeds/${token}.ics`;
  if (values.json) {
    printJson({ ...feedJson(feed), id, url, webcalUrl: webcalUrl(url), token });
    return 0;
  }
  const lines = [
    `Created feed "${feed.name}" (id ${id}) for ${user}, calendar ${calendar}: ${describePolicy(policy)}.`,
    `  ${url}`,
    `  ${webcalUrl(url)}`,
    'This URL is shown only now: the bridge keeps only a hash of its token. Anyone with it can read the feed.',
    `Revoke it with: ewsdav feed revoke ${feed.name}`,
  ];
  if (!config.server.publicUrl) lines.push('Note: server.publicUrl is not set, so the URL uses the listen address; set it to the address subscribers reach.');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function list(store: FeedTokenStore, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('feed list', args, COMMON, true);
  if (positionals.length > 1) throw new CliError(`feed list: expected at most one USER.\n${FEED_USAGE}`);
  const feeds = await store.list(positionals[0]);
  if (values.json) {
    printJson(feeds.map(feedJson));
    return 0;
  }
  if (feeds.length === 0) {
    process.stdout.write(positionals[0] ? `No feeds for ${positionals[0]}.\n` : 'No feeds.\n');
    return 0;
  }
  const rows = [['NAME', 'ID', 'USER', 'CALENDAR', 'DETAIL', 'PRIVATE', 'SOURCE', 'CREATED']];
  for (const f of feeds) {
    rows.push([f.name, f.id, f.user, f.calendarId, f.policy.detail, f.policy.privateItems, f.source, f.createdAt ? new Date(f.createdAt).toISOString().slice(0, 16).replace('T', ' ') : '-']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  return 0;
}

async function revoke(store: FeedTokenStore, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('feed revoke', args, COMMON, true);
  const [target, extra] = positionals;
  if (!target || extra !== undefined) throw new CliError(`feed revoke: expected one NAME or ID.\n${FEED_USAGE}`);
  const result = await store.revoke(target);
  if (!result.ok) {
    if (result.reason === 'declared-in-config') {
      throw new CliError(`feed revoke: "${target}" is declared in the configuration file; remove it from feeds[] there and restart.`, 1);
    }
    throw new CliError(`feed revoke: no feed named or with id "${target}". See "ewsdav feed list".`, 1);
  }
  if (values.json) printJson({ revoked: feedJson(result.feed) });
  else process.stdout.write(`Revoked feed "${result.feed.name}" (id ${result.feed.id}); its URL now answers 404.\n`);
  return 0;
}

export async function runFeed(args: string[], deps: FeedCommandDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(FEED_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (!['create', 'list', 'revoke'].includes(sub)) throw new CliError(`feed: unknown subcommand "${sub}".\n${FEED_USAGE}`);
  // --config is read here so every subcommand shares it; the subcommand parsers check the rest.
  const configFlag = rest.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const path = configFlag < 0 ? undefined : rest[configFlag]!.includes('=') ? rest[configFlag]!.slice('--config='.length) : rest[configFlag + 1];
  const loaded = await loadConfig({ ...(path !== undefined ? { path } : {}), ...(deps.env ? { env: deps.env } : {}), ...(deps.cwd ? { cwd: deps.cwd } : {}) });
  if (!loaded) throw new CliError('feed: no configuration; pass --config FILE or set EWSDAV_CONFIG.');
  const { config } = loaded;
  const opened = await (deps.openFeedTokenStore ?? openFeedTokenStore)(config);
  try {
    const store = withConfiguredFeeds(opened, configuredFeedRecords(config.feeds));
    if (sub === 'create') return await create(store, config, rest);
    if (sub === 'list') return await list(store, rest);
    return await revoke(store, rest);
  } finally {
    await opened.close();
  }
}
