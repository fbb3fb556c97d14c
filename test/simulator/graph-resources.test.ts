// Graph v1.0 resources of the simulator over plain fetch (never src/graph): calendars against
// EWS FindFolder, event JSON of singles / masters (every pattern, pseudo-days as day lists) /
// occurrences / exceptions, instances against the EWS CalendarView of the same series, $select,
// paging, Prefer headers, extended properties (sequence, TZDEFINITION decoded back here).
import t from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { GraphTokens, graphGet, graphGetAll } from '../../src/simulator/graph/test-client.js';
import { basicAuth } from '../../src/simulator/auth.js';
import { type ItemInput, startSimulator } from '../../src/simulator/index.js';
import { all, basic, calendarView, soap, text } from './helpers.js';

const MARA = CONTOSO.users.mara;
const entra = await startEntra();
t.teardown(() => entra.close());
const W = 'W. Europe Standard Time';
const weekly: ItemInput = {
  key: 'weekly', subject: 'Standup', start: '2026-03-02T09:00:00', end: '2026-03-02T09:15:00', timeZone: W,
  recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday', 'Wednesday'], firstDayOfWeek: 'Monday' }, range: { kind: 'NoEnd', startDate: '2026-03-02' } },
  exceptions: [{ originalStart: '2026-03-04T09:00:00', subject: 'Standup (moved)', start: '2026-03-04T11:00:00', end: '2026-03-04T11:30:00' }],
  deletedOccurrences: ['2026-03-09T09:00:00'],
};
const series = (key: string, pattern: NonNullable<ItemInput['recurrence']>['pattern'], range: NonNullable<ItemInput['recurrence']>['range']): ItemInput =>
  ({ key, subject: key, start: `${range.startDate}T08:00:00`, end: `${range.startDate}T08:30:00`, timeZone: W, recurrence: { pattern, range } });
