// `ewsdav feed create|list|revoke` with a real config file and the real data-folder store
// (SQLite feed_tokens), read back directly to check what was stored.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runFeed } from '../../src/cli/commands/feed.js';
import { CliError } from '../../src/cli/io.js';
import { openFeedTokenStore } from '../../src/feed/open.js';
import { validateConfig } from '../../src/config/index.js';
import { hashFeedToken } from '../../src/feed/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'ewsdav-feed-cli-'));
const write = (name: string, config: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
};
const withUrl = write('public.json', {
  server: { publicUrl: 'https://cal.example.org/cal' },
  store: { dataDir: join(dir, 'data') },
  feeds: [{ name: 'board', user: 'mara@contoso.com', calendar: 'Calendar', token: { env: 'NOT_SET_HERE' }, detail: 'availability' }],
});
const noUrl = write('plain.json', { server: { host: '127.0.0.1', port: 8181 }, store: { dataDir: join(dir, 'data') } });

const deps = { env: {} };
/** The same data folder the command wrote, opened the way the bridge opens it. */
const memory = {
  async findByTokenHash(hash: string) {
    const store = await openFeedTokenStore(validateConfig({ store: { dataDir: join(dir, 'data') } }));
    try { return await store.findByTokenHash(hash); } finally { await store.close(); }
  },
  async list() {
    const store = await openFeedTokenStore(validateConfig({ store: { dataDir: join(dir, 'data') } }));
    try { return await store.list(); } finally { await store.close(); }
  },
};

/** Runs the command with stdout captured. */
async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await runFeed(args, deps), out };
  } finally {
    process.stdout.write = original;
  }
}

t.test('create prints the URL and webcal form once; the store keeps a hash', async (t) => {
  const { code, out } = await run('create', 'mara@contoso.com', 'AAMkCal1', '--name', 'team', '--detail', 'limited', '--days-back', '7', '--days-ahead', '60', '--private', 'hide', '--config', withUrl);
  t.equal(code, 0);
  const url = /(https:\/\/cal\.example\.org\/cal\/feeds\/([\w-]{43})\.ics)/.exec(out);
  t.ok(url, 'https URL under the public prefix');
  t.match(out, `webcal://cal.example.org/cal/feeds/${url![2]}.ics`);
  t.match(out, /detail limited, private items hide, 7 days back, 60 days ahead/);
  const feed = await memory.findByTokenHash(hashFeedToken(url![2]!));
  t.same(feed?.policy, { detail: 'limited', privateItems: 'hide', daysBack: 7, daysAhead: 60 });
  t.equal(feed?.calendarId, 'AAMkCal1');

  const json = await run('create', 'mara@contoso.com', 'Calendar', '--json', `--config=${noUrl}`);
  const doc = JSON.parse(json.out) as { url: string; webcalUrl: string; token: string; name: string; policy: unknown };
  t.equal(doc.url, `http://127.0.0.1:8181/feeds/${doc.token}.ics`, 'listen address without server.publicUrl');
  t.equal(doc.webcalUrl, `webcal://127.0.0.1:8181/feeds/${doc.token}.ics`);
  t.same(doc.policy, { detail: 'full', privateItems: 'busy' }, 'defaults as in the config schema');
  t.match(doc.name, /^feed-/);
});

t.test('list shows created and config feeds, never a token', async (t) => {
  const { code, out } = await run('list', '--config', withUrl);
  t.equal(code, 0);
  t.match(out, /^NAME\s+ID\s+USER\s+CALENDAR\s+DETAIL\s+PRIVATE\s+SOURCE\s+CREATED\n/);
  t.match(out, /board\s+config:board\s+mara@contoso\.com\s+Calendar\s+availability\s+busy\s+config\s+-/);
  t.match(out, /team\s+\w+\s+mara@contoso\.com\s+AAMkCal1\s+limited\s+hide\s+store\s+\d{4}-\d\d-\d\d \d\d:\d\d/);
  const json = JSON.parse((await run('list', 'mara@contoso.com', '--json', '--config', withUrl)).out) as { name: string; token?: string }[];
  t.same(json.map((f) => f.name).filter((n) => !n.startsWith('feed-')), ['board', 'team']);
  t.notOk(json.some((f) => 'token' in f));
  t.match((await run('list', 'nobody@contoso.com', '--config', withUrl)).out, /No feeds for nobody@contoso\.com/);
});

t.test('revoke by name or id; config feeds and unknown names are errors', async (t) => {
  await t.rejects(run('revoke', 'board', '--config', withUrl), { message: /declared in the configuration file/ });
  await t.rejects(run('revoke', 'ghost', '--config', withUrl), new CliError('feed revoke: no feed named or with id "ghost". See "ewsdav feed list".', 1));
  const { out } = await run('revoke', 'team', '--config', withUrl);
  t.match(out, /Revoked feed "team" \(id \w+\); its URL now answers 404/);
  t.notOk((await memory.list()).some((f) => f.name === 'team'));
});

t.test('argument errors and help', async (t) => {
  await t.rejects(run('create', 'mara@contoso.com', '--config', withUrl), /expected USER and CALENDAR/);
  await t.rejects(run('create', 'u', 'c', '--detail', 'everything', '--config', withUrl), /--detail must be full, limited or availability/);
  await t.rejects(run('create', 'u', 'c', '--days-back=1.5', '--config', withUrl), /--days-back expects a whole number/);
  await t.rejects(run('create', 'u', 'c', '--name', 'board', '--config', withUrl), /declared in the configuration/);
  await t.rejects(run('create', 'u', 'c', '--bogus', '--config', withUrl), /feed create: Unknown option/);
  await t.rejects(run('frobnicate', '--config', withUrl), /unknown subcommand "frobnicate"/);
  await t.rejects(run('list'), /no configuration/);
  t.match((await run('--help')).out, /ewsdav feed create USER CALENDAR/);
});
