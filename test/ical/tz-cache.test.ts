// src/model/tz.ts caches tzdata offsets per zone and UTC year: the cached answers must be exactly
// Intl's (ianaOffsetAt), around real transitions too, and the cache stays bounded.

import t from 'tap';
import { formatLocal, ianaOffsetAt, ianaZone, OFFSET_CACHE_LIMIT, offsetCacheSize } from '../../src/model/tz.js';
import { intlTransitions } from '../../src/ical/zone-data.js';

const ZONES = [
  'Australia/Lord_Howe', 'Africa/Casablanca', 'America/Santiago', 'Asia/Kolkata', 'Asia/Kathmandu', 'Europe/Berlin',
  'America/New_York', 'Pacific/Chatham', 'Asia/Tehran', 'America/Sao_Paulo', 'Europe/Dublin', 'Pacific/Apia',
  'Asia/Gaza', 'America/St_Johns', 'Australia/Adelaide', 'Pacific/Kiritimati', 'Europe/Moscow', 'America/Havana',
  'Asia/Pyongyang', 'Antarctica/Troll',
];

/** Deterministic pseudo-random numbers: a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

t.test('random instants 1970–2100 in 20 zones agree with Intl', async (t) => {
  const r = rng(7);
  const from = Date.UTC(1970, 0, 1);
  const span = Date.UTC(2100, 0, 1) - from;
  let bad = 0;
  for (let i = 0; i < 1200; i++) {
    const id = ZONES[i % ZONES.length]!;
    const ms = from + Math.floor(r() * span);
    const zone = ianaZone(id);
    const expected = ianaOffsetAt(id, ms);
    if (zone.offsetAt(ms) !== expected || zone.toLocal(ms) !== formatLocal(ms + expected * 60_000)) {
      bad++;
      t.fail(`${id} at ${new Date(ms).toISOString()}`);
    }
  }
  t.equal(bad, 0);
});

t.test('either side of every transition (incl. 30-minute DST, Ramadan hours, year ends)', async (t) => {
  for (const [id, year] of [['Australia/Lord_Howe', 2026], ['Africa/Casablanca', 2026], ['Africa/Casablanca', 2013], ['America/Santiago', 2026],
    ['Asia/Kathmandu', 1986], ['Europe/Moscow', 2011], ['Europe/Moscow', 2014], ['Pacific/Apia', 2011], ['Asia/Kolkata', 1971]] as const) {
    const zone = ianaZone(id);
    const changes = intlTransitions(id, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
    const probes = [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1) - 1, ...changes.flatMap((c) => [c.utc - 1000, c.utc - 1, c.utc, c.utc + 999, c.utc + 1000])];
    for (const ms of probes) t.equal(zone.offsetAt(ms), ianaOffsetAt(id, ms), `${id} ${new Date(ms).toISOString()}`);
    // fromLocal goes through the cached offsets too: every local time written maps back.
    for (const c of changes) {
      const ms = c.utc + 3_600_000;
      t.equal(zone.fromLocal(zone.toLocal(ms)), ms, `${id} round trip after ${new Date(c.utc).toISOString()}`);
    }
  }
});

t.test('outside 1900–2200 the answer comes from Intl uncached; the cache is bounded', async (t) => {
  const zone = ianaZone('Europe/Berlin');
  for (const ms of [Date.UTC(1850, 5, 1), Date.UTC(2300, 5, 1)]) t.equal(zone.offsetAt(ms), ianaOffsetAt('Europe/Berlin', ms));
  for (let year = 1900; year <= 2200; year++) {
    ianaZone('America/New_York').offsetAt(Date.UTC(year, 6, 1));
    ianaZone('Asia/Tokyo').offsetAt(Date.UTC(year, 6, 1));
  }
  t.ok(offsetCacheSize() > 0 && offsetCacheSize() <= OFFSET_CACHE_LIMIT, `${offsetCacheSize()} zone-years`);
});
