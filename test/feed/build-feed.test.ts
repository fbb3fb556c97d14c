// buildFeed: detail levels, the private-item guarantee, overrides, and the iCalendar form
// (header, folding, escaping, VTIMEZONE merging) checked by ical.js and python-icalendar.

import t from 'tap';
import { buildFeed, icalDuration, type FeedDetail, type FeedPolicy } from '../../src/ical/feed.js';
import { NOW, allFeedFixtures, feedFixture, icaljsSummaries, pythonSummaries, unfolded } from '../support/feed-fixtures.js';

const objects = allFeedFixtures();
const meta = { calendarName: 'Work; Mara, Q1', timezone: 'Europe/Berlin', refreshIntervalSeconds: 3600, now: NOW };
const feed = (policy: Partial<FeedPolicy> = {}, input: readonly { ical: string }[] = objects) => buildFeed(input, { detail: 'full', privateItems: 'busy', ...policy }, meta);

/** One VEVENT block (unfolded) whose UID or SUMMARY line contains `needle`. */
function eventWith(text: string, needle: string): string | undefined {
  return unfolded(text)
    .split('BEGIN:VEVENT')
    .slice(1)
    .find((block) => block.includes(needle));
}

// Strings that only private or confidential events (or a private override) contain.
const PRIVATE_MARKERS = [
  'PRIVATESUBJECT', 'Zahnweh', 'PRIVATEDESC', 'PRIVATELOCATION', 'Hauptstraße', 'private.attendee', 'Secret Friend',
  'PRIVATEURL', 'PRIVATEALARM', 'Health', 'CONFIDENTIALSUBJECT', 'Hospital', 'CONFIDENTIALDESC', 'CONFIDENTIALLOCATION',
  'OVERRIDESUBJECT', 'performance talk', 'OVERRIDEDESC', 'OVERRIDELOCATION', 'private-dentist-1', 'confidential-oof-1',
];
// Details of a public meeting that "limited" must not carry.
const DETAIL_MARKERS = ['MEETINGDESC', 'MEETINGHTML', 'MEETINGJOIN', 'boss@contoso.com', 'colleague@contoso.com', 'maps.example.com', 'Planning', 'VALARM', 'ATTENDEE', 'ORGANIZER', 'DESCRIPTION', 'X-ALT-DESC', 'CONFERENCE', 'CATEGORIES', 'PRIORITY'];

t.test('header: RFC 7986 and de-facto calendar properties, durations', async (t) => {
  const text = feed();
  t.match(text, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:[^\r]+\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n/);
  t.match(text, /\r\nNAME:Work\\; Mara\\, Q1\r\n/);
  t.match(text, /\r\nX-WR-CALNAME:Work\\; Mara\\, Q1\r\n/);
  t.match(text, /\r\nX-WR-TIMEZONE:Europe\/Berlin\r\n/);
  t.match(text, /\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n/);
  t.ok(text.endsWith('END:VCALENDAR\r\n'));
  t.notMatch(buildFeed(objects, { detail: 'full', privateItems: 'busy' }, { ...meta, timezone: undefined }), /X-WR-TIMEZONE/);
  const table: [number, string][] = [[45, 'PT45S'], [60, 'PT1M'], [300, 'PT5M'], [3600, 'PT1H'], [3630, 'PT1H0M30S'], [3660, 'PT1H1M'], [86_400, 'P1D'], [90_000, 'P1DT1H']];
  for (const [seconds, expected] of table) t.equal(icalDuration(seconds), expected, `${seconds} s`);
});

t.test('full: everything of public events, private ones as blocks', async (t) => {
  const text = unfolded(feed());
  const meeting = eventWith(text, 'meeting1')!;
  for (const needle of ['SUMMARY:Quarterly review\\, Q1\\; budget', 'MEETINGDESC', 'X-ALT-DESC', 'ATTENDEE', 'ORGANIZER', 'CONFERENCE', 'BEGIN:VALARM', 'CATEGORIES:Work,Planning', 'LOCATION;ALTREP=']) {
    t.ok(meeting.includes(needle), `meeting keeps ${needle}`);
  }
  t.ok(eventWith(text, 'SUMMARY:Lunch'), 'free events stay in full');
  const dentist = eventWith(text, 'DTSTART;TZID=Europe/Berlin:20260311T150000')!;
  t.match(dentist, /SUMMARY:Busy\r\n/, 'a private event is a busy block even in full');
  for (const marker of PRIVATE_MARKERS) t.notOk(text.includes(marker), `full never shows ${marker}`);
});

