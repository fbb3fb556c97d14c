// Pure parts of the DAV front-end without a server: the property table walk, the XML writer and
// parser, paths and hrefs, and the src/ical/dav-* helpers (recurrence questions, merging, zones).

import t from 'tap';
import { expandToRange, overlapsRange } from '../../src/ical/dav-expand.js';
import { mergeCalendars, timezoneCalendar } from '../../src/ical/dav-calendar.js';
import { PROPERTIES } from '../../src/dav/properties.js';
import { hrefs, parseHref, parseTarget } from '../../src/dav/paths.js';
import { REPORTS, reportsFor } from '../../src/dav/report/catalog.js';
import { REPORT_HANDLERS } from '../../src/dav/report/index.js';
import type { DavDeps, Resource, ResourceKind } from '../../src/dav/types.js';
import { clark, dav, el, serialize } from '../../src/dav/xml.js';
import { parseXml } from '../../src/dav/xml-parse.js';
import { fixture, instanceBounds, seededStore } from '../support/memory-store.js';

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { status?: number }).status;
  }
  return undefined;
}

t.test('every property answers for every kind it claims', async (t) => {
  const store = seededStore();
  const deps: DavDeps = { store, basePath: '/' };
  const user = 'mara@contoso.com';
  const calendar = (await store.getCalendar(user, 'AAMkCal1'))!;
  await store.setCalendarProperties(user, 'AAMkCal1', { color: '#00FF00', order: 2 });
  const colored = (await store.getCalendar(user, 'AAMkCal1'))!;
  const object = (await store.getObject(user, 'AAMkCal1', 'single-1@ewsdav.test.ics'))!;
  const samples: Record<ResourceKind, Resource> = {
    root: { kind: 'root', href: '/dav/', user },
    principal: { kind: 'principal', href: hrefs.principal('/', user), user },
    home: { kind: 'home', href: hrefs.home('/', user), user },
    calendar: { kind: 'calendar', href: hrefs.calendar('/', user, calendar.id), user, calendar: colored },
    object: { kind: 'object', href: hrefs.object('/', user, calendar.id, object.name), user, calendar, object, ical: object.ical },
  };
  for (const def of PROPERTIES.values()) {
    for (const kind of def.on) {
      const value = def.compute(samples[kind], { deps });
      t.ok(value !== undefined, `${def.name} on ${kind}`);
      if (value) t.doesNotThrow(() => parseXml(serialize(el(def.name, value))), `${def.name} on ${kind} serialises`);
    }
  }
  for (const key of Object.keys(REPORTS) as (keyof typeof REPORTS)[]) t.type(REPORT_HANDLERS[key], 'function', `${key} has a handler`);
  t.ok(reportsFor('calendar').includes(dav('sync-collection')));
  t.notOk(reportsFor('home').includes(dav('sync-collection')));
});

t.test('XML writer and parser', async (t) => {
  const doc = serialize(el(dav('multistatus'), [el(clark('urn:x-other', 'thing'), 'a<b>&"c"\u0001\r\n'), el(clark('urn:y', 'more'), [], { attr: '"<>' })]));
  t.match(doc, /xmlns:x0="urn:x-other"/);
  t.notMatch(doc, /\u0001/, 'invalid XML characters dropped');
  const back = parseXml(doc);
  t.equal(back.name, dav('multistatus'));
  t.same((back.children[0] as { children: string[] }).children, ['a<b>&"c"\r\n'], 'round trip keeps CR');
  t.equal((back.children[1] as { attrs: Record<string, string> }).attrs.attr, '"<>');
  t.equal(statusOf(() => parseXml('<a xmlns="DAV:"><b>&foo;</b></a>')), 400);
  t.equal(statusOf(() => parseXml('<!DOCTYPE a><a/>')), 400);
});

