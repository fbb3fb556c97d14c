// One simulator mailbox synced through GraphCalendarSource and through EwsCalendarSource: the
// calendars and every CalendarObject must be the same (ids in EWS form on both paths), apart from
// what Graph cannot say (`stamp`; the display name of a Windows zone, which is display-only), and
// the rendered iCalendar must be byte-identical. Request counts come from the simulator's counters.
import t, { type Test } from 'tap';
import { CONTOSO, startEntra } from '../../src/simulator/entra/index.js';
import { GraphTokens } from '../../src/simulator/graph/test-client.js';
import { basicAuth } from '../../src/simulator/auth.js';
import { type ItemInput, type MailboxItemJson, startSimulator } from '../../src/simulator/index.js';
import { EwsTransport } from '../../src/exchange/call.js';
import { EwsCalendarSource } from '../../src/exchange/source.js';
import { failFast } from '../../src/upstream/retry.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import type { UpstreamAuth } from '../../src/auth/upstream/types.js';
import { GraphTransport } from '../../src/graph/transport.js';
import { GraphCalendarSource } from '../../src/graph/source.js';
import type { CalendarSource } from '../../src/store/types.js';
import type { CalendarObject, EventData, EventTime, UpstreamCalendar, UpstreamRef } from '../../src/model/index.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import type { FetchResult } from '../../src/store/types.js';

const MARA = CONTOSO.users.mara;
const NOW = '2026-03-01T12:00:00Z';
const W = 'W. Europe Standard Time';
const entra = await startEntra();
t.teardown(() => entra.close());

const series = (key: string, pattern: NonNullable<ItemInput['recurrence']>['pattern'], range: NonNullable<ItemInput['recurrence']>['range'], extra: Partial<ItemInput> = {}): ItemInput =>
  ({ key, subject: key, start: `${range.startDate}T08:00:00`, end: `${range.startDate}T08:30:00`, timeZone: W, recurrence: { pattern, range }, ...extra });

