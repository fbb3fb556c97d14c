// PROPFIND, OPTIONS, GET/HEAD, PROPPATCH and discovery against the in-memory store, with
// Radicale-style helpers: assertions are on parsed multistatus data, not XML text.

import t from 'tap';
import { CAL, D, DavTestClient, HOME, JO, MARA, PRINCIPAL, hrefOf, parseMultistatus, startDav } from '../support/dav.js';
import { caldav, cs, dav, ical, textOf } from '../../src/dav/xml.js';

const server = await startDav();
t.teardown(() => server.close());
const c = new DavTestClient(server);
const OBJ = `${CAL}single-1%40ewsdav.test.ics`;
const prop = (...names: string[]) => `<D:propfind ${D}><D:prop>${names.map((n) => `<${n}/>`).join('')}</D:prop></D:propfind>`;

t.test('discovery: well-known, bare URL, principal, home', async (t) => {
  for (const method of ['GET', 'PROPFIND']) {
    const r = await c.request(method, '/.well-known/caldav', { status: 301 });
    t.equal(r.headers.get('location'), '/dav/', `${method} well-known redirects`);
  }
  for (const path of ['/', 'dav/', 'dav']) {
    const ms = parseMultistatus((await c.propfind(path, prop('D:current-user-principal', 'D:resourcetype'))).text);
    const [href] = Object.keys(ms);
    t.equal(hrefOf(ms[href!]![dav('current-user-principal')]![1]), `/${PRINCIPAL}`, `${path} names the principal`);
  }
  const p = parseMultistatus((await c.propfind(PRINCIPAL, prop('C:calendar-home-set', 'C:calendar-user-address-set', 'D:principal-URL', 'D:displayname', 'CS:calendar-proxy-write-for'))).text)[`/dav/principals/${MARA}/`]!;
  t.equal(hrefOf(p[caldav('calendar-home-set')]![1]), `/${HOME}`);
  t.equal(hrefOf(p[caldav('calendar-user-address-set')]![1]), `mailto:${MARA}`, 'mailto first');
  t.equal(textOf(p[dav('displayname')]![1]), MARA);
  t.equal(p[cs('calendar-proxy-write-for')]![0], 404, 'calendar-proxy is 404, gracefully');
  // '@' raw in the path is accepted as well as %40.
  await c.propfind(`dav/principals/${MARA}/`, prop('D:displayname'));
});

t.test('home Depth 1 lists calendars with their properties', async (t) => {
  const ms = parseMultistatus((await c.propfind(HOME, prop('D:resourcetype', 'D:displayname', 'CS:getctag', 'D:sync-token', 'C:supported-calendar-component-set', 'A:calendar-color', 'D:current-user-privilege-set', 'C:calendar-timezone'), '1')).text);
  t.same(Object.keys(ms).sort(), [`/dav/calendars/${MARA}/`, `/dav/calendars/${MARA}/AAMkBday/`, `/dav/calendars/${MARA}/AAMkCal1/`]);
  const cal = ms[`/dav/calendars/${MARA}/AAMkCal1/`]!;
  t.equal(textOf(cal[dav('displayname')]![1]), 'Calendar');
  t.ok(cal[dav('resourcetype')]![1].children.some((e) => typeof e !== 'string' && e.name === caldav('calendar')));
  t.equal(cal[ical('calendar-color')]![0], 404, 'no colour set yet');
  t.match(textOf(cal[caldav('calendar-timezone')]![1]), /BEGIN:VTIMEZONE\r?\nTZID:Europe\/Berlin/);
  const privileges = cal[dav('current-user-privilege-set')]![1].children.map((p) => (typeof p === 'string' ? p : (p.children[0] as { name: string }).name));
  t.same(privileges, [dav('read'), dav('read-current-user-privilege-set')], 'read-only');
  t.equal(ms[`/dav/calendars/${MARA}/AAMkBday/`]![caldav('calendar-timezone')]![0], 404);
});

