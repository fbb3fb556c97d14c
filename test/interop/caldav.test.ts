// python3-caldav (Debian's 0.11) against the bridge: discovery from the server root, a date-range
// search unexpanded and expanded, and an event read back by URL (scripts/caldav_client.py prints
// what it saw as JSON). Run once per login mode: "accounts" (synced before the client comes) and
// "passthrough" (the client's first request signs the user in and starts the first sync).

import t, { type Test } from 'tap';
import { expandInstances } from '../../src/ical/expand.js';
import { calendarPath, requirePythonModule, run, SCRIPTS, startBridge, type InteropBridge } from './support.js';

interface PyEvent {
  uid: string;
  summary: string;
  dtstart: string;
  rrule: boolean;
  recurrenceId?: string;
}
interface PyObject {
  url: string;
  events: PyEvent[];
}
interface PyCalendar {
  url: string;
  name: string;
  unexpanded: PyObject[];
  expanded: PyObject[];
}
interface PyResult {
  principal: string;
  calendars: PyCalendar[];
  loaded?: PyObject;
}

const DAY = 86_400_000;

const python = requirePythonModule('caldav', 'python3-caldav');

/** The demo week: Monday 00:00 local (W. Europe, UTC+1/+2) as a UTC instant a little early, plus 7 days. */
function demoWeek(b: InteropBridge): { start: number; end: number } {
  const planning = b.sim.control.items(b.user).find((i) => i.key === 'planning');
  if (!planning) throw new Error('demo item "planning" missing');
  // "Quarterly planning" is on Thursday of the demo week.
  const thursday = Date.parse(planning.start);
  const monday = Date.UTC(new Date(thursday).getUTCFullYear(), new Date(thursday).getUTCMonth(), new Date(thursday).getUTCDate()) - 3 * DAY;
  const start = monday - 2 * 3_600_000;
  return { start, end: start + 7 * DAY };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

async function runClient(b: InteropBridge, range: { start: number; end: number }): Promise<PyResult> {
  const r = await run(python!, [`${SCRIPTS}caldav_client.py`, `${b.origin}/`, b.user, b.password, iso(range.start), iso(range.end)]);
  if (r.status !== 0) throw new Error(`caldav_client.py failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult;
}

/** Everything a synced bridge must have shown the client, checked against the simulator and the store. */
async function checkFullView(t: Test, b: InteropBridge, range: { start: number; end: number }, seen: PyResult): Promise<void> {
  const calendars = await b.bridge.store.listCalendars(b.user);
  t.equal(seen.principal, `${b.origin}/dav/principals/${encodeURIComponent(b.user)}/`, 'principal found from the server root');
  t.same(
    seen.calendars.map((c) => [c.name, c.url]).sort(),
    calendars.map((c) => [c.displayName, `${b.origin}/${calendarPath(b.user, c.id)}`]).sort(),
    'every calendar discovered, with its display name and URL',
  );

  // The search returns exactly the objects with an instance in the range (RFC 4791 §9.9).
  for (const cal of calendars) {
    const pyCal = seen.calendars.find((c) => c.name === cal.displayName)!;
    const stored = await b.bridge.store.objectsInRange(b.user, cal.id, range.start, range.end);
    const expected = stored.filter((o) => expandInstances(o.ical, range.start, range.end, 1).length > 0).map((o) => `${b.origin}/${calendarPath(b.user, cal.id)}${o.name}`);
    t.same(pyCal.unexpanded.map((o) => o.url).sort(), expected.sort(), `${cal.displayName}: the time-range search found exactly the overlapping objects`);
    t.ok(pyCal.expanded.every((o) => o.events.every((e) => !e.rrule)), `${cal.displayName}: expanded results carry no RRULE`);
  }

  const items = b.sim.control.items(b.user);
  const item = (key: string) => items.find((i) => i.key === key)!;
  const main = seen.calendars.find((c) => c.name === 'Calendar');
  t.ok(main, 'the Calendar folder is there');
  if (!main) return;
  const events = main.unexpanded.flatMap((o) => o.events);

  const planning = events.find((e) => e.summary === 'Quarterly planning');
  t.equal(planning?.dtstart, item('planning').start, 'SUMMARY and DTSTART of "Quarterly planning" as Exchange has them');
  t.equal(planning?.uid, item('planning').uid, 'UID is the Exchange UID');
  t.equal(events.find((e) => e.summary === 'Call with Seattle office')?.dtstart, item('seattle').start, 'an event in a Pacific zone lands at the same instant');

  // One resource per UID: the weekly series carries its moved occurrence.
  const series = main.unexpanded.find((o) => o.events.some((e) => e.summary === 'Team sync'));
  t.ok(series?.events[0]?.rrule, 'the "Team sync" master has its RRULE');
  const moved = series?.events.find((e) => e.recurrenceId !== undefined);
  t.equal(moved?.summary, 'Team sync (moved)', 'the override sits in the same resource as the master');

  const instances = main.expanded.flatMap((o) => o.events);
  const movedInstance = instances.find((e) => e.summary === 'Team sync (moved)');
  t.equal(movedInstance?.recurrenceId, moved?.recurrenceId, 'expanded: the moved occurrence keeps its RECURRENCE-ID');
  if (moved?.recurrenceId) {
    // Wednesday's 10:00 occurrence was deleted in Exchange: two days after Monday's original slot.
    const deleted = iso(Date.parse(moved.recurrenceId) + 2 * DAY);
    t.notOk(instances.some((e) => e.summary === 'Team sync' && e.dtstart === deleted), 'expanded: the deleted occurrence is absent');
  }
  const focus = instances.filter((e) => e.summary === 'Focus time');
  t.ok(focus.length >= 5, 'expanded: the daily series comes as separate occurrences');
  t.equal(new Set(focus.map((e) => e.dtstart)).size, focus.length, 'expanded: each occurrence once');

  const loaded = seen.loaded;
  const searched = seen.calendars.flatMap((c) => c.unexpanded).find((o) => o.url === loaded?.url);
  t.ok(loaded && searched, 'an object was read back by its URL');
  t.same(loaded?.events, searched?.events, 'GET by URL returns what the search returned');
}

if (python) {
  t.test('accounts login: discovery, search, expansion and read-back', async (t) => {
    const b = await startBridge(t, { login: 'accounts' });
    const range = demoWeek(b);
    await checkFullView(t, b, range, await runClient(b, range));
  });

  t.test('passthrough login: the client signs the user in with the Exchange password', async (t) => {
    const b = await startBridge(t, { login: 'passthrough' });
    const range = demoWeek(b);
    const first = await runClient(b, range);
    t.equal(first.principal, `${b.origin}/dav/principals/${encodeURIComponent(b.user)}/`, 'first login: the principal is found (credentials verified against Exchange)');
    // An app's "add account" wizard discovers right after the first login: the login waits
    // (bounded) for the first sync, so the calendar home is not empty.
    t.equal(first.calendars.length, 4, 'first login: the calendars are already listed');

    // After the first sync the same client sees everything, as in accounts mode.
    await waitFor(async () => (await b.bridge.store.listCalendars(b.user)).length === 4);
    await b.sync();
    await checkFullView(t, b, range, await runClient(b, range));
    const verified = b.sim.control.requestLog().filter((e) => e.user === b.user);
    t.ok(verified.length > 0, 'the bridge signed in to Exchange as the client user');
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for the first sync');
    await new Promise((r) => setTimeout(r, 50));
  }
}