const items: MailboxItemJson[] = [
  {
    key: 'single', subject: 'Dentist', body: { type: 'HTML', value: '<p>Bring <b>card</b></p>\r\nline 2' }, start: '2026-03-03T10:00:00', end: '2026-03-03T11:00:00',
    timeZone: W, location: 'Praxis', categories: ['Health', 'Private'], importance: 'High', sensitivity: 'Private', reminderMinutes: 30,
    organizer: { name: 'Mara Example', email: MARA.upn }, requiredAttendees: [{ name: 'Lee', email: 'lee@fabrikam.com', response: 'Accept' }],
    optionalAttendees: [{ name: 'Pat', email: 'pat@contoso.com', response: 'Tentative' }], resources: [{ name: 'Room 4.01', email: 'room401@contoso.com' }],
    sequence: 3, isOnlineMeeting: true, joinOnlineMeetingUrl: 'https://teams.example/join/1',
  },
  {
    key: 'invited', subject: 'Review', start: '2026-03-04T13:00:00', end: '2026-03-04T14:00:00', timeZone: 'Pacific Standard Time',
    organizer: { name: 'Lee', email: 'lee@fabrikam.com' }, requiredAttendees: [{ name: 'Mara Example', email: MARA.upn }], myResponseType: 'Tentative',
    isResponseRequested: true, reminderMinutes: null, sequence: 1, freeBusy: 'Tentative',
  },
  { key: 'cancelled', subject: 'Canceled: Sync', start: '2026-03-05T07:00:00', end: '2026-03-05T07:30:00', timeZone: 'UTC', isCancelled: true, freeBusy: 'Free', body: 'plain\ntext' },
  series('weekly', { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday', 'Wednesday'], firstDayOfWeek: 'Monday' }, { kind: 'NoEnd', startDate: '2026-03-02' }, {
    exceptions: [{ originalStart: '2026-03-04T08:00:00', subject: 'Standup (moved)', start: '2026-03-04T11:00:00', end: '2026-03-04T11:30:00', sequence: 2 }],
    deletedOccurrences: ['2026-03-09T08:00:00', '2026-03-16T08:00:00'],
  }),
  series('daily', { kind: 'Daily', interval: 2 }, { kind: 'Numbered', startDate: '2026-03-02', numberOfOccurrences: 5 }, { deletedOccurrences: ['2026-03-06T08:00:00'] }),
  series('absMonthly', { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 31 }, { kind: 'EndDate', startDate: '2026-01-31', endDate: '2026-12-31' }, { deletedOccurrences: ['2026-04-30T08:00:00'] }),
  series('relMonthly', { kind: 'RelativeMonthly', interval: 2, daysOfWeek: 'Weekday', dayOfWeekIndex: 'Last' }, { kind: 'NoEnd', startDate: '2026-01-01' }, { deletedOccurrences: ['2026-05-29T08:00:00'] }),
  series('absYearly', { kind: 'AbsoluteYearly', month: 'February', dayOfMonth: 29 }, { kind: 'NoEnd', startDate: '2024-02-29' }, { deletedOccurrences: ['2026-02-28T08:00:00'] }),
  series('relYearly', { kind: 'RelativeYearly', month: 'March', daysOfWeek: 'WeekendDay', dayOfWeekIndex: 'First' }, { kind: 'NoEnd', startDate: '2026-03-01' }),
  series('relYearlyDay', { kind: 'RelativeYearly', month: 'June', daysOfWeek: 'Day', dayOfWeekIndex: 'Second' }, { kind: 'Numbered', startDate: '2026-06-02', numberOfOccurrences: 3 }),
  {
    key: 'custom', subject: 'Custom zone', start: '2026-03-05T10:00:00', end: '2026-03-05T19:00:00',
    timeZone: { standardBias: -60, daylight: { bias: -120, start: { month: 3, dayOfWeek: 'Sunday', occurrence: -1, time: '02:00' }, end: { month: 10, dayOfWeek: 'Sunday', occurrence: -1, time: '03:00' } } },
    endTimeZone: 'Tokyo Standard Time',
  },
  { key: 'allday', subject: 'Holiday', start: '2026-03-06', end: '2026-03-07', isAllDay: true, timeZone: W, freeBusy: 'Free' },
  series('alldaySeries', { kind: 'Weekly', interval: 2, daysOfWeek: ['Friday'], firstDayOfWeek: 'Sunday' }, { kind: 'EndDate', startDate: '2026-03-06', endDate: '2026-05-29' }, {
    start: '2026-03-06', end: '2026-03-07', isAllDay: true, deletedOccurrences: ['2026-04-03'],
  }),
  ...Array.from({ length: 7 }, (_, i): MailboxItemJson => ({ key: `t${i}`, folder: 'team', subject: `Team ${i}`, start: `2026-03-1${i}T0${i + 1}:00:00`, end: `2026-03-1${i}T0${i + 1}:30:00`, timeZone: 'Tokyo Standard Time' })),
];

const sim = await startSimulator({
  now: NOW, secret: 'graph-e2e', graph: { trust: entra.trust }, auth: { schemes: [basicAuth] },
  mailboxes: {
    mailboxes: [{
      smtp: MARA.upn, displayName: 'Mara Example', password: 'pw', timeZone: W,
      folders: [
        { key: 'team', displayName: 'Team', parent: 'calendar' },
        { key: 'birthdays', displayName: 'Birthdays', folderClass: 'IPF.Appointment.Birthday', readOnly: true },
      ],
      items,
    }],
  },
});
t.teardown(() => sim.close());
const tokens = new GraphTokens(entra);
t.teardown(() => tokens.close());
const token = await tokens.delegated(MARA.upn, MARA.password);

