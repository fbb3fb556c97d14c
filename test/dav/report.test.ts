// REPORTs: calendar-multiget, sync-collection (initial, delta, limit → 507, bad token), calendar-query
// filters and calendar-data options, principal searches, expand-property.

import t from 'tap';
import { CAL, D, DavTestClient, HOME, MARA, PRINCIPAL, hrefOf, parseMultistatus, startDav, syncTokenOf } from '../support/dav.js';
import { fixture } from '../support/memory-store.js';
import { caldav, dav, textOf } from '../../src/dav/xml.js';

const server = await startDav();
t.teardown(() => server.close());
const c = new DavTestClient(server);
const abs = (name: string) => `/dav/calendars/${MARA}/AAMkCal1/${name}`;
const calHref = `/dav/calendars/${MARA}/AAMkCal1/`;

const multiget = (...hrefs: string[]) =>
  `<C:calendar-multiget ${D}><D:prop><D:getetag/><C:calendar-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`;
const sync = (token: string, extra = '') =>
  `<D:sync-collection ${D}><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level>${extra}<D:prop><D:getetag/></D:prop></D:sync-collection>`;
const query = (filter: string, props = '<D:getetag/>') =>
  `<C:calendar-query ${D}><D:prop>${props}</D:prop><C:filter><C:comp-filter name="VCALENDAR">${filter}</C:comp-filter></C:filter></C:calendar-query>`;
async function uids(filter: string): Promise<string[]> {
  const ms = parseMultistatus((await c.report(CAL, query(filter, '<C:calendar-data/>'))).text);
  return Object.values(ms).map((p) => /UID:(.*)/.exec(textOf(p[caldav('calendar-data')]![1]))![1]!.trim()).sort();
}

t.test('calendar-multiget', async (t) => {
  const hrefs = [`/dav/calendars/mara%40contoso.com/AAMkCal1/single-1%40ewsdav.test.ics`, abs('weekly-1@ewsdav.test.ics'), `${server.origin}/dav/calendars/mara%40contoso.com/AAMkCal1/all-day.ics`, abs('gone.ics'), '/dav/calendars/jo%40contoso.com/AAMkJo/jo-secret%40ewsdav.test.ics'];
  const ms = parseMultistatus((await c.report(CAL, multiget(...hrefs))).text);
  t.match(textOf(ms[abs('single-1@ewsdav.test.ics')]![caldav('calendar-data')]![1]), /SUMMARY:Quarterly review/);
  t.equal(ms[abs('weekly-1@ewsdav.test.ics')]![dav('getetag')]![0], 200, 'raw @ in an href works');
  t.equal(ms[abs('all-day.ics')]!['']![0], 404, 'an absolute URL naming nothing');
  t.equal(ms[abs('gone.ics')]!['']![0], 404);
  t.equal(ms['/dav/calendars/jo@contoso.com/AAMkJo/jo-secret@ewsdav.test.ics']!['']![0], 403, "another user's href");
  await c.report(CAL, `<C:calendar-multiget ${D}><D:prop><D:getetag/></D:prop></C:calendar-multiget>`, '1', 400);
  const before = server.store.calls.getObjects ?? 0;
  const many = Array.from({ length: 5 }, () => abs('single-1@ewsdav.test.ics'));
  await c.report(CAL, multiget(...many));
  t.equal((server.store.calls.getObjects ?? 0) - before, 1, 'one store call per multiget');
});