const sim = await startSimulator({
  now: '2026-03-01T12:00:00Z', secret: 'graph-resources', graph: { trust: entra.trust },
  auth: { schemes: [basicAuth] },
  mailboxes: {
    mailboxes: [{
      smtp: MARA.upn, displayName: 'Mara Example', password: 'pw', timeZone: W,
      folders: [
        { key: 'team', displayName: 'Team', parent: 'calendar' },
        { key: 'birthdays', displayName: 'Birthdays', folderClass: 'IPF.Appointment.Birthday', readOnly: true },
      ],
      items: [
        {
          key: 'single', subject: 'Dentist', body: { type: 'HTML', value: '<p>Bring <b>card</b></p>' }, start: '2026-03-03T10:00:00', end: '2026-03-03T11:00:00',
          timeZone: W, location: 'Praxis', categories: ['Health'], importance: 'High', sensitivity: 'Private', reminderMinutes: 30,
          organizer: { name: 'Mara Example', email: MARA.upn }, requiredAttendees: [{ name: 'Lee', email: 'lee@fabrikam.com', response: 'Accept' }],
          optionalAttendees: [{ name: 'Pat', email: 'pat@contoso.com' }], sequence: 3, isOnlineMeeting: true, joinOnlineMeetingUrl: 'https://teams.example/join/1',
        },
        weekly,
        series('daily', { kind: 'Daily', interval: 2 }, { kind: 'Numbered', startDate: '2026-03-02', numberOfOccurrences: 5 }),
        series('absMonthly', { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 31 }, { kind: 'EndDate', startDate: '2026-01-31', endDate: '2026-12-31' }),
        series('relMonthly', { kind: 'RelativeMonthly', interval: 2, daysOfWeek: 'Weekday', dayOfWeekIndex: 'Last' }, { kind: 'NoEnd', startDate: '2026-01-01' }),
        series('absYearly', { kind: 'AbsoluteYearly', month: 'February', dayOfMonth: 29 }, { kind: 'NoEnd', startDate: '2024-02-29' }),
        series('relYearly', { kind: 'RelativeYearly', month: 'March', daysOfWeek: 'WeekendDay', dayOfWeekIndex: 'First' }, { kind: 'NoEnd', startDate: '2026-03-01' }),
        series('relYearlyDay', { kind: 'RelativeYearly', month: 'June', daysOfWeek: 'Day', dayOfWeekIndex: 'Second' }, { kind: 'NoEnd', startDate: '2026-06-01' }),
        {
          key: 'custom', subject: 'Custom zone', start: '2026-03-05T10:00:00', end: '2026-03-05T19:00:00',
          timeZone: { standardBias: -60, daylight: { bias: -120, start: { month: 3, dayOfWeek: 'Sunday', occurrence: -1, time: '02:00' }, end: { month: 10, dayOfWeek: 'Sunday', occurrence: -1, time: '03:00' } } },
          endTimeZone: 'Tokyo Standard Time',
        },
        { key: 'allday', subject: 'Holiday', start: '2026-03-06', end: '2026-03-07', isAllDay: true, timeZone: W, freeBusy: 'Free' },
        ...Array.from({ length: 12 }, (_, i) => ({ key: `t${i}`, folder: 'team', subject: `Team ${i}`, start: `2026-03-1${i % 10}T0${i % 9}:00:00`, end: `2026-03-1${i % 10}T0${i % 9}:30:00` })),
      ],
    }],
  },
});
t.teardown(() => sim.close());
const tokens = new GraphTokens(entra);
t.teardown(() => tokens.close());
const token = await tokens.delegated(MARA.upn, MARA.password);
const G = `${sim.graphUrl ?? ''}/v1.0/me`;
const ews = (body: string) => soap(sim.ewsUrl, body, { auth: basic(MARA.upn, 'pw') });
const toGraph = (id: string): string => id.replace(/\+/g, '_').replace(/\//g, '-');
const itemId = (key: string): string => toGraph(sim.control.items(MARA.upn).find((i) => i.key === key)?.itemId ?? '');
const get = (path: string, headers: Record<string, string> = {}) => graphGet(path.startsWith('http') ? path : `${G}${path}`, token, headers);
const WINDOW = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z';

t.test('calendars: the same folders and ids as EWS FindFolder of calendar folders', async (t) => {
  const r = await ews('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
    + '<m:Restriction><t:Contains ContainmentMode="Prefixed" ContainmentComparison="Exact"><t:FieldURI FieldURI="folder:FolderClass"/><t:Constant Value="IPF.Appointment"/></t:Contains></m:Restriction>'
    + '<m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>');
  const ewsIds = all(r.doc, 'FolderId').map((n) => toGraph(n.attrs.get('Id') ?? ''));
  t.equal(ewsIds.length, 3);
  const g = await get('/calendars');
  t.equal(g.status, 200);
  const cals = g.json.value as Array<Record<string, unknown>>;
  t.same(cals.map((c) => c.id), ewsIds, 'same ids, same order');
  t.notOk(cals.some((c) => String(c.id).includes('+') || String(c.id).includes('/')), 'URL-safe ids');
  t.match(cals[0], { name: 'Calendar', isDefaultCalendar: true, canEdit: true, isRemovable: false, owner: { address: MARA.upn }, changeKey: String });
  t.match(cals.find((c) => c.name === 'Birthdays'), { isRemovable: false, canEdit: false, isDefaultCalendar: false });
  t.match(cals.find((c) => c.name === 'Team'), { isRemovable: true, canEdit: true });
  const def = await get('/calendar');
  t.equal(def.json.id, ewsIds[0]);
  const byId = await get(`/calendars/${ewsIds[1] ?? ''}?$select=name`);
  t.same(Object.keys(byId.json).filter((k) => !k.startsWith('@')).sort(), ['id', 'name']);
  const paged = await graphGetAll(`${G}/calendars?$top=2`, token);
  t.equal(paged.pages, 2);
  t.same(paged.values.map((c) => c.id), ewsIds);
  t.equal((await get('/calendars/AAMkAbad')).status, 400, 'malformed id');
  t.equal((await get(`/calendars/${itemId('single')}`)).status, 404, 'an item id is no calendar');
  t.match(sim.control.counters().byOperation, { 'graph:calendars': 3, 'graph:calendar': 4 });
});

t.test('event JSON: a single meeting', async (t) => {
  const r = await get(`/events/${itemId('single')}`);
  t.equal(r.status, 200);
  t.match(r.json, {
    id: itemId('single'), type: 'singleInstance', subject: 'Dentist', seriesMasterId: null, recurrence: null,
    start: { dateTime: '2026-03-03T09:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-03-03T10:00:00.0000000', timeZone: 'UTC' },
    originalStartTimeZone: W, originalEndTimeZone: W, importance: 'high', sensitivity: 'private', categories: ['Health'],
    isReminderOn: true, reminderMinutesBeforeStart: 30, isOrganizer: true, responseStatus: { response: 'organizer' },
    body: { contentType: 'html', content: '<p>Bring <b>card</b></p>' }, bodyPreview: 'Bring card', showAs: 'busy',
    location: { displayName: 'Praxis' }, locations: [{ displayName: 'Praxis' }], isOnlineMeeting: true,
    onlineMeeting: { joinUrl: 'https://teams.example/join/1' }, organizer: { emailAddress: { address: MARA.upn } }, isDraft: false,
    attendees: [
      { type: 'required', status: { response: 'accepted' }, emailAddress: { name: 'Lee', address: 'lee@fabrikam.com' } },
      { type: 'optional', status: { response: 'none' }, emailAddress: { address: 'pat@contoso.com' } },
    ],
  });
  t.match(r.json.createdDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  t.equal(r.json['@odata.etag'], `W/"${String(r.json.changeKey)}"`);
  t.notOk('originalStart' in r.json);
  const tz = await get(`/events/${itemId('single')}`, { prefer: `outlook.timezone="${W}", outlook.body-content-type="text", IdType="ImmutableId"` });
  t.match(tz.json, { start: { dateTime: '2026-03-03T10:00:00.0000000', timeZone: W }, body: { contentType: 'text', content: 'Bring card' } });
  t.equal(tz.headers.get('preference-applied'), `outlook.timezone="${W}", outlook.body-content-type="text", IdType="ImmutableId"`);
  const iana = await get(`/events/${itemId('single')}`, { prefer: 'outlook.timezone="America/New_York"' });
  t.match(iana.json, { start: { dateTime: '2026-03-03T04:00:00.0000000', timeZone: 'America/New_York' } });
  t.equal((await get(`/events/${itemId('single')}`, { prefer: 'outlook.timezone="Mars Standard Time"' })).status, 400, 'unknown zone refused');
  const sel = await get(`/events/${itemId('single')}?$select=subject,start`);
  t.same(Object.keys(sel.json).sort(), ['@odata.context', '@odata.etag', 'id', 'start', 'subject']);
  t.match((await get(`/events/${itemId('single')}?$select=nope`)).json, { error: { code: 'RequestBroker--ParseUri' } });
  const allDay = await get(`/events/${itemId('allday')}`, { prefer: 'outlook.timezone="Pacific Standard Time"' });
  t.match(allDay.json, { isAllDay: true, showAs: 'free', start: { dateTime: '2026-03-06T00:00:00.0000000' }, end: { dateTime: '2026-03-07T00:00:00.0000000' } }, 'all-day stays on its dates');
  const custom = await get(`/events/${itemId('custom')}`);
  t.match(custom.json, { originalStartTimeZone: 'tzone://Microsoft/Custom', originalEndTimeZone: 'Tokyo Standard Time' });
  t.match((await get('/events/AAMkA_not-valid')).json, { error: { code: 'ErrorInvalidIdMalformed' } });
  t.match((await get('/events/AAMkA+bc==')).json, { error: { code: 'ErrorInvalidIdMalformed' } }, 'EWS-form ids (with +) are not Graph ids');
  const t0 = await get(`/calendars/${toGraph(sim.control.folderId(MARA.upn, 'team'))}/events/${itemId('single')}`);
  t.equal(t0.status, 404, 'not in that calendar');
  t.equal((await get(`/calendar/events/${itemId('single')}`)).status, 200);
});

t.test('event JSON: series masters of every pattern (pseudo-days as day lists)', async (t) => {
  const master = async (key: string) => (await get(`/events/${itemId(key)}`)).json;
  t.match(await master('weekly'), {
    type: 'seriesMaster', start: { dateTime: '2026-03-02T08:00:00.0000000' },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], firstDayOfWeek: 'monday', index: 'first', month: 0, dayOfMonth: 0 },
      range: { type: 'noEnd', startDate: '2026-03-02', endDate: '0001-01-01', recurrenceTimeZone: W, numberOfOccurrences: 0 },
    },
  });
  t.match((await master('daily')).recurrence, { pattern: { type: 'daily', interval: 2 }, range: { type: 'numbered', numberOfOccurrences: 5 } });
  t.match((await master('absMonthly')).recurrence, { pattern: { type: 'absoluteMonthly', dayOfMonth: 31 }, range: { type: 'endDate', endDate: '2026-12-31' } });
  t.match((await master('relMonthly')).recurrence, { pattern: { type: 'relativeMonthly', interval: 2, index: 'last', daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] } });
  t.match((await master('absYearly')).recurrence, { pattern: { type: 'absoluteYearly', month: 2, dayOfMonth: 29, interval: 1 } });
  t.match((await master('relYearly')).recurrence, { pattern: { type: 'relativeYearly', month: 3, index: 'first', daysOfWeek: ['saturday', 'sunday'] } });
  t.match((await master('relYearlyDay')).recurrence, { pattern: { type: 'relativeYearly', month: 6, index: 'second' } });
  t.equal(((await master('relYearlyDay')).recurrence as { pattern: { daysOfWeek: string[] } }).pattern.daysOfWeek.length, 7, 'Day = all seven');
});