const ewsTransport = new EwsTransport({ url: sim.ewsUrl, retry: failFast });
t.teardown(() => ewsTransport.close());
const ews = new EwsCalendarSource({ transport: ewsTransport, auth: new BasicAuth({ username: MARA.upn, password: 'pw' }), mailbox: MARA.upn });

// A held delegated token from the fake authority; renewal is the OAuth provider's business, not this test's.
const bearer: UpstreamAuth = { scheme: 'oauth', describe: () => MARA.upn, authorize: () => ({ headers: { authorization: `Bearer ${token}` } }) };
const graphTransport = new GraphTransport({ url: sim.graphUrl! });
t.teardown(() => graphTransport.close());
// A window reaching back to the oldest series and past the last exception, so both paths see everything.
const graph = new GraphCalendarSource({ transport: graphTransport, auth: bearer, mailbox: MARA.upn, now: () => Date.parse(NOW), window: { daysBack: 800, daysAhead: 400 }, pageSize: 4 });

async function refsOf(source: CalendarSource, cal: UpstreamCalendar): Promise<Map<string, UpstreamRef>> {
  const refs = new Map<string, UpstreamRef>();
  let complete = false;
  for await (const page of source.changes(cal, undefined, { pageSize: 4 })) {
    for (const r of page.upserted) refs.set(r.id, r);
    for (const d of page.deleted) refs.delete(d);
    complete = page.complete;
  }
  t.ok(complete, `${source.api}: the pass over ${cal.name} completes`);
  return refs;
}

// Graph does not name Windows zones (TimeZoneRef.name is display-only, and the renderer reads it
// for custom zones only); names of custom zones (from their TZDEFINITION) are still compared.
function comparable(o: CalendarObject): CalendarObject {
  const time = (v: EventTime): EventTime => {
    if (v.kind !== 'date-time' || !v.zone.windowsId) return v;
    const { name: _name, ...zone } = v.zone;
    return { ...v, zone };
  };
  const strip = (e: EventData): EventData => {
    const { stamp: _stamp, ...rest } = e;
    const out: EventData = { ...rest, start: time(e.start), end: time(e.end) };
    if (e.recurrenceId) out.recurrenceId = time(e.recurrenceId);
    return out;
  };
  return { ...o, master: strip(o.master), overrides: o.overrides.map(strip), deletedOccurrences: o.deletedOccurrences.map(time) };
}

t.test('calendars: same ids, names, kinds and read-only flags', async (t) => {
  const [a, b] = await Promise.all([ews.listCalendars(), graph.listCalendars()]);
  const shape = (c: UpstreamCalendar) => ({ upstreamId: c.upstreamId, name: c.name, kind: c.kind, readOnly: c.readOnly, mailbox: c.mailbox });
  t.strictSame(b.map(shape), a.map(shape));
});

/** What the store renders (src/store/sync/engine.ts: ownerEmail is the mailbox). */
const render = (o: CalendarObject) => renderCalendarObject(o, { ownerEmail: MARA.upn });
const dtstamps = (text: string) => text.split('\r\n').filter((l) => l.startsWith('DTSTAMP'));
const withoutDtstamp = (text: string) => text.split('\r\n').filter((l) => !l.startsWith('DTSTAMP')).join('\r\n');

/** The Graph requests counted since the last reset, by operation. */
function graphCounts(): Record<string, number> {
  return Object.fromEntries(Object.entries(sim.control.counters().byOperation).filter(([op]) => op.startsWith('graph:')).sort(([a], [b]) => a.localeCompare(b)));
}

