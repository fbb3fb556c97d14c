// Enumeration values a server sends are looked up as words, never as object properties: a value
// such as `constructor`, `toString` or `__proto__` is an unknown word and gets the documented
// default, not a function or Object.prototype in the model.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCalendarItem } from '../../src/exchange/parse-calendar-item.js';
import { parseRecurrence } from '../../src/exchange/parse-recurrence.js';
import { parseMeetingTimeZone } from '../../src/exchange/parse-timezone.js';
import { readXml, type XmlElement } from '../../src/exchange/xml-reader.js';

const T = 'http://schemas.microsoft.com/exchange/services/2006/types';

function elements(xml: string, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  readXml(xml, { open: (_d, _ns, n) => n === name, element: (_d, e) => out.push(e) });
  return out;
}

t.test('calendar item properties', async (t) => {
  const fixture = readFileSync(fileURLToPath(new URL('../../fixtures/ews-ical/cancelled-meeting.xml', import.meta.url)), 'utf8');
  for (const word of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const xml = fixture
      .replace(/<t:Sensitivity>[^<]*</, `<t:Sensitivity>${word}<`)
      .replace(/<t:LegacyFreeBusyStatus>[^<]*</, `<t:LegacyFreeBusyStatus>${word}<`)
      .replace(/<t:Importance>[^<]*</, `<t:Importance>${word}<`)
      .replace(/<t:MyResponseType>[^<]*</, `<t:MyResponseType>${word}<`)
      .replace(/<t:ResponseType>[^<]*</g, `<t:ResponseType>${word}<`)
      .replace(/<t:MailboxType>[^<]*</g, `<t:MailboxType>${word}<`);
    const item = parseCalendarItem(elements(xml, 'CalendarItem')[0]!);
    t.equal(item.data.sensitivity, 'normal', `Sensitivity ${word}`);
    t.equal(item.data.showAs, 'busy', `LegacyFreeBusyStatus ${word}`);
    t.equal(item.data.importance, 'normal', `Importance ${word}`);
    t.equal(item.data.myResponse, undefined, `MyResponseType ${word}`);
    t.ok(item.data.attendees.length > 0);
    for (const a of item.data.attendees) {
      t.equal(a.response, 'unknown', `ResponseType ${word}`);
      t.type(a.kind, 'string', `MailboxType ${word}`);
    }
  }
});

t.test('recurrence and time-zone words', async (t) => {
  const [weekly] = elements(`<t:Recurrence xmlns:t="${T}"><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>constructor</t:DaysOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-05</t:StartDate></t:NoEndRecurrence></t:Recurrence>`, 'Recurrence');
  t.throws(() => parseRecurrence(weekly!), { name: 'RecurrenceError', message: /unknown day "constructor"/ });
  const [yearly] = elements(`<t:Recurrence xmlns:t="${T}"><t:AbsoluteYearlyRecurrence><t:DayOfMonth>1</t:DayOfMonth><t:Month>toString</t:Month></t:AbsoluteYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-05</t:StartDate></t:NoEndRecurrence></t:Recurrence>`, 'Recurrence');
  t.throws(() => parseRecurrence(yearly!), { name: 'RecurrenceError', message: /unknown Month/ });
  const [meeting] = elements(
    `<t:MeetingTimeZone xmlns:t="${T}" TimeZoneName="X"><t:BaseOffset>PT5H</t:BaseOffset>` +
      `<t:Standard><t:Offset>PT0M</t:Offset><t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex><t:Month>valueOf</t:Month></t:RelativeYearlyRecurrence><t:Time>02:00:00</t:Time></t:Standard>` +
      `<t:Daylight><t:Offset>-PT60M</t:Offset><t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex><t:Month>March</t:Month></t:RelativeYearlyRecurrence><t:Time>02:00:00</t:Time></t:Daylight></t:MeetingTimeZone>`,
    'MeetingTimeZone',
  );
  // An unknown month leaves the standard change without a rule: a fixed offset, no daylight rule.
  t.same(parseMeetingTimeZone(meeting!).rules?.eras, [{ standardOffsetMinutes: -300 }]);
});