t.test('sync-collection: initial, delta, deletions, limit, invalid token', async (t) => {
  const initial = await c.report(CAL, sync(''), '0');
  const first = parseMultistatus(initial.text);
  t.equal(Object.keys(first).length, 5);
  const token = syncTokenOf(initial.text);
  t.match(token, /^http:\/\/ewsdav\.org\/ns\/sync\//);

  const idle = await c.report(CAL, sync(token), '0');
  t.same(Object.keys(parseMultistatus(idle.text)), [], 'nothing changed');
  t.equal(syncTokenOf(idle.text), token);

  server.store.putObject(MARA, 'AAMkCal1', fixture('all-day.ics').replace('Offsite', 'Offsite (2 days)'));
  server.store.deleteObject(MARA, 'AAMkCal1', 'unicode-1@ewsdav.test.ics');
  const delta = parseMultistatus((await c.report(CAL, sync(token), '0')).text);
  t.same(Object.keys(delta).sort(), [abs('allday-1@ewsdav.test.ics'), abs('unicode-1@ewsdav.test.ics')]);
  t.equal(delta[abs('unicode-1@ewsdav.test.ics')]!['']![0], 404, 'deletion as 404');
  t.equal(delta[abs('allday-1@ewsdav.test.ics')]![dav('getetag')]![0], 200);

  const limited = await c.report(CAL, sync('', '<D:limit><D:nresults>2</D:nresults></D:limit>'), '0');
  const lim = parseMultistatus(limited.text);
  t.equal(lim[calHref]!['']![0], 507, 'truncation: 507 on the collection');
  t.match(limited.text, /number-of-matches-within-limits/);
  t.equal(Object.keys(lim).length, 3, 'two objects and the collection');
  const rest = parseMultistatus((await c.report(CAL, sync(syncTokenOf(limited.text)), '0')).text);
  // A deletion the client never saw the object of may come too (RFC 6578 §3.5 allows it).
  t.equal(Object.values(rest).filter((p) => p[dav('getetag')]).length, 2, 'the remaining objects come next');

  for (const bad of ['http://ewsdav.org/ns/sync/zzz-1', 'garbage', 'x'.repeat(2000)]) {
    const r = await c.report(CAL, sync(bad), '0', 403);
    t.match(r.text, /<d:valid-sync-token\/>/);
  }
  await c.report(CAL, sync('', '<D:limit><D:nresults>-1</D:nresults></D:limit>'), '0', 400);
  await c.report(HOME, sync(''), '0', 403);
});

t.test('calendar-query filters', async (t) => {
  const ev = (inner: string) => `<C:comp-filter name="VEVENT">${inner}</C:comp-filter>`;
  t.equal((await uids(ev(''))).length, 4, 'all VEVENTs (one deleted above)');
  t.same(await uids('<C:comp-filter name="VTODO"/>'), [], 'no tasks here');
  t.equal((await uids('<C:comp-filter name="VTODO"><C:is-not-defined/></C:comp-filter>')).length, 4);
  t.same(await uids(ev('<C:prop-filter name="SUMMARY"><C:text-match collation="i;ascii-casemap">STAND-UP</C:text-match></C:prop-filter>')), ['weekly-1@ewsdav.test']);
  t.same(await uids(ev('<C:prop-filter name="SUMMARY"><C:text-match collation="i;octet">STAND-UP</C:text-match></C:prop-filter>')), []);
  t.equal((await uids(ev('<C:prop-filter name="SUMMARY"><C:text-match negate-condition="yes">stand-up</C:text-match></C:prop-filter>'))).length, 3);
  t.same(await uids(ev('<C:prop-filter name="UID"><C:text-match>single-1@ewsdav.test</C:text-match></C:prop-filter>')), ['single-1@ewsdav.test'], 'Evolution looks objects up by UID');
  t.same(await uids(ev('<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match>accepted</C:text-match></C:param-filter></C:prop-filter>')), ['single-1@ewsdav.test']);
  t.equal((await uids(ev('<C:prop-filter name="LOCATION"><C:is-not-defined/></C:prop-filter>'))).length, 3);
  t.same(await uids(ev('<C:comp-filter name="VALARM"/>')), ['daily-forever@ewsdav.test']);
  t.same(await uids(ev('<C:prop-filter name="DTSTART"><C:time-range start="20260415T000000Z" end="20260416T000000Z"/></C:prop-filter>')), ['allday-1@ewsdav.test']);
  const unsupported = await c.report(CAL, query(ev('<C:prop-filter name="SUMMARY"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter>')), '1', 403);
  t.match(unsupported.text, /supported-collation/);
  await c.report(CAL, query(ev('<C:time-range start="tomorrow"/>')), '1', 403);
  await c.report(CAL, `<C:calendar-query ${D}><D:prop><D:getetag/></D:prop></C:calendar-query>`, '1', 403);
});

t.test('unicode casemap', async (t) => {
  server.store.putObject(MARA, 'AAMkCal1', fixture('unicode-summary.ics'));
  const f = (needle: string, collation: string) =>
    `<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match collation="${collation}">${needle}</C:text-match></C:prop-filter></C:comp-filter>`;
  t.same(await uids(f('frau müller', 'i;unicode-casemap')), ['unicode-1@ewsdav.test']);
  t.same(await uids(f('frau müller', 'i;ascii-casemap')), [], 'ASCII casemap leaves Ü alone');
});

t.test('calendar-data expand and limit-recurrence-set', async (t) => {
  const range = 'start="20260126T000000Z" end="20260210T000000Z"';
  const body = query('<C:comp-filter name="VEVENT"><C:time-range ' + range + '/></C:comp-filter>', `<C:calendar-data><C:expand ${range}/></C:calendar-data>`);
  const ms = parseMultistatus((await c.report(CAL, body)).text);
  const weekly = textOf(ms[abs('weekly-1@ewsdav.test.ics')]![caldav('calendar-data')]![1]);
  t.same(weekly.match(/RECURRENCE-ID:\S+/g), ['RECURRENCE-ID:20260126T090000Z', 'RECURRENCE-ID:20260202T090000Z', 'RECURRENCE-ID:20260209T090000Z']);
  t.match(weekly, /DTSTART:20260204T140000Z/, 'the moved instance at its new time, in UTC');
  t.notMatch(weekly, /TZID|RRULE|EXDATE/);
  const daily = textOf(ms[abs('daily-forever@ewsdav.test.ics')]![caldav('calendar-data')]![1]);
  t.equal(daily.match(/BEGIN:VEVENT/g)?.length, 15, 'an unbounded series expands inside the range only');
  t.match(daily, /BEGIN:VALARM/, 'sub-components kept');

  const limited = query('<C:comp-filter name="VEVENT"/>', '<C:calendar-data><C:limit-recurrence-set start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data>');
  const lim = parseMultistatus((await c.report(CAL, limited)).text);
  const w = textOf(lim[abs('weekly-1@ewsdav.test.ics')]![caldav('calendar-data')]![1]);
  t.match(w, /RRULE/, 'master kept');
  t.notMatch(w, /RECURRENCE-ID/, 'the February override is outside');
  await c.report(CAL, query('<C:comp-filter name="VEVENT"/>', '<C:calendar-data><C:expand start="20260301T000000Z"/></C:calendar-data>'), '1', 403);
  const partial = query('<C:comp-filter name="VEVENT"/>', '<C:calendar-data><C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT"><C:prop name="SUMMARY"/></C:comp></C:comp></C:calendar-data>');
  t.equal(Object.keys(parseMultistatus((await c.report(CAL, partial)).text)).length, 5, 'partial calendar-data accepted');
  const onObject = parseMultistatus((await c.report(`${CAL}single-1%40ewsdav.test.ics`, query('<C:comp-filter name="VEVENT"/>'), '0')).text);
  t.same(Object.keys(onObject), [abs('single-1@ewsdav.test.ics')], 'query on an object');
});

t.test('principal reports and expand-property', async (t) => {
  const set = await c.report('dav/principals/', `<D:principal-search-property-set xmlns:D="DAV:"/>`, '0', 200);
  t.match(set.text, /principal-search-property-set/);
  t.match(set.text, /calendar-user-address-set/);
  const search = (match: string) =>
    `<D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" test="anyof"><D:property-search><D:prop><D:displayname/></D:prop><D:match match-type="starts-with">${match}</D:match></D:property-search><D:property-search><D:prop><C:calendar-user-address-set/></D:prop><D:match match-type="starts-with">${match}</D:match></D:property-search><D:prop><C:calendar-user-address-set/><D:displayname/></D:prop><D:apply-to-principal-collection-set/></D:principal-property-search>`;
  t.same(Object.keys(parseMultistatus((await c.report('dav/principals/', search('mara'), '0')).text)), [`/dav/principals/${MARA}/`]);
  t.same(Object.keys(parseMultistatus((await c.report('dav/principals/', search('jo'), '0')).text)), [], 'other users are never found');
  const expand = `<D:expand-property xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav"/><D:property name="current-user-principal"><D:property name="displayname"/><D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/></D:property><D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/"><D:property name="displayname"/></D:property></D:expand-property>`;
  const ex = await c.report(PRINCIPAL, expand, '0');
  const top = parseMultistatus(ex.text)[`/dav/principals/${MARA}/`]!;
  t.equal(hrefOf(top[caldav('calendar-home-set')]![1]), `/${HOME}`);
  t.match(ex.text, /<d:current-user-principal><d:response><d:href>\/dav\/principals\/mara%40contoso.com\/<\/d:href>.*<d:displayname>mara@contoso.com/);
  t.equal(top['{http://calendarserver.org/ns/}calendar-proxy-write-for']![0], 404);
  const unknown = await c.report(CAL, `<D:acl-principal-prop-set xmlns:D="DAV:"/>`, '0', 403);
  t.match(unknown.text, /supported-report/);
  await c.report(HOME, multiget(abs('single-1@ewsdav.test.ics')), '1', 403);
});