t.test('instances: occurrences and exceptions equal the EWS CalendarView of the series', async (t) => {
  const r = await ews(calendarView('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', undefined, ['calendar:UID', 'calendar:Start', 'calendar:CalendarItemType']));
  const uid = sim.control.items(MARA.upn).find((i) => i.key === 'weekly')?.uid;
  const ewsInst = all(r.doc, 'CalendarItem').filter((n) => text(n, 'UID') === uid)
    .map((n) => ({ id: toGraph(all(n, 'ItemId')[0]?.attrs.get('Id') ?? ''), start: text(n, 'Start'), type: text(n, 'CalendarItemType') }));
  t.equal(ewsInst.length, 8, '9 Mon/Wed slots in March minus one deleted');
  const g = await graphGetAll(`${G}/events/${itemId('weekly')}/instances?${WINDOW}&$top=3`, token);
  t.equal(g.pages, 3, '$top pages with nextLink');
  t.same(g.values.map((v) => v.id), ewsInst.map((e) => e.id), 'same instance ids, same order');
  t.same(g.values.map((v) => `${String((v.start as { dateTime: string }).dateTime).slice(0, 19)}Z`), ewsInst.map((e) => e.start));
  t.same(g.values.map((v) => v.type), ewsInst.map((e) => (e.type === 'Exception' ? 'exception' : 'occurrence')));
  const ex = g.values.find((v) => v.type === 'exception');
  t.match(ex, { subject: 'Standup (moved)', seriesMasterId: itemId('weekly'), originalStart: '2026-03-04T08:00:00Z', recurrence: null });
  const occ = g.values.find((v) => v.type === 'occurrence');
  t.match(occ, { subject: 'Standup', seriesMasterId: itemId('weekly'), originalStart: String });
  t.not(occ?.iCalUId, (await get(`/events/${itemId('weekly')}`)).json.iCalUId, 'iCalUId differs per occurrence');
  const one = await get(`/events/${String(occ?.id)}`);
  t.match(one.json, { id: occ?.id, type: 'occurrence', changeKey: occ?.changeKey });
  t.equal((await get(`/events/${itemId('single')}/instances?${WINDOW}`)).json.value instanceof Array, true);
  t.match((await get(`/events/${itemId('weekly')}/instances`)).json, { error: { code: 'ErrorInvalidParameter' } }, 'window required');
  // Assumed, not documented: instances refuse calendarView's 1,825-day limit (stricter than Graph, never laxer).
  const fiveYears = await get(`/events/${itemId('weekly')}/instances?startDateTime=2026-01-01T00:00:00Z&endDateTime=2030-12-31T00:00:00Z&$top=1`);
  t.equal(fiveYears.status, 200, 'instances: 1,825 days are served');
  t.equal((fiveYears.json.value as unknown[]).length, 1);
  const tooLong = await get(`/events/${itemId('weekly')}/instances?startDateTime=2026-01-01T00:00:00Z&endDateTime=2030-12-31T00:00:01Z`);
  t.equal(tooLong.status, 400, 'instances: a second more is refused');
  t.match(tooLong.json, { error: { code: 'ErrorInvalidRequest', message: /^Your request can't be completed\. The range between the start and end dates is greater than the allowed range\. Maximum number of days: 1825$/ } });
  const deletedId = toGraph(sim.store.ids.occurrence(MARA.upn, 'weekly', Date.parse('2026-03-09T08:00:00Z')));
  t.match((await get(`/events/${deletedId}`)).json, { error: { code: 'ErrorItemNotFound' } }, 'a deleted occurrence is gone');
});

t.test('calendarView: default and per calendar, paging, maxpagesize, orderby', async (t) => {
  const cv = await graphGetAll(`${G}/calendarView?${WINDOW}`, token);
  const ewsCv = await ews(calendarView('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'));
  t.equal(cv.values.length, all(ewsCv.doc, 'CalendarItem').length, 'as many instances as EWS CalendarView');
  t.ok(cv.pages >= 2, 'default page size 10');
  t.notOk(cv.values.some((v) => v.type === 'seriesMaster'));
  const team = toGraph(sim.control.folderId(MARA.upn, 'team'));
  const first = await get(`/calendars/${team}/calendarView?${WINDOW}`, { prefer: 'odata.maxpagesize=5' });
  t.equal((first.json.value as unknown[]).length, 5);
  t.equal(first.headers.get('preference-applied'), 'odata.maxpagesize=5');
  t.match(first.json['@odata.nextLink'], /\$skip=5|%24skip=5/);
  const rest = await graphGetAll(`${G}/calendars/${team}/calendarView?${WINDOW}&$select=subject`, token, { prefer: 'odata.maxpagesize=5' });
  t.equal(rest.values.length, 12);
  t.equal(rest.pages, 3);
  t.ok(rest.values.every((v) => Object.keys(v).sort().join() === '@odata.etag,id,subject'));
  const desc = await get(`/calendars/${team}/calendarView?${WINDOW}&$orderby=start/dateTime desc&$top=50`);
  const starts = (desc.json.value as Array<{ start: { dateTime: string } }>).map((v) => v.start.dateTime);
  t.same(starts, [...starts].sort().reverse());
  t.match((await get('/calendarView')).json, { error: { code: 'ErrorInvalidParameter' } });
  t.equal((await get(`/calendarView?${WINDOW}&$filter=subject eq 'x'`)).status, 400, 'unimplemented options are refused');
  t.equal((await get(`/calendarView?${WINDOW}&$top=0`)).status, 400);
  // Graph refuses a range of more than 1,825 days (five years).
  t.equal((await get('/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2030-12-31T00:00:00Z')).status, 200, '1,825 days are served');
  const long = await get(`/calendars/${team}/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2030-12-31T00:00:01Z`);
  t.equal(long.status, 400, 'a second more is refused');
  t.match(long.json, { error: { code: 'ErrorInvalidRequest', message: /greater than the allowed range\. Maximum number of days: 1825$/ } });
  t.equal((await get('/events')).status, 501);
  t.equal((await get('/mailFolders')).status, 400);
});

/** MS-OXOCAL 2.2.1.41 TZDEFINITION, decoded independently of the encoder. */
function decodeTzDefinition(b64: string) {
  const b = Buffer.from(b64, 'base64');
  const cbHeader = b.readUInt16LE(2);
  const cch = b.readUInt16LE(6);
  const keyName = b.subarray(8, 8 + cch * 2).toString('utf16le');
  let at = 4 + cbHeader - 2;
  const cRules = b.readUInt16LE(at);
  at += 2;
  const st = (o: number) => ({ month: b.readUInt16LE(o + 2), dayOfWeek: b.readUInt16LE(o + 4), day: b.readUInt16LE(o + 6), hour: b.readUInt16LE(o + 8), minute: b.readUInt16LE(o + 10) });
  const rules = Array.from({ length: cRules }, (_, i) => {
    const o = at + i * 66;
    return {
      major: b[o], minor: b[o + 1], reserved: b.readUInt16LE(o + 2), flags: b.readUInt16LE(o + 4), year: b.readUInt16LE(o + 6),
      bias: b.readInt32LE(o + 22), standardBias: b.readInt32LE(o + 26), daylightBias: b.readInt32LE(o + 30), standard: st(o + 34), daylight: st(o + 50),
    };
  });
  return { major: b[0], minor: b[1], reserved: b.readUInt16LE(4), keyName, rules, length: b.length, expected: at + cRules * 66 };
}

t.test('extended properties: sequence and TZDEFINITION start/end', async (t) => {
  const SEQ = 'Integer {00062002-0000-0000-C000-000000000046} Id 0x8201';
  const START = 'Binary {00062002-0000-0000-C000-000000000046} Id 0x825E';
  const END = 'Binary {00062002-0000-0000-c000-000000000046} Id 0x825f';
  const FLAGS = 'Integer {00062002-0000-0000-C000-000000000046} Id 0x8217';
  const expand = `$expand=singleValueExtendedProperties($filter=id eq '${SEQ}' or id eq '${START}' or id eq '${END}' or id eq '${FLAGS}')`;
  const r = await get(`/events/${itemId('single')}?${expand}`);
  const props = r.json.singleValueExtendedProperties as Array<{ id: string; value: string }>;
  t.equal(props.length, 4);
  t.equal(props[0]?.id, 'Integer {00062002-0000-0000-c000-000000000046} Id 0x8201', 'echoed with a lower-case GUID');
  t.equal(props.find((p) => p.id.endsWith('0x8217'))?.value, '1', 'an organizer\'s meeting');
  const byId = (hex: string) => props.find((p) => p.id.toLowerCase().endsWith(hex));
  t.equal(byId('0x8201')?.value, '3', 'sequence as a decimal string');
  const w = decodeTzDefinition(byId('0x825e')?.value ?? '');
  t.match(w, { major: 2, minor: 1, reserved: 2, keyName: W });
  t.equal(w.length, w.expected, 'no trailing bytes');
  t.match(w.rules, [{
    major: 2, minor: 1, reserved: 0x3e, flags: 2, bias: -60, standardBias: 0, daylightBias: -60,
    standard: { month: 10, dayOfWeek: 0, day: 5, hour: 3 }, daylight: { month: 3, dayOfWeek: 0, day: 5, hour: 2 },
  }]);
  const c = await get(`/events/${itemId('custom')}?${expand}`);
  const cp = c.json.singleValueExtendedProperties as Array<{ id: string; value: string }>;
  const cs = decodeTzDefinition(cp.find((p) => p.id.toLowerCase().endsWith('0x825e'))?.value ?? '');
  t.match(cs, { keyName: 'Customized Time Zone', rules: [{ bias: -60, daylightBias: -60, standard: { month: 10, day: 5, hour: 3 } }] });
  const ce = decodeTzDefinition(cp.find((p) => p.id.toLowerCase().endsWith('0x825f'))?.value ?? '');
  t.match(ce, { keyName: 'Tokyo Standard Time', rules: [{ bias: -540, daylightBias: 0, standard: { month: 0 }, daylight: { month: 0 } }] });
  const occ = (await get(`/events/${itemId('weekly')}/instances?${WINDOW}&$top=1&${expand}`)).json.value as Array<Record<string, unknown>>;
  t.ok(Array.isArray(occ[0]?.singleValueExtendedProperties), 'also on instances');
  const none = await get(`/events/${itemId('single')}?$expand=singleValueExtendedProperties($filter=id eq 'String {00020329-0000-0000-C000-000000000046} Name x')`);
  t.notOk('singleValueExtendedProperties' in none.json, 'absent properties are left out');
  t.equal((await get(`/events/${itemId('single')}?$expand=attachments`)).status, 400);
});
