// The feed front-end over HTTP (app.inject): login and user isolation on /ics, tokens on
// /feeds, validators and 304, gzip, HEAD, and no token in any log line.

import { gunzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { configuredFeedRecords, withConfiguredFeeds } from '../../src/feed/configured.js';
import { MemoryFeedTokenStore } from '../../src/feed/memory-tokens.js';
import { feedPlugin } from '../../src/feed/plugin.js';
import { hashFeedToken } from '../../src/feed/tokens.js';
import { createLogger } from '../../src/log.js';
import { buildApp } from '../../src/server/app.js';
import type { FastifyRequest } from 'fastify';
import { MemoryStore } from '../support/memory-store.js';
import { NOW, allFeedFixtures, icaljsSummaries, unfolded } from '../support/feed-fixtures.js';

const MARA = 'mara@contoso.com';
const JO = 'jo@contoso.com';
const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(`${user}:pw`).toString('base64')}` });

async function setup(t: Test) {
  const store = new MemoryStore();
  store.addCalendar(MARA, { id: 'cal-work', displayName: 'Work – Mara', timezone: 'Europe/Berlin', lastSync: Date.UTC(2026, 2, 10, 11) });
  for (const { ical } of allFeedFixtures()) store.putObject(MARA, 'cal-work', ical, undefined, Date.UTC(2026, 2, 1));
  store.addCalendar(JO, { id: 'cal-jo', displayName: 'Jo', lastSync: 1 });
  store.putObject(JO, 'cal-jo', allFeedFixtures()[0]!.ical.replace('Canceled: Offsite', 'JOSECRET'));

  const memory = new MemoryFeedTokenStore();
  // A config feed names its calendar by display name; the token is resolved elsewhere (configured.ts).
  const [configFeed] = configuredFeedRecords([
    { name: 'board', user: MARA, calendar: 'Work – Mara', token: 'x', detail: 'availability', privateItems: 'busy', daysBack: 7, daysAhead: 30 },
  ]);
  const CONFIG_TOKEN = 'configured-token-0123456789';
  const tokens = withConfiguredFeeds(memory, [{ ...configFeed!, tokenHash: hashFeedToken(CONFIG_TOKEN) }]);

  const logs: string[] = [];
  const refreshed: string[] = [];
  const app = await buildApp({
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } }),
    publicUrl: 'https://cal.example.org/cal/',
    plugins: [
      feedPlugin({
        store,
        tokens,
        syncIntervalSeconds: 60,
        now: () => NOW,
        refresh: { refreshIfStale: async (user, calendarId) => void refreshed.push(`${user}/${calendarId}`) },
        authenticate: async (request: FastifyRequest) => {
          const header = request.headers.authorization;
          if (!header?.startsWith('Basic ')) return undefined;
          const [user, password] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
          return password === 'pw' && (user === MARA || user === JO) ? user : undefined;
        },
      }),
    ],
  });
  t.teardown(() => app.close());
  return { app, store, memory, tokens, logs, refreshed, CONFIG_TOKEN };
}

t.test('/ics: Basic login, own calendars only, owner sees everything', async (t) => {
  const { app, refreshed } = await setup(t);
  const url = `/ics/${MARA}/cal-work.ics`;
  const anonymous = await app.inject(url);
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.headers['www-authenticate'], /^Basic realm="ewsdav"/);

  const notMine = await app.inject({ url, headers: basic(JO) });
  const missing = await app.inject({ url: `/ics/${MARA}/nope.ics`, headers: basic(MARA) });
  const otherPath = await app.inject({ url: `/ics/${JO}/cal-jo.ics`, headers: basic(MARA) });
  for (const r of [notMine, missing, otherPath]) {
    t.equal(r.statusCode, 404);
    t.equal(r.body, 'Not found\n', 'one answer for "not yours" and "does not exist"');
  }

  const ok = await app.inject({ url, headers: basic(MARA) });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['content-type'], 'text/calendar; charset=utf-8');
  t.equal(ok.headers['cache-control'], 'private, max-age=300');
  t.equal(ok.headers['vary'], 'Accept-Encoding');
  t.match(ok.headers['etag'], /^"[\w-]{32}"$/, 'strong ETag');
  t.equal(ok.headers['last-modified'], new Date(Date.UTC(2026, 2, 10, 11)).toUTCString());
  t.equal(ok.headers['content-disposition'], `inline; filename="Work Mara.ics"; filename*=UTF-8''Work%20%E2%80%93%20Mara.ics`);
  const text = unfolded(ok.body);
  t.match(text, /X-WR-CALNAME:Work – Mara\r\n/);
  t.match(text, /REFRESH-INTERVAL;VALUE=DURATION:PT5M\r\nX-PUBLISHED-TTL:PT5M\r\n/);
  t.match(text, /SOURCE;VALUE=URI:https:\/\/cal\.example\.org\/cal\/ics\/mara@contoso\.com\/cal-work\.ics\r\n/, 'public URL with prefix');
  t.ok(text.includes('PRIVATESUBJECT'), 'the owner sees their private events, as over CalDAV');
  t.ok(icaljsSummaries(ok.body).length > 10);
  t.same(refreshed, [`${MARA}/cal-work`], 'asked the engine for fresher data');

  t.equal((await app.inject({ url: `/cal${url}`, headers: basic(MARA) })).statusCode, 200, 'proxy prefix stripped');
  t.equal((await app.inject({ url: `/ics/Mara@Contoso.com/cal-work.ics`, headers: basic(MARA) })).statusCode, 200, 'login compared without case');
  t.equal((await app.inject({ url: `/ics/${MARA}/cal-work.txt`, headers: basic(MARA) })).statusCode, 404);
});

t.test('ETag, If-None-Match → 304, changes → new ETag, HEAD', async (t) => {
  const { app, store } = await setup(t);
  const url = `/ics/${MARA}/cal-work.ics`;
  const first = await app.inject({ url, headers: basic(MARA) });
  const etag = first.headers['etag'] as string;
  t.equal((await app.inject({ url, headers: basic(MARA) })).headers['etag'], etag, 'stable');
  const notModified = await app.inject({ url, headers: { ...basic(MARA), 'if-none-match': etag } });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '');
  t.equal(notModified.headers['etag'], etag);
  t.equal((await app.inject({ url, headers: { ...basic(MARA), 'if-none-match': `"other", W/${etag}` } })).statusCode, 304, 'weak comparison, lists');
  t.equal((await app.inject({ url, headers: { ...basic(MARA), 'if-none-match': '"other"' } })).statusCode, 200);

  const head = await app.inject({ method: 'HEAD', url, headers: basic(MARA) });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
  t.equal(head.headers['etag'], etag);
  t.equal(head.headers['content-type'], 'text/calendar; charset=utf-8');

  store.putObject(MARA, 'cal-work', allFeedFixtures()[0]!.ical.replace('Canceled: Offsite', 'Offsite is back'), undefined, Date.UTC(2026, 2, 10, 11, 30));
  const changed = await app.inject({ url, headers: { ...basic(MARA), 'if-none-match': etag } });
  t.equal(changed.statusCode, 200, 'a change gives a new ETag');
  t.not(changed.headers['etag'], etag);
  t.equal(changed.headers['last-modified'], new Date(Date.UTC(2026, 2, 10, 11, 30)).toUTCString());
});

t.test('gzip when accepted', async (t) => {
  const { app } = await setup(t);
  const url = `/ics/${MARA}/cal-work.ics`;
  const plain = await app.inject({ url, headers: basic(MARA) });
  const zipped = await app.inject({ url, headers: { ...basic(MARA), 'accept-encoding': 'br;q=1, gzip;q=0.8' } });
  t.equal(zipped.headers['content-encoding'], 'gzip');
  t.equal(gunzipSync(zipped.rawPayload).toString('utf8'), plain.body);
  t.ok(zipped.rawPayload.length < plain.rawPayload.length / 2);
  t.equal(zipped.headers['etag'], (plain.headers['etag'] as string).replace(/"$/, '-gzip"'), 'its own strong ETag');
  t.equal((await app.inject({ url, headers: { ...basic(MARA), 'accept-encoding': 'gzip', 'if-none-match': plain.headers['etag'] as string } })).statusCode, 304);
  t.equal((await app.inject({ url, headers: { ...basic(MARA), 'if-none-match': zipped.headers['etag'] as string } })).statusCode, 304);
  t.equal((await app.inject({ url, headers: { ...basic(MARA), 'accept-encoding': 'gzip;q=0, identity' } })).headers['content-encoding'], undefined);
  t.equal((await app.inject({ url, headers: { ...basic(MARA), 'accept-encoding': '*' } })).headers['content-encoding'], 'gzip');
});

t.test('/feeds/{token}: no login, policy applied, unknown or revoked → 404, token never logged', async (t) => {
  const { app, memory, tokens, logs, CONFIG_TOKEN } = await setup(t);
  const { token, id } = await tokens.create({ name: 'limited', user: MARA, calendarId: 'cal-work', policy: { detail: 'limited', privateItems: 'busy' } });
  const r = await app.inject(`/feeds/${token}.ics`);
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'text/calendar; charset=utf-8');
  const text = unfolded(r.body);
  t.match(text, /SUMMARY:Quarterly review/);
  for (const marker of ['PRIVATESUBJECT', 'PRIVATEDESC', 'PRIVATELOCATION', 'private.attendee', 'MEETINGDESC', 'ATTENDEE']) t.notOk(text.includes(marker), `no ${marker}`);
  t.notMatch(text, /SOURCE/, 'a token URL is not written into the file');

  const board = await app.inject(`/feeds/${CONFIG_TOKEN}.ics`);
  t.equal(board.statusCode, 200, 'config feed, calendar named by display name');
  t.same(new Set([...unfolded(board.body).matchAll(/\r\nSUMMARY:([^\r]*)/g)].map((m) => m[1])), new Set(['Busy', 'Tentative', 'Out of office', 'Working elsewhere']));

  for (const bad of ['/feeds/unknown-token-0123456789abc.ics', '/feeds/short.ics', `/feeds/${token}.txt`, `/feeds/${token}`, `/feeds/${token}x.ics`]) {
    const res = await app.inject(bad);
    t.equal(res.statusCode, 404, bad.replace(token, '<token>'));
  }
  t.equal((await memory.revoke(id)).ok, true);
  t.equal((await app.inject(`/feeds/${token}.ics`)).statusCode, 404, 'revoked');

  // A feed whose calendar is gone answers like an unknown token.
  const orphan = await tokens.create({ user: MARA, calendarId: 'deleted-calendar', policy: { detail: 'full', privateItems: 'hide' } });
  t.equal((await app.inject(`/feeds/${orphan.token}.ics`)).statusCode, 404);

  t.ok(logs.some((l) => l.includes('/feeds/[redacted]')), 'requests are logged, redacted');
  for (const secret of [token, CONFIG_TOKEN, orphan.token]) t.notOk(logs.some((l) => l.includes(secret)), 'no log line holds a token');
});

t.test('refresh is awaited only before the first sync', async (t) => {
  const { store } = await setup(t);
  store.addCalendar(MARA, { id: 'cal-new', displayName: 'New' });
  let release!: () => void;
  const firstSync = new Promise<void>((resolve) => (release = resolve));
  const asked: string[] = [];
  const app = await buildApp({
    logger: createLogger({ level: 'silent' }),
    plugins: [
      feedPlugin({
        store, tokens: new MemoryFeedTokenStore(), syncIntervalSeconds: 900, now: () => NOW,
        authenticate: async () => MARA,
        refresh: {
          // cal-new waits for the test to release it; cal-work's refresh never settles.
          refreshIfStale: (_user, calendarId) => (asked.push(calendarId ?? ''), calendarId === 'cal-new' ? firstSync : new Promise<void>(() => {})),
        },
      }),
    ],
  });
  t.teardown(() => app.close());
  let answered = false;
  const pending = app.inject(`/ics/${MARA}/cal-new.ics`).then((r) => ((answered = true), r));
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(answered, 'a calendar never synced waits for its first sync');
  release();
  const first = await pending;
  t.equal(first.statusCode, 200);
  t.equal(first.headers['cache-control'], 'private, max-age=900', 'max-age follows the sync interval');
  const synced = await app.inject(`/ics/${MARA}/cal-work.ics`);
  t.equal(synced.statusCode, 200, 'a synced calendar is served from the store without waiting');
  t.same(asked, ['cal-new', 'cal-work']);
});
