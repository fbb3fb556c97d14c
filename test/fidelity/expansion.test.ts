// Expansion equivalence: every recurring case of ./cases.ts lives in one simulator mailbox; each is
// synced through EwsCalendarSource (real HTTP), rendered with renderCalendarObject and expanded by
// src/ical/expand.ts (ical.js; the path CalDAV time-range queries use). The simulator's CalendarView
// (FindItem over HTTP through the client's calendarView driver, ≤ 2-year windows) is asked for the
// same span. Both instance sets must agree as UTC start/end instants and as wall-clock times in the
// series zone. The simulator expands by Outlook's rules with code of its own (src/simulator/recurrence).
// The comparison itself is shared with the Graph twin (../graph/expansion.test.ts): ./expansion-compare.ts.

import t from 'tap';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import { EwsTransport } from '../../src/exchange/call.js';
import { calendarView } from '../../src/exchange/paging.js';
import type { ParsedCalendarItem } from '../../src/exchange/parse-calendar-item.js';
import { EwsCalendarSource } from '../../src/exchange/source.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import type { CalendarObject, UpstreamRef } from '../../src/model/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { ZoneDefinition } from '../../src/simulator/recurrence/zones.js';
import { CAPTURE_NOW, MAILBOX, MAILBOX_ZONE, type FidelityCase } from './cases.js';
import { SERIES, compareOccurrences, expandedIn, firstStartOf, localText, spanOf, zoneOf, type Occurrence, type Span } from './expansion-compare.js';

const PASSWORD = 'expansion';

const sim = await startSimulator({
  secret: 'ews-ical-expansion',
  now: CAPTURE_NOW,
  mailboxes: { mailboxes: [{ smtp: MAILBOX, password: PASSWORD, timeZone: MAILBOX_ZONE, items: SERIES.map((c) => ({ ...c.item, key: c.name })) }] },
});
const transport = new EwsTransport({ url: sim.ewsUrl });
const auth = new BasicAuth({ username: MAILBOX, password: PASSWORD });
const source = new EwsCalendarSource({ transport, auth, mailbox: MAILBOX });
t.teardown(async () => {
  await transport.close();
  await sim.close();
});

// Sync the calendar as the store's engine would: SyncFolderItems pages, then batched GetItem.
const [calendar] = await source.listCalendars();
if (!calendar) throw new Error('no calendar');
const refs: UpstreamRef[] = [];
for await (const page of source.changes(calendar, undefined, { pageSize: 100 })) refs.push(...page.upserted);
const fetched = await source.fetchObjects(calendar, refs);
const objects = new Map<string, CalendarObject>();
for (const r of fetched) if (r.ok) objects.set(r.object.uid, r.object);
const uidOf = new Map(sim.control.items(MAILBOX).map((i) => [i.key, i.uid]));

function fromView(item: ParsedCalendarItem, zone: ZoneDefinition, allDay: boolean): Occurrence {
  return { start: item.startUtc, end: item.endUtc, local: localText(zone, item.startUtc, allDay) };
}

// One CalendarView pass over the union of all spans, grouped by UID afterwards (like a client).
const spans = new Map<string, { c: FidelityCase; ics: string; span: Span }>();
for (const c of SERIES) {
  const obj = objects.get(uidOf.get(c.name) ?? '');
  if (!obj) continue;
  const ics = renderCalendarObject(obj);
  spans.set(c.name, { c, ics, span: spanOf(ics, firstStartOf(obj, c)) });
}
const viewStart = Math.min(...[...spans.values()].map((s) => s.span[0]));
const viewEnd = Math.max(...[...spans.values()].map((s) => s.span[1]));
const view = await calendarView(transport, { auth, mailbox: MAILBOX }, { folder: { id: calendar.upstreamId }, start: viewStart, end: viewEnd, pageSize: 1000 });

// Tests are registered only now: tap ends the root test (and runs teardown) once no test is pending.
t.test('every series was synced', async (t) => {
  t.equal(objects.size, SERIES.length, `${SERIES.length} series`);
  t.ok(SERIES.length >= 40, 'the case list covers the patterns');
});

for (const { c, ics, span } of spans.values()) {
  t.test(c.name, async (t) => {
    const zone = zoneOf(c);
    const allDay = c.item.isAllDay === true;
    const [from, to] = span;
    const uid = uidOf.get(c.name)!;
    const viewed = view
      .filter((i) => i.uid === uid && i.itemType !== 'Single' && i.startUtc < to && i.endUtc > from)
      .map((i) => fromView(i, zone, allDay));
    compareOccurrences(t, c, expandedIn(ics, c, span), viewed, { reference: 'CalendarView', span });
  });
}