t.test('calendar Depth 1: objects, allprop, propname, Prefer: return=minimal', async (t) => {
  const all = parseMultistatus((await c.propfind(CAL, undefined, '1')).text);
  t.equal(Object.keys(all).length, 6, 'calendar + 5 objects');
  const obj = all[`/dav/calendars/${MARA}/AAMkCal1/single-1@ewsdav.test.ics`]!;
  t.match(textOf(obj[dav('getetag')]![1]), /^"[0-9a-f]{40}"$/);
  t.equal(textOf(obj[dav('getlastmodified')]![1]), 'Fri, 02 Jan 2026 03:04:05 GMT');
  t.notOk(obj[caldav('calendar-data')], 'no calendar-data in allprop');
  t.notOk(all[`/dav/calendars/${MARA}/AAMkCal1/`]![caldav('max-resource-size')], 'RFC 4791 §5.2.5: not in allprop');
  const names = parseMultistatus((await c.propfind(CAL, `<D:propfind ${D}><D:propname/></D:propfind>`)).text)[`/dav/calendars/${MARA}/AAMkCal1/`]!;
  t.ok(names[caldav('max-resource-size')] && names[cs('getctag')], 'propname lists table entries');
  t.equal(names[cs('getctag')]![1].children.length, 0, 'propname values are empty');
  const minimal = await c.propfind(CAL, prop('D:getetag', 'D:nope'), '1', 207, { Prefer: 'return=minimal' });
  t.notMatch(minimal.text, /404/, 'minimal drops 404 propstats');
  t.equal(minimal.headers.get('preference-applied'), 'return=minimal');
  const inc = parseMultistatus((await c.propfind(CAL, `<D:propfind ${D}><D:allprop/><D:include><C:max-resource-size/></D:include></D:propfind>`)).text);
  t.equal(inc[`/dav/calendars/${MARA}/AAMkCal1/`]![caldav('max-resource-size')]![0], 200, 'include adds it');
});

t.test('depth and bodies', async (t) => {
  const inf = await c.propfind(CAL, undefined, 'infinity', 403);
  t.match(inf.text, /propfind-finite-depth/);
  await c.propfind(CAL, undefined, 'two', 400);
  await c.propfind(CAL, '<D:propertyupdate xmlns:D="DAV:"/>', '0', 400);
  const noDepth = await c.request('PROPFIND', CAL, { status: 207 });
  t.equal(Object.keys(parseMultistatus(noDepth.text)).length, 1, 'missing Depth is 0');
});

t.test('OPTIONS advertises classes and the registry', async (t) => {
  const r = await new DavTestClient(server, null).options(CAL);
  t.equal(r.headers.get('dav'), '1, 3, calendar-access');
  for (const m of ['PROPFIND', 'REPORT', 'GET', 'HEAD', 'OPTIONS', 'PROPPATCH']) t.match(r.headers.get('allow') ?? '', m);
  t.notMatch(r.headers.get('allow') ?? '', /LOCK/);
  const lock = await c.request('LOCK', OBJ, { body: '<D:lockinfo xmlns:D="DAV:"/>', status: 405 });
  t.match(lock.headers.get('allow') ?? '', /PROPFIND/);
});

t.test('GET and HEAD of objects and calendars', async (t) => {
  const r = await c.get(OBJ);
  t.equal(r.headers.get('content-type'), 'text/calendar; charset=utf-8');
  const etag = r.headers.get('etag')!;
  t.match(r.text, /UID:single-1@ewsdav.test/);
  await c.get(OBJ, 304, { 'If-None-Match': etag });
  await c.get(OBJ, 200, { 'If-None-Match': '"other"' });
  await c.get(OBJ, 304, { 'If-Modified-Since': 'Fri, 02 Jan 2026 03:04:05 GMT' });
  const head = await c.request('HEAD', OBJ, { status: 200 });
  t.equal(head.text, '');
  t.equal(head.headers.get('content-length'), String(Buffer.byteLength(r.text)));
  t.equal(head.headers.get('etag'), etag);
  const whole = await c.get(CAL);
  t.equal(whole.text.match(/BEGIN:VTIMEZONE/g)?.length, 1, 'one VTIMEZONE per TZID');
  t.equal(whole.text.match(/BEGIN:VEVENT/g)?.length, 6, 'every VEVENT, overrides included');
  t.match(whole.text, /X-WR-CALNAME:Calendar/);
  await c.get(`${CAL}missing.ics`, 404);
});

