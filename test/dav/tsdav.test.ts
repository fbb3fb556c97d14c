// tsdav as a real client against the DAV front-end: discovery from the bare server URL,
// calendars, objects, sync-collection deltas and time-range queries. Run once at the host root
// and once behind a '/cal/' public base path.

import t from 'tap';
import { DAVClient, type DAVCalendar } from 'tsdav';
import { fixture } from '../support/memory-store.js';
import { MARA, PASSWORD, startDav } from '../support/dav.js';

for (const basePath of ['/', '/cal/']) {
  t.test(`tsdav with base ${basePath}`, async (t) => {
    const server = await startDav({ basePath });
    t.teardown(() => server.close());
    const client = new DAVClient({
      serverUrl: server.origin + basePath,
      credentials: { username: MARA, password: PASSWORD },
      authMethod: 'Basic',
      defaultAccountType: 'caldav',
    });
    await client.login();
    t.equal(new URL(client.account!.principalUrl!).pathname, `${basePath}dav/principals/mara%40contoso.com/`, 'principal found');
    t.equal(new URL(client.account!.homeUrl!).pathname, `${basePath}dav/calendars/mara%40contoso.com/`, 'home found');

    const calendars = await client.fetchCalendars();
    t.same(calendars.map((c) => c.displayName).sort(), ['Birthdays', 'Calendar']);
    const cal = calendars.find((c) => c.displayName === 'Calendar') as DAVCalendar;
    t.ok(cal.reports?.includes('syncCollection'), 'supported-report-set offers sync-collection');
    t.same(cal.components, ['VEVENT']);
    t.ok(cal.syncToken && cal.ctag, 'sync-token and ctag');

    const objects = await client.fetchCalendarObjects({ calendar: cal });
    t.equal(objects.length, 5, 'all objects fetched');
    for (const o of objects) {
      t.match(o.data, /^BEGIN:VCALENDAR/, `${o.url} has data`);
      t.match(o.etag, /^"[0-9a-f]+"$/, `${o.url} has a strong etag`);
    }

    t.test('sync-collection after a store change: exactly the changed and deleted hrefs', async (t) => {
      const token = cal.syncToken as string;
      server.store.putObject(MARA, 'AAMkCal1', fixture('single-event.ics').replace('Quarterly review', 'Quarterly review (moved)'));
      server.store.deleteObject(MARA, 'AAMkCal1', 'allday-1@ewsdav.test.ics');
      const res = await client.syncCollection({ url: cal.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
      const changed = res.filter((r) => r.status !== 404 && r.href?.endsWith('.ics')).map((r) => decodeURIComponent(r.href!));
      const deleted = res.filter((r) => r.status === 404).map((r) => decodeURIComponent(r.href!));
      t.same(changed, [`${basePath}dav/calendars/${MARA}/AAMkCal1/single-1@ewsdav.test.ics`]);
      t.same(deleted, [`${basePath}dav/calendars/${MARA}/AAMkCal1/allday-1@ewsdav.test.ics`]);

      const smart = await client.smartCollectionSync({ collection: { ...cal, objectMultiGet: client.calendarMultiGet.bind(client) }, method: 'webdav', detailedResult: true });
      const objs = smart.objects as { created: unknown[]; updated: unknown[]; deleted: unknown[] };
      t.ok(Array.isArray(objs.created), 'smartCollectionSync accepts the answer');
    });

    t.test('calendar-query time-range, recurring series included', async (t) => {
      const inRange = async (start: string, end: string): Promise<string[]> => {
        const found = await client.fetchCalendarObjects({ calendar: cal, timeRange: { start, end } });
        return found.map((o) => /UID:(.*)/.exec(o.data)![1]!.trim()).sort();
      };
      // 2026-02-02 10:00 Berlin was moved to 2026-02-04 15:00 Berlin (14:00Z).
      t.same(await inRange('2026-02-04T13:00:00Z', '2026-02-04T15:00:00Z'), ['weekly-1@ewsdav.test']);
      t.same(await inRange('2026-02-02T08:30:00Z', '2026-02-02T09:45:00Z'), [], 'the moved instance is not at its old time');
      // The unbounded daily series (07:00Z, 15 minutes) overlaps any morning after 2024.
      t.same(await inRange('2030-05-05T07:10:00Z', '2030-05-05T07:20:00Z'), ['daily-forever@ewsdav.test']);
      t.same(await inRange('2030-05-05T07:15:00Z', '2030-05-05T07:20:00Z'), [], 'end is exclusive');
      t.same(await inRange('2026-03-10T07:30:00Z', '2026-03-10T08:30:00Z'), ['single-1@ewsdav.test']);
      t.same(await inRange('2023-01-01T00:00:00Z', '2023-12-31T00:00:00Z'), [], 'nothing before the first instance');
      // The EXDATE'd Monday (2026-01-19 09:00Z) is not an instance; the daily 07:00Z one is outside the hour.
      t.same(await inRange('2026-01-19T08:30:00Z', '2026-01-19T09:45:00Z'), [], 'excluded date');
      const expanded = await client.fetchCalendarObjects({ calendar: cal, timeRange: { start: '2026-01-01T00:00:00Z', end: '2026-01-31T00:00:00Z' }, expand: true });
      const weekly = expanded.find((o) => o.data.includes('weekly-1@'));
      t.equal(weekly?.data.match(/BEGIN:VEVENT/g)?.length, 3, 'expand: 5, 12 and 26 January (19th excluded)');
      t.notMatch(weekly?.data ?? '', /RRULE|VTIMEZONE/, 'expanded instances carry no rules or zones');
    });
  });
}