t.test('limited: time, title, location only', async (t) => {
  const text = unfolded(feed({ detail: 'limited' }));
  const meeting = eventWith(text, 'meeting1')!;
  t.match(meeting, /SUMMARY:Quarterly review\\, Q1\\; budget\r\n/);
  t.match(meeting, /\r\nLOCATION:Room 4\.01\r\n/, 'location kept, its ALTREP link dropped');
  t.match(meeting, /DTSTART;TZID=Europe\/Berlin:20260312T100000/);
  for (const marker of DETAIL_MARKERS) t.notOk(text.includes(marker), `limited has no ${marker}`);
  t.ok(eventWith(text, 'SUMMARY:Lunch'), 'free events stay in limited');
  t.ok(eventWith(text, 'SUMMARY:Team standup (moved)'), 'public overrides keep their title');
});

t.test('availability: labelled busy blocks, nothing else', async (t) => {
  const text = unfolded(feed({ detail: 'availability' }));
  const summaries = [...text.matchAll(/\r\nSUMMARY:([^\r]*)/g)].map((m) => m[1]);
  t.same(new Set(summaries), new Set(['Busy', 'Tentative', 'Out of office', 'Working elsewhere']));
  for (const marker of [...DETAIL_MARKERS, 'Quarterly', 'Room 4.01', 'Lunch', 'Offsite', 'Focus time', 'Team standup', 'LOCATION', 'CLASS']) {
    t.notOk(text.includes(marker), `availability has no ${marker}`);
  }
  t.notOk(text.includes('20260310T110000Z'), 'a free event is left out');
  t.notOk(text.includes('20260317T090000Z'), 'a cancelled event is left out');
  t.match(eventWith(text, '20260313T140000')!, /SUMMARY:Tentative/);
  t.match(eventWith(text, 'VALUE=DATE:20260312')!, /SUMMARY:Working elsewhere/);
  t.match(eventWith(text, 'VALUE=DATE:20260316')!, /SUMMARY:Out of office/);
  // A free series with one busy instance: the instance stands alone (no orphan RECURRENCE-ID).
  const call = eventWith(text, 'DTSTART;TZID=Europe/Berlin:20260310T130000')!;
  t.match(call, /SUMMARY:Busy/);
  t.notMatch(call, /RECURRENCE-ID/);
  t.notOk(text.includes('RRULE:FREQ=WEEKLY;BYDAY=TU'), 'the free series itself is left out');
  t.notMatch(text, /UID:(meeting|private|weekly|focus)/i, 'UIDs are opaque');
});

t.test('a private item never leaks: every level, both private modes', async (t) => {
  for (const detail of ['full', 'limited', 'availability'] as FeedDetail[]) {
    for (const privateItems of ['busy', 'hide'] as const) {
      const raw = feed({ detail, privateItems });
      const text = unfolded(raw);
      for (const marker of PRIVATE_MARKERS) t.notOk(text.includes(marker) || raw.includes(marker), `${detail}/${privateItems}: no ${marker}`);
      const dentist = eventWith(text, 'DTSTART;TZID=Europe/Berlin:20260311T150000');
      if (privateItems === 'busy') {
        t.match(dentist ?? '', /SUMMARY:Busy\r\n/, `${detail}/busy: the private event blocks its time`);
        t.match(eventWith(text, 'VALUE=DATE:20260316') ?? '', /SUMMARY:Out of office/, `${detail}/busy: confidential keeps its show-as`);
      } else {
        t.equal(dentist, undefined, `${detail}/hide: the private event is gone`);
        t.notOk(text.includes('VALUE=DATE:20260316'), `${detail}/hide: the confidential event is gone`);
      }
    }
  }
});

t.test('an unknown CLASS counts as private (RFC 5545 §3.8.1.3), no CLASS as public', async (t) => {
  const odd = feedFixture('tentative.ics').replace('CLASS:PUBLIC', 'CLASS:X-SECRETIVE').replace('Maybe workshop', 'ODDCLASSSUBJECT');
  const none = feedFixture('working-elsewhere.ics').replace('CLASS:PUBLIC\r\n', '');
  const text = feed({ detail: 'limited' }, [{ ical: odd }, { ical: none }]);
  t.notOk(text.includes('ODDCLASSSUBJECT'));
  t.match(text, /SUMMARY:Tentative\r\n/);
  t.match(text, /SUMMARY:Home office\r\n/);
});