t.test('a user sees only their own paths', async (t) => {
  const jo = 'dav/calendars/jo%40contoso.com/';
  for (const path of [`dav/principals/${encodeURIComponent(JO)}/`, jo, `${jo}AAMkJo/`, `${jo}AAMkJo/jo-secret%40ewsdav.test.ics`, `${jo}nothing/`]) {
    const r = await c.propfind(path, undefined, '0', 403);
    t.notMatch(r.text, /jo-secret|Jo private/, `${path}: nothing revealed`);
  }
  await c.get(`${jo}AAMkJo/jo-secret%40ewsdav.test.ics`, 403);
  await c.get(`${jo}AAMkJo/does-not-exist.ics`, 403);
  const anon = await new DavTestClient(server, null).propfind(CAL, undefined, '0', 401);
  t.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm="ewsdav"/);
  await new DavTestClient(server, 'mara@contoso.com').request('PROPFIND', CAL, { headers: { Authorization: 'Basic bWFyYTp3cm9uZw==' }, status: 401 });
  await c.propfind('dav/elsewhere/', undefined, '0', 404);
  await c.propfind(`${HOME}nope/`, undefined, '0', 404);
  await c.propfind(`${HOME}..%2F..%2F/`, undefined, '0', 404);
});

t.test('PROPPATCH: Apple colour and order stored, anything else atomic 403/424', async (t) => {
  const set = (body: string) => `<D:propertyupdate ${D}><D:set><D:prop>${body}</D:prop></D:set></D:propertyupdate>`;
  const ok = parseMultistatus((await c.proppatch(CAL, set('<A:calendar-color>#FF2968FF</A:calendar-color><A:calendar-order>3</A:calendar-order>'))).text);
  t.equal(ok[`/dav/calendars/${MARA}/AAMkCal1/`]![ical('calendar-color')]![0], 200);
  const after = parseMultistatus((await c.propfind(CAL, prop('A:calendar-color', 'A:calendar-order'))).text)[`/dav/calendars/${MARA}/AAMkCal1/`]!;
  t.equal(textOf(after[ical('calendar-color')]![1]), '#FF2968FF');
  t.equal(textOf(after[ical('calendar-order')]![1]), '3');

  const mixed = parseMultistatus((await c.proppatch(CAL, set('<A:calendar-color>#000000</A:calendar-color><D:displayname>Renamed</D:displayname>'))).text)[`/dav/calendars/${MARA}/AAMkCal1/`]!;
  t.equal(mixed[dav('displayname')]![0], 403);
  t.equal(mixed[ical('calendar-color')]![0], 424, 'RFC 4918 §9.2: all or nothing');
  const still = parseMultistatus((await c.propfind(CAL, prop('A:calendar-color'))).text)[`/dav/calendars/${MARA}/AAMkCal1/`]!;
  t.equal(textOf(still[ical('calendar-color')]![1]), '#FF2968FF', 'nothing stored');

  const bad = parseMultistatus((await c.proppatch(CAL, set('<A:calendar-color>red; DROP</A:calendar-color>'))).text)[`/dav/calendars/${MARA}/AAMkCal1/`]!;
  t.equal(bad[ical('calendar-color')]![0], 403, 'not a colour');
  const rm = `<D:propertyupdate ${D}><D:remove><D:prop><A:calendar-color/></D:prop></D:remove></D:propertyupdate>`;
  await c.proppatch(CAL, rm);
  t.equal(parseMultistatus((await c.propfind(CAL, prop('A:calendar-color'))).text)[`/dav/calendars/${MARA}/AAMkCal1/`]![ical('calendar-color')]![0], 404);
  const onObject = parseMultistatus((await c.proppatch(OBJ, set('<A:calendar-color>#000000</A:calendar-color>'))).text);
  t.equal(Object.values(onObject)[0]![ical('calendar-color')]![0], 403, 'only calendars take colours');
});

t.test('writes are refused with need-privileges', async (t) => {
  for (const [method, path] of [['PUT', `${CAL}new.ics`], ['DELETE', OBJ], ['MKCALENDAR', `${HOME}new/`], ['MKCOL', `${HOME}new/`], ['MOVE', OBJ], ['COPY', OBJ], ['POST', CAL]] as const) {
    const r = await c.request(method, path, { body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': 'text/calendar' }, status: 403 });
    t.match(r.text, /<d:need-privileges\/>/, method);
  }
});
