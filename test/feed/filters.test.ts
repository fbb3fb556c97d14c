// buildFeed filters: the time window (recurrence decided by ical.js), subject, categories, and
// the policy checks that reject what cannot run.

import t from 'tap';
import { buildFeed, feedPolicyProblems, feedWindow, type FeedPolicy } from '../../src/ical/feed.js';
import { NOW, allFeedFixtures, unfolded } from '../support/feed-fixtures.js';

const objects = allFeedFixtures();
const meta = { calendarName: 'Work', refreshIntervalSeconds: 600, now: NOW };
const uids = (policy: Partial<FeedPolicy>, now = NOW): string[] => {
  const text = unfolded(buildFeed(objects, { detail: 'full', privateItems: 'busy', ...policy }, { ...meta, now }));
  return [...new Set([...text.matchAll(/\r\nUID:([^\r]*)/g)].map((m) => m[1]!))].sort();
};
const DAY = 86_400_000;

t.test('window: whole UTC days around now', async (t) => {
  t.same(feedWindow({}, NOW), {});
  t.same(feedWindow({ daysBack: 1, daysAhead: 0 }, NOW), { start: Date.UTC(2026, 2, 9), end: Date.UTC(2026, 2, 11) });
  t.same(feedWindow({ daysBack: 2 }, NOW + 3600_000), feedWindow({ daysBack: 2 }, NOW), 'stable within the day');
});

t.test('window: single events, series overlapping, series ended, moved overrides', async (t) => {
  const all = uids({});
  t.ok(all.includes('old-event-1') && all.includes('finished-course-1'), 'no window: everything');
  const month = uids({ daysBack: 30, daysAhead: 30 });
  t.notOk(month.includes('old-event-1'), 'an old single event is dropped');
  t.notOk(month.includes('finished-course-1'), 'a series that ended long ago is dropped');
  t.ok(month.includes('monthly-report-1'), 'a series from 2020 still running is kept');
  t.ok(month.includes('weekly-standup-1'));
  const text = unfolded(buildFeed(objects, { detail: 'full', privateItems: 'busy', daysBack: 30, daysAhead: 30 }, meta));
  t.match(text, /DTSTART;TZID=America\/New_York:20200101T090000\r\nDTEND[^\r]*\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1\r\n/, 'a kept series is kept whole');
  t.equal([...text.matchAll(/UID:weekly-standup-1\r\n/g)].length, 3, 'with its overrides');

  const today = uids({ daysBack: 0, daysAhead: 0 });
  t.ok(today.includes('lunch-free-1'), "today's event");
  t.ok(today.includes('focus-1'), 'a series with an instance today');
  t.notOk(today.includes('040000008200E00074C5B7101A82E00800000000meeting1'), 'an event two days ahead is out');
  t.notOk(today.includes('weekly-standup-1'), 'a Monday series is out on a Tuesday');
  // On Monday 9 March the standup instance was moved from 09:30 to 10:00: it counts at its new time.
  const monday = uids({ daysBack: 0, daysAhead: 0 }, Date.UTC(2026, 2, 9, 12));
  t.ok(monday.includes('weekly-standup-1'));
  // A weekly series whose only instance in the window was deleted (EXDATE 23 Feb) is out that day.
  t.notOk(uids({ daysBack: 0, daysAhead: 0 }, Date.UTC(2026, 1, 23, 12)).includes('weekly-standup-1'), 'EXDATE honoured');
  t.ok(uids({ daysBack: 0, daysAhead: 0 }, Date.UTC(2026, 1, 16, 12)).includes('weekly-standup-1'));
  const oof = (now: number) => buildFeed(objects, { detail: 'full', privateItems: 'busy', daysBack: 0, daysAhead: 0 }, { ...meta, now }).includes('DTSTART;VALUE=DATE:20260316');
  t.ok(oof(Date.UTC(2026, 2, 17, 0)), 'an all-day event spanning days, on its second day');
  t.notOk(oof(Date.UTC(2026, 2, 18, 0)), 'and not on its (exclusive) end date');
  t.ok(uids({ daysBack: 5000 }).includes('old-event-1') && !uids({ daysAhead: 5000 }).includes('x'), 'one-sided windows');
  t.notOk(uids({ daysAhead: 5000, daysBack: 0 }).includes('finished-course-1'));
});

t.test('subject exclusion', async (t) => {
  const kept = uids({ excludeSubject: '^(Lunch|Gym)$' });
  t.notOk(kept.includes('lunch-free-1') || kept.includes('gym-1'));
  t.ok(kept.includes('tentative-1'));
  // An override whose own title matches leaves its slot as an EXDATE; the series stays.
  const text = unfolded(buildFeed(objects, { detail: 'full', privateItems: 'show' as FeedPolicy['privateItems'], excludeSubject: 'performance' }, meta));
  t.match(text, /EXDATE;TZID=Europe\/Berlin:20260316T093000\r\n/);
  t.notOk(text.includes('performance'));
  // A master's exclusion takes its overrides along.
  t.notOk(uids({ excludeSubject: '^Team standup$' }).includes('weekly-standup-1'));
});

t.test('categories: include and exclude, case-insensitive, escaped commas', async (t) => {
  const work = uids({ categories: { include: ['work'] } });
  t.same(work, ['040000008200E00074C5B7101A82E00800000000meeting1', 'weekly-standup-1'], 'include: only Work, overrides follow their master');
  t.notOk(uids({ categories: { exclude: ['Fitness'] } }).includes('gym-1'));
  t.ok(uids({ categories: { exclude: ['Sport'] } }).includes('gym-1'), '"Personal\\,Sport" is one category');
  t.notOk(uids({ categories: { exclude: ['personal,sport'] } }).includes('gym-1'));
  t.notOk(uids({ categories: { include: ['Work'], exclude: ['planning'] } }).includes('040000008200E00074C5B7101A82E00800000000meeting1'), 'exclude wins');
});

t.test('policy problems', async (t) => {
  t.same(feedPolicyProblems({ detail: 'limited', privateItems: 'busy', daysBack: 7, excludeSubject: '^x' }), []);
  const bad = feedPolicyProblems({ detail: 'everything' as 'full', privateItems: 'show', daysBack: -1, daysAhead: 1.5, excludeSubject: '(' });
  t.equal(bad.length, 5);
  t.match(bad.join('\n'), /detail must be/);
  t.match(bad.join('\n'), /privateItems must be hide or busy/);
  t.match(bad.join('\n'), /excludeSubject is not a valid regular expression/);
});

t.test('time window leaves the bytes alone otherwise', async (t) => {
  const a = buildFeed(objects, { detail: 'limited', privateItems: 'busy', daysBack: 30, daysAhead: 30 }, meta);
  const b = buildFeed(objects, { detail: 'limited', privateItems: 'busy', daysBack: 30, daysAhead: 30 }, { ...meta, now: NOW + 6 * 3600_000 });
  t.equal(a, b, 'later the same day: same bytes (same ETag)');
  t.not(a, buildFeed(objects, { detail: 'limited', privateItems: 'busy', daysBack: 30, daysAhead: 30 }, { ...meta, now: NOW + 400 * DAY }));
});