/** Both paths' results for the same ids: equal objects, byte-identical iCalendar. */
function compareResults(t: Test, a: FetchResult[], b: FetchResult[], label: string): number {
  let compared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    t.ok(x.ok && y.ok, `${label}: ${x.ref.id.slice(0, 12)} fetched both ways`);
    if (!x.ok || !y.ok) continue;
    const name = x.object.master.summary;
    t.strictSame(y.ref, x.ref, `${name}: same ref and changeKey`);
    t.strictSame(comparable(y.object), comparable(x.object), `${name}: same object`);
    const [ri, rj] = [render(x.object), render(y.object)];
    t.equal(withoutDtstamp(rj), withoutDtstamp(ri), `${name}: the same iCalendar bytes (DTSTAMP aside)`);
    t.strictSame(dtstamps(rj), dtstamps(ri), `${name}: the same DTSTAMPs (from lastModified on both paths)`);
    if (x.object.recurrence) t.ok((y.aliases ?? []).length > 0, `${name}: instance ids as aliases`);
    compared++;
  }
  return compared;
}

t.test('every object equal over EWS and Graph', async (t) => {
  const calendars = await ews.listCalendars();
  let compared = 0;
  for (const cal of calendars) {
    const ewsRefs = await refsOf(ews, cal);
    sim.control.resetCounters();
    const graphRefs = await refsOf(graph, cal);
    t.strictSame([...graphRefs.keys()].sort(), [...ewsRefs.keys()].sort(), `${cal.name}: the same items (EWS-form ids)`);
    const ids = [...ewsRefs.values()];
    const b = await graph.fetchObjects(cal, ids.map((r) => ({ id: r.id })));
    const counts = graphCounts();
    const seriesCount = b.filter((r) => r.ok && r.object.recurrence).length;
    t.comment(`${cal.name}: initial Graph sync of ${ids.length} items (${seriesCount} series): ${JSON.stringify(counts)}`);
    if (ids.length > 0) {
      t.equal(counts['graph:batch'], Math.ceil(ids.length / 20) + Math.ceil(seriesCount / 20), `${cal.name}: events in batches of 20, first pages of instances batched too`);
      t.equal(counts['graph:event'], ids.length, `${cal.name}: one batched GET per item`);
      // A first page per series, in the batches above; only a series with more than 100 instances in its range pages on.
      t.ok((counts['graph:instances'] ?? 0) >= seriesCount && (counts['graph:instances'] ?? 0) <= 2 * seriesCount, `${cal.name}: a first page of instances per series (batched), few more`);
    }
    t.equal(counts['graph:timeZones'], undefined, 'no outlook/supportedTimeZones request');
    const a = await ews.fetchObjects(cal, ids);
    compared += compareResults(t, a, b, cal.name);
  }
  t.equal(compared, items.length, 'every item compared');
});

t.test('an initial sync of N singles costs ⌈N/20⌉ batch requests', async (t) => {
  const N = 45;
  sim.control.addFolder(MARA.upn, { key: 'bulk', displayName: 'Bulk', parent: 'calendar' });
  for (let i = 0; i < N; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    sim.control.addItem(MARA.upn, { subject: `Bulk ${i}`, start: `2026-04-${day}T09:00:00`, end: `2026-04-${day}T09:30:00`, timeZone: W }, 'bulk');
  }
  const bulk = (await graph.listCalendars()).find((c) => c.name === 'Bulk')!;
  sim.control.resetCounters();
  const refs = [...(await refsOf(graph, bulk)).values()];
  const results = await graph.fetchObjects(bulk, refs);
  const counts = graphCounts();
  t.comment(`initial sync of ${N} singles (delta pages of 4): ${JSON.stringify(counts)}`);
  t.equal(refs.length, N);
  t.ok(results.every((r) => r.ok), 'every single fetched');
  t.equal(counts['graph:batch'], Math.ceil(N / 20), `${N} singles: ${Math.ceil(N / 20)} batch requests`);
  t.equal(counts['graph:event'], N, 'one sub-request per single');
  t.equal(counts['graph:delta'], Math.ceil(N / 4), 'delta pages');
  t.strictSame(Object.keys(counts).sort(), ['graph:batch', 'graph:delta', 'graph:event'], 'nothing else');
  sim.control.resetCounters();
  const twice = await graph.fetchObjects(bulk, [...refs, ...refs.slice(0, 5)]);
  t.equal(twice.length, N + 5, 'results in the order asked, duplicates included');
  t.strictSame(twice.slice(N).map((r) => r.ref.id), refs.slice(0, 5).map((r) => r.id));
});