t.test('overrides follow their master, and a hidden one leaves an EXDATE', async (t) => {
  const limited = unfolded(feed({ detail: 'limited', privateItems: 'busy' }));
  const privateOverride = eventWith(limited, 'RECURRENCE-ID;TZID=Europe/Berlin:20260316T093000')!;
  t.match(privateOverride, /SUMMARY:Tentative\r\n/, 'a private override is a block with its own show-as');
  t.match(privateOverride, /\r\nUID:weekly-standup-1\r\n/, "the block keeps its master's UID (no orphan)");
  t.match(eventWith(limited, 'RRULE:FREQ=WEEKLY;BYDAY=MO')!, /SUMMARY:Team standup\r\n/, 'its public master keeps its title');

  const hidden = unfolded(feed({ detail: 'limited', privateItems: 'hide' }));
  t.notOk(hidden.includes('RECURRENCE-ID;TZID=Europe/Berlin:20260316T093000'));
  const master = eventWith(hidden, 'RRULE:FREQ=WEEKLY;BYDAY=MO')!;
  t.match(master, /EXDATE;TZID=Europe\/Berlin:20260316T093000\r\n/, 'the hidden instance is excluded from the series');
  t.match(master, /EXDATE;TZID=Europe\/Berlin:20260223T093000\r\n/, 'stored EXDATEs stay');

  // A private master takes its overrides along, even a public-looking one.
  const privateSeries = feedFixture('weekly-standup.ics').replace('CLASS:PUBLIC\r\nTRANSP:OPAQUE\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nCATEGORIES:Work\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly-standup-1\r\nDTSTAMP:20260301T080000Z\r\nDTSTART;TZID=Europe/Berlin:20260309T100000', 'CLASS:PRIVATE\r\nTRANSP:OPAQUE\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nCATEGORIES:Work\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly-standup-1\r\nDTSTAMP:20260301T080000Z\r\nDTSTART;TZID=Europe/Berlin:20260309T100000');
  t.ok(privateSeries.includes('CLASS:PRIVATE\r\nTRANSP:OPAQUE\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nCATEGORIES:Work'), 'fixture edited');
  const blocks = unfolded(feed({ detail: 'limited' }, [{ ical: privateSeries }]));
  t.notOk(blocks.includes('Team standup'), 'no title of a private series, nor of its overrides');
  t.equal([...blocks.matchAll(/BEGIN:VEVENT/g)].length, 3, 'master and both overrides as blocks');
  t.equal(feed({ detail: 'limited', privateItems: 'hide' }, [{ ical: privateSeries }]).includes('BEGIN:VEVENT'), false, 'hide drops the whole series');
});

t.test('form: CRLF, 75-octet folding on code points, escaping, merged VTIMEZONEs, deterministic', async (t) => {
  const text = feed();
  t.notMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'every line ends in CRLF');
  t.same(text.split('\r\n').filter((line) => Buffer.byteLength(line, 'utf8') > 75), [], 'no line over 75 octets');
  t.match(text, /\r\nSUMMARY:Größenwahn[^\r]*\r\n [^\r]*\r\n/, 'the long title is folded');
  t.notOk(text.includes('\uFFFD'), 'no code point split');
  t.match(unfolded(text), /SUMMARY:Größenwahn-Übung 🎉🎉 mit Jürgen\\, Zoë & Łukasz — Ünïcödé Ｆｕｌｌｗｉｄｔｈ 🎉🎉🎉 Schluss\r\n/);
  t.equal([...text.matchAll(/BEGIN:VTIMEZONE\r\nTZID:Europe\/Berlin\r\n/g)].length, 1, 'one VTIMEZONE per TZID');
  t.equal([...text.matchAll(/TZID:America\/New_York\r\n/g)].length, 1);
  const windowed = feed({ daysBack: 30, daysAhead: 30 }, objects.filter((o) => o.name !== 'old-series-ongoing.ics'));
  t.notOk(windowed.includes('America/New_York'), 'unused zones are left out');
  const shuffled = [...objects].reverse();
  t.equal(feed({}, shuffled), text, 'input order does not change a byte');
  t.equal(feed(), text, 'same input, same bytes');
  const lf = buildFeed(objects.map((o) => ({ ical: o.ical.replace(/\r\n/g, '\n') })), { detail: 'full', privateItems: 'busy' }, meta);
  t.equal(lf, text, 'LF-only input gives the same feed');
});

t.test('every level parses in ical.js and python-icalendar', async (t) => {
  for (const detail of ['full', 'limited', 'availability'] as FeedDetail[]) {
    for (const privateItems of ['busy', 'hide'] as const) {
      const text = feed({ detail, privateItems, daysBack: 400, daysAhead: 400 });
      const ours = [...unfolded(text).matchAll(/\r\nSUMMARY:([^\r]*)/g)].map((m) => m[1]!.replace(/\\([,;\\])/g, '$1'));
      t.same(icaljsSummaries(text), ours, `${detail}/${privateItems}: ical.js reads every event`);
      const py = pythonSummaries(t, text);
      if (py) t.same(py, ours, `${detail}/${privateItems}: python-icalendar reads every event`);
    }
  }
});