t.test('paths and hrefs', async (t) => {
  t.same(parseTarget('/dav/calendars/mara%40contoso.com/cal/a.ics'), { kind: 'object', user: 'mara@contoso.com', calendarId: 'cal', name: 'a.ics' });
  t.same(parseTarget('/dav/calendars/mara@contoso.com/cal/'), { kind: 'calendar', user: 'mara@contoso.com', calendarId: 'cal' });
  t.same(parseTarget('/dav/principals/'), { kind: 'root', path: '/dav/principals/' });
  t.same(parseTarget('/'), { kind: 'root', path: '/' });
  t.equal(statusOf(() => parseTarget('/dav/calendars/u/c/a/b')), 404);
  t.equal(statusOf(() => parseTarget('/dav/calendars/u/%2E%2E/')), 404);
  t.equal(hrefs.object('/cal/', 'a b@c.d', 'X', "it's.ics"), '/cal/dav/calendars/a%20b%40c.d/X/it%27s.ics');
  t.same(parseHref('https://host/cal/dav/calendars/a%40b/X/y.ics', '/cal/'), { kind: 'object', user: 'a@b', calendarId: 'X', name: 'y.ics' });
  t.equal(parseHref('/other/dav/calendars/a/X/y.ics', '/cal/'), undefined);
});

t.test('recurrence helpers', async (t) => {
  const weekly = fixture('weekly-with-override.ics');
  t.same(instanceBounds(weekly), { firstStart: Date.UTC(2026, 0, 5, 9), lastEnd: Date.UTC(2026, 2, 30, 8, 30) }, 'bounds span the DST change');
  t.same(instanceBounds(fixture('daily-unbounded.ics')), { firstStart: Date.UTC(2024, 0, 2, 7) }, 'unbounded');
  t.ok(overlapsRange(weekly, Date.UTC(2026, 2, 30, 8), Date.UTC(2026, 2, 30, 8, 1)), 'last instance, in summer time (08:00Z)');
  t.notOk(overlapsRange(weekly, Date.UTC(2026, 2, 30, 9), Date.UTC(2026, 2, 30, 10)));
  t.ok(overlapsRange(fixture('all-day.ics'), Date.UTC(2026, 3, 16, 23), undefined), 'open-ended range');

  // A window far from DTSTART gives the same instances as a window from the start.
  const daily2 = fixture('weekly-with-override.ics').replace('RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T090000Z', 'RRULE:FREQ=DAILY;INTERVAL=3').replace('20260105T100000', '20200105T100000').replace('20260105T103000', '20200105T103000');
  const from = Date.UTC(2026, 2, 20);
  const to = Date.UTC(2026, 3, 10);
  const starts = (text: string) => [...text.matchAll(/^DTSTART:(\S+)/gm)].map((m) => m[1]);
  const fast = starts(expandToRange(daily2, from, to));
  const slow = starts(expandToRange(daily2, Date.UTC(2019, 0, 1), to)).filter((s) => s! >= '20260320');
  t.same(fast, slow, 'same instances either way, across a DST change');
  t.ok(fast.length >= 6, 'every third day in three weeks');
  t.ok(fast.some((d) => d!.startsWith('202603') && d!.endsWith('T090000Z')) && fast.some((d) => d!.startsWith('202604') && d!.endsWith('T080000Z')), '10:00 Berlin on both sides of the switch');
});

t.test('whole-calendar text and calendar-timezone', async (t) => {
  const merged = mergeCalendars([fixture('single-event.ics'), fixture('weekly-with-override.ics'), 'garbage'], { name: 'Team, Board', timezone: 'Europe/Berlin' });
  t.equal(merged.match(/BEGIN:VTIMEZONE/g)?.length, 1);
  t.equal(merged.match(/BEGIN:VEVENT/g)?.length, 3);
  t.match(merged, /X-WR-CALNAME:Team\\, Board\r\n/);
  t.match(merged, /^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
  t.match(timezoneCalendar('America/New_York') ?? '', /BEGIN:VCALENDAR[\s\S]*TZID:America\/New_York[\s\S]*END:VCALENDAR/);
  t.match(timezoneCalendar('UTC') ?? '', /TZID:UTC/);
  t.equal(timezoneCalendar('Nowhere/Special'), undefined);
});