t.test('exceptions moved across the window edge are neither lost nor taken for deleted', async (t) => {
  sim.control.addFolder(MARA.upn, { key: 'edge', displayName: 'Edge', parent: 'calendar' });
  // A narrow window: [2026-02-19, 2026-03-22). Fridays 08:00; the 02-20 occurrence moved back to
  // 02-17 (before the window), the 03-20 one forward to 03-24 (after it), the 03-06 one deleted.
  const narrow = new GraphCalendarSource({ transport: graphTransport, auth: bearer, mailbox: MARA.upn, now: () => Date.parse(NOW), window: { daysBack: 10, daysAhead: 20 } });
  sim.control.addItem(MARA.upn, series('edgeSeries', { kind: 'Weekly', interval: 1, daysOfWeek: ['Friday'], firstDayOfWeek: 'Monday' }, { kind: 'NoEnd', startDate: '2026-01-02' }, {
    exceptions: [
      { originalStart: '2026-02-20T08:00:00', subject: 'moved back out', start: '2026-02-17T08:00:00', end: '2026-02-17T08:30:00' },
      { originalStart: '2026-03-20T08:00:00', subject: 'moved forward out', start: '2026-03-24T15:00:00', end: '2026-03-24T15:30:00' },
    ],
    deletedOccurrences: ['2026-03-06T08:00:00'],
  }), 'edge');
  const edge = (await narrow.listCalendars()).find((c) => c.name === 'Edge')!;
  const refs = [...(await refsOf(narrow, edge)).values()];
  t.equal(refs.length, 1, 'the series');
  const y = (await narrow.fetchObjects(edge, refs))[0]!;
  const x = (await ews.fetchObjects(edge, refs))[0]!;
  t.ok(y.ok && x.ok);
  if (!y.ok || !x.ok) return;
  const local = (v: EventTime) => (v.kind === 'date-time' ? new Date(v.utc).toISOString() : v.date);
  t.strictSame(y.object.deletedOccurrences.map(local), ['2026-03-06T07:00:00.000Z'], 'only the deleted occurrence is an EXDATE');
  t.strictSame(y.object.overrides.map((o) => o.summary).sort(), ['moved back out', 'moved forward out'], 'both moved exceptions are overrides');
  // Nothing of this series lies outside the neighbours' range, so Graph knows all EWS knows.
  t.equal(compareResults(t, [x], [y], 'Edge'), 1);
});

