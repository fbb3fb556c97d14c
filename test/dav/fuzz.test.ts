// 10,000 random and mutated PROPFIND/REPORT/PROPPATCH requests (seeded, reproducible): every
// answer is 2xx/3xx/4xx without a stack trace, the server keeps answering, and the heap does not
// grow with the number of requests. Most go through fastify's inject (the same routing, hooks
// and body parsing, minus sockets, so the file stays fast); HTTP_SHARE go over real sockets.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { Agent, request } from 'undici';
import { CAL, D, HOME, PRINCIPAL, basic, MARA, startDav } from '../support/dav.js';

const TOTAL = Number(process.env.DAV_FUZZ_COUNT ?? 10_000);
const CONCURRENCY = 16;
const HTTP_SHARE = 0.25;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function rng(seed: number): () => number {
  // mulberry32: small, fast, good enough to pick mutations reproducibly.
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  `<D:propfind ${D}><D:prop><D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/><C:calendar-data/></D:prop></D:propfind>`,
  `<D:propfind ${D}><D:allprop/><D:include><C:max-resource-size/></D:include></D:propfind>`,
  `<D:propfind ${D}><D:propname/></D:propfind>`,
  `<C:calendar-multiget ${D}><D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>/dav/calendars/mara%40contoso.com/AAMkCal1/single-1%40ewsdav.test.ics</D:href></C:calendar-multiget>`,
  `<C:calendar-query ${D}><D:prop><C:calendar-data><C:expand start="20260101T000000Z" end="20260201T000000Z"/></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260101T000000Z" end="20260201T000000Z"/><C:prop-filter name="SUMMARY"><C:text-match collation="i;unicode-casemap" negate-condition="yes">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`,
  `<D:sync-collection ${D}><D:sync-token/><D:sync-level>1</D:sync-level><D:limit><D:nresults>2</D:nresults></D:limit><D:prop><D:getetag/></D:prop></D:sync-collection>`,
  `<D:expand-property xmlns:D="DAV:"><D:property name="current-user-principal"><D:property name="displayname"/></D:property></D:expand-property>`,
  `<D:principal-property-search xmlns:D="DAV:"><D:property-search><D:prop><D:displayname/></D:prop><D:match>m</D:match></D:property-search></D:principal-property-search>`,
  `<D:propertyupdate ${D}><D:set><D:prop><A:calendar-color>#112233</A:calendar-color><A:calendar-order>1</A:calendar-order></D:prop></D:set></D:propertyupdate>`,
];
const JUNK = ['<', '>', '&', '&amp;', '&#0;', '&#xD800;', '"', "'", '<!DOCTYPE x [<!ENTITY a "b">]>', '<![CDATA[', ']]>', '<?pi?>', '\u0000', '\uFFFF', '💥', 'xmlns:D="urn:x"', '</D:prop>', '<D:prop>', '=', ' start="99999999T999999Z"', '<C:time-range end="20260101T000000Z"/>'];
const PATHS = ['/', 'dav/', PRINCIPAL, HOME, CAL, `${CAL}single-1%40ewsdav.test.ics`, `${CAL}nope.ics`, 'dav/principals/', 'dav/calendars/jo%40contoso.com/AAMkJo/', 'dav/%ZZ/', `${CAL}..%2F`, 'dav/calendars/mara@contoso.com/AAMkCal1/'];
const METHODS = ['PROPFIND', 'REPORT', 'PROPPATCH', 'PROPFIND', 'REPORT', 'GET', 'OPTIONS'];
const DEPTHS = [undefined, '0', '1', 'infinity', 'Infinity', '2', '', ' 1 ', '-0', 'x'];
const TYPES = ['application/xml; charset=utf-8', 'text/xml', undefined, 'text/plain', 'application/json', 'multipart/form-data', 'text/xml; charset=latin1', 'x/y'];