t.test('an instance range longer than 1,825 days is asked in spans, each instance kept once', async (t) => {
  sim.control.addFolder(MARA.upn, { key: 'spans', displayName: 'Spans', parent: 'calendar' });
  const DAY = 86_400_000;
  const WEEK = 7 * DAY;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  // Window [2022-01-21, 2030-04-11): the series' range, from the occurrence before the window to the
  // one after it, is about 3,010 days, two spans. Occurrences last six days; the first span ends
  // 1,825 days (260 weeks + 5 days) after its start, inside the occurrence 260 weeks on, which
  // both spans therefore list. It is an exception, and the occurrence after it is deleted.
  const wide = new GraphCalendarSource({ transport: graphTransport, auth: bearer, mailbox: MARA.upn, now: () => Date.parse(NOW), window: { daysBack: 1500, daysAhead: 1500 } });
  const first = Date.parse('2021-01-04T00:00:00Z'); // a Monday
  const windowStart = Date.parse(`${NOW.slice(0, 10)}T00:00:00Z`) - 1500 * DAY;
  const before = first + Math.floor((windowStart - 1 - first) / WEEK) * WEEK;
  const straddler = before + 260 * WEEK;
  sim.control.addItem(MARA.upn, {
    key: 'spanSeries', subject: 'Six days a week', start: iso(first), end: iso(first + 6 * DAY), timeZone: 'UTC',
    recurrence: { pattern: { kind: 'Weekly', interval: 1, daysOfWeek: ['Monday'], firstDayOfWeek: 'Monday' }, range: { kind: 'NoEnd', startDate: iso(first).slice(0, 10) } },
    exceptions: [{ originalStart: iso(straddler), subject: 'straddles the span edge', start: iso(straddler), end: iso(straddler + 6 * DAY) }],
    deletedOccurrences: [iso(straddler + WEEK)],
  }, 'spans');
  const cal = (await wide.listCalendars()).find((c) => c.name === 'Spans')!;
  const refs = [...(await refsOf(wide, cal)).values()];
  t.equal(refs.length, 1, 'the series');
  sim.control.resetCounters();
  const y = (await wide.fetchObjects(cal, refs))[0]!;
  const listed = sim.control.requestLog().filter((e) => e.operation === 'graph:instances').map((e) => new URL(e.path, sim.graphUrl!).searchParams);
  // First pages (in the batch) name a range; further pages add $skip (nextLink).
  const spans = listed.filter((q) => !q.has('$skip')).map((q) => [Date.parse(q.get('startDateTime')!), Date.parse(q.get('endDateTime')!)] as const);
  t.equal(spans.length, 2, 'two spans');
  t.equal(graphCounts()['graph:batch'], 2, 'one batch for the event, one for the first pages of both spans');
  t.equal(listed.length, 5, 'and their further pages (100 instances a page): 261 + 170');
  t.ok(spans.every(([from, to]) => to - from <= 1825 * DAY), 'none longer than 1,825 days');
  t.equal(spans[0]![0], before, 'from the occurrence before the window');
  t.equal(spans[1]![0], spans[0]![1], 'consecutive');
  t.equal(spans[0]![1] - spans[0]![0], 1825 * DAY, 'the first span as long as Graph takes');
  t.ok(straddler < spans[0]![1] && straddler + 6 * DAY > spans[1]![0], 'the exception overlaps both spans');
  const x = (await ews.fetchObjects(cal, refs))[0]!;
  t.ok(y.ok && x.ok);
  if (!y.ok || !x.ok) return;
  t.strictSame(y.object.overrides.map((o) => o.summary), ['straddles the span edge'], 'one override, though both spans list it');
  t.equal(new Set(y.aliases).size, y.aliases!.length, 'no alias twice');
  t.strictSame(y.object.deletedOccurrences.map((v) => (v.kind === 'date-time' ? v.utc : 0)), [straddler + WEEK], 'the deleted occurrence is the one EXDATE');
  t.equal(compareResults(t, [x], [y], 'Spans'), 1, 'equal to EWS');
});

t.test('incremental rounds from the deltaLink, list mode, expired links', async (t) => {
  const calendars = await graph.listCalendars();
  const primary = calendars.find((c) => c.kind === 'default')!;
  const team = calendars.find((c) => c.name === 'Team')!;
  let state: string | undefined;
  for await (const page of graph.changes(primary, undefined)) state = page.state;
  t.match(JSON.parse(state!), { v: 1, api: 'graph', mode: 'delta', link: /deltatoken|\$deltatoken|delta/ }, 'a delta state ends the round');
  t.notOk(graph.needsFullPass(state!), 'a fresh delta state continues');

  const weekly = (await graph.fetchObjects(primary, [{ id: (await ews.fetchObjects(primary, [...(await refsOf(ews, primary)).values()])).find((r) => r.ok && r.object.master.summary === 'weekly')!.ref.id }]))[0]!;
  t.ok(weekly.ok);
  if (!weekly.ok) return;
  const itemsNow = sim.control.items(MARA.upn);
  const key = (subject: string) => itemsNow.find((i) => i.subject === subject)!.key;
  sim.control.updateItem(MARA.upn, key('Dentist'), { subject: 'Dentist (moved)' });
  sim.control.deleteItem(MARA.upn, key('Canceled: Sync'));
  sim.control.deleteOccurrence(MARA.upn, key('weekly'), { originalStart: '2026-03-23T08:00:00' });

  const upserted = new Map<string, UpstreamRef>();
  const deleted = new Set<string>();
  let last: string | undefined;
  for await (const page of graph.changes(primary, state)) {
    for (const r of page.upserted) upserted.set(r.id, r);
    for (const d of page.deleted) deleted.add(d);
    last = page.state;
    if (page.complete) t.ok(JSON.parse(page.state).link, 'the last page carries the next deltaLink');
  }
  t.ok(upserted.has(weekly.ref.id) && upserted.get(weekly.ref.id)!.changeKey === undefined, 'a changed series arrives as its master, without changeKey');
  const ewsNow = await refsOf(ews, primary);
  const dentist = [...ewsNow.values()].find((r) => upserted.get(r.id)?.changeKey === r.changeKey);
  t.ok(dentist, 'a changed single arrives with its new changeKey');
  const removed = [...deleted];
  t.ok(removed.some((id) => (weekly.aliases ?? []).includes(id)), 'the deleted occurrence is named by an alias of the stored series');
  t.ok(removed.some((id) => !ewsNow.has(id) && !(weekly.aliases ?? []).includes(id)), 'the deleted single is named');
  const again = await Promise.all([ews.fetchObjects(primary, [{ id: weekly.ref.id }]), graph.fetchObjects(primary, [{ id: weekly.ref.id }])]);
  t.ok(again[0][0]!.ok && again[1][0]!.ok);
  if (again[0][0]!.ok && again[1][0]!.ok) t.strictSame(comparable(again[1][0]!.object), comparable(again[0][0]!.object), 'the series after the change, equal both ways');

  sim.graph!.expireDeltaTokens();
  const expired = await (async () => {
    for await (const _ of graph.changes(primary, last)) void _;
  })().then(() => undefined, (err: unknown) => err);
  t.match(expired, { category: 'invalid-state', code: 'EWSDAV_ERR_SYNC_STATE_INVALID' }, 'an expired delta link asks for a full resync');

  sim.graph!.setPerCalendarDelta(false);
  t.teardown(() => sim.graph!.setPerCalendarDelta(true));
  const listed = new Map<string, UpstreamRef>();
  let listState: string | undefined;
  for await (const page of graph.changes(team, undefined, { pageSize: 3 })) {
    for (const r of page.upserted) listed.set(r.id, r);
    t.strictSame(page.deleted, []);
    listState = page.state;
  }
  t.match(JSON.parse(listState!), { mode: 'list' }, 'a calendar without delta is listed');
  t.ok(graph.needsFullPass(listState!), 'every list pass is a full pass');
  t.strictSame([...listed.keys()].sort(), [...(await refsOf(ews, team)).keys()].sort(), 'the listing names the same items');

  // calendarView serves at most 1,825 days: a longer window is listed in spans, one pass.
  const wide = new GraphCalendarSource({ transport: graphTransport, auth: bearer, mailbox: MARA.upn, now: () => Date.parse(NOW), window: { daysBack: 1500, daysAhead: 1500 } });
  sim.control.resetCounters();
  const wideListed: string[] = [];
  const completes: boolean[] = [];
  for await (const page of wide.changes(team, undefined, { pageSize: 3 })) {
    wideListed.push(...page.upserted.map((r) => r.id));
    completes.push(page.complete);
  }
  t.strictSame(wideListed.sort(), [...listed.keys()].sort(), 'a 3,001-day window lists the same items, each once');
  t.strictSame(completes.map((c, i) => c === (i === completes.length - 1)), completes.map(() => true), 'only the last page completes the pass');
  t.equal(graphCounts()['graph:calendarView'], completes.length, 'one request per page');
});