function mutate(body: string, r: () => number): string {
  let s = body;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0: s = s.slice(0, at); break; // truncate
      case 1: s = s.slice(0, at) + JUNK[Math.floor(r() * JUNK.length)] + s.slice(at); break;
      case 2: s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20)); break; // delete
      case 3: s = s.slice(0, at) + s.slice(at, at + 40).repeat(1 + Math.floor(r() * 5)) + s.slice(at); break; // duplicate
      case 4: s = s.replace(/<D:prop>/, '<D:prop>'.repeat(Math.floor(r() * 80))); break; // deepen
      case 5: s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 0xffff)) + s.slice(at); break;
      default: s = SEEDS[Math.floor(r() * SEEDS.length)]!; // swap in another body
    }
  }
  return s;
}

function randomRequest(r: () => number): { method: string; path: string; headers: Record<string, string>; body?: string } {
  const method = METHODS[Math.floor(r() * METHODS.length)]!;
  const headers: Record<string, string> = { authorization: basic(MARA) };
  const depth = DEPTHS[Math.floor(r() * DEPTHS.length)];
  if (depth !== undefined) headers.depth = depth;
  const type = TYPES[Math.floor(r() * TYPES.length)];
  if (type) headers['content-type'] = type;
  if (r() < 0.2) headers.prefer = 'return=minimal';
  if (r() < 0.1) headers['if-none-match'] = '"x", *';
  const seed = SEEDS[Math.floor(r() * SEEDS.length)]!;
  const body = r() < 0.1 ? undefined : r() < 0.15 ? seed : mutate(seed, r);
  return { method, path: PATHS[Math.floor(r() * PATHS.length)]!, headers, ...(body !== undefined && method !== 'GET' ? { body } : {}) };
}

t.test(`${TOTAL} fuzzed requests`, async (t) => {
  const server = await startDav();
  t.teardown(() => server.close());
  const dispatcher = new Agent({ connections: CONCURRENCY, pipelining: 1 });
  t.teardown(() => dispatcher.close());
  const r = rng(0xda5);
  const statuses = new Map<number, number>();
  const bad: string[] = [];
  let next = 0;

  const one = async (): Promise<void> => {
    const req = randomRequest(r);
    const url = '/' + req.path.replace(/^\//, '');
    let status: number;
    let text: string;
    if (r() < HTTP_SHARE) {
      const res = await request(server.origin + url, { method: req.method as 'PROPFIND', headers: req.headers, body: req.body, dispatcher });
      status = res.statusCode;
      text = await res.body.text();
    } else {
      const res = await server.app.inject({ method: req.method as 'PROPFIND', url, headers: req.headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
      status = res.statusCode;
      text = res.body;
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500 || /\bat .+:\d+:\d+\)|node_modules/.test(text)) bad.push(`${req.method} ${req.path} ${JSON.stringify(req.headers)} ${req.body?.slice(0, 300)} → ${status} ${text.slice(0, 300)}`);
  };
  const worker = async (count: number): Promise<void> => {
    while (next < count) {
      next++;
      await one();
    }
  };

  // Warm up (JIT, caches), then measure the heap over the full run.
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(500)));
  gc();
  const before = process.memoryUsage().heapUsed;
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(TOTAL)));
  gc();
  const after = process.memoryUsage().heapUsed;

  t.same(bad.slice(0, 5), [], 'no 5xx, no stack traces');
  t.ok([...statuses.keys()].every((s) => s >= 200 && s < 500), `statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
  t.ok(statuses.get(207)! > TOTAL / 100 && statuses.get(400)! > TOTAL / 100, 'both valid and rejected requests were exercised');
  t.ok(after - before < 32 * 1024 * 1024, `heap grew by ${((after - before) / 1048576).toFixed(1)} MB`);
  const alive = await request(`${server.origin}/${CAL}`, { method: 'PROPFIND', headers: { authorization: basic(MARA), depth: '0' }, dispatcher });
  await alive.body.text();
  t.equal(alive.statusCode, 207, 'the server still answers');
});
