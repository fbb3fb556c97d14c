// Unit cases around the fixtures: XML reader safety and namespaces, value formats, the request
// writer, the property set by version, and assembling a series with its exceptions.

import t from 'tap';
import { readXml, XmlSyntaxError, type XmlElement } from '../../src/exchange/xml-reader.js';
import { escapeAttr, escapeText, el, textEl } from '../../src/exchange/xml-writer.js';
import { parseDate, parseDateTime, parseDurationMinutes, normaliseText } from '../../src/exchange/parse-values.js';
import { calendarItemProperties, getItemRequest } from '../../src/exchange/operations/get-item.js';
import { assembleCalendarObject } from '../../src/exchange/assemble.js';
import { parseCalendarItem, uidFromItemId } from '../../src/exchange/parse-calendar-item.js';
import { buildEnvelope } from '../../src/exchange/envelope.js';
import { offeredSchemes, parseRetryAfter } from '../../src/exchange/errors.js';
import { NS_TYPES } from '../../src/exchange/namespaces.js';
import { resolveZone } from '../../src/model/tz.js';
import type { GetItemSlot } from '../../src/exchange/operations/get-item.js';
import { fixture, runFixture, toJson } from './helpers.js';

function capture(xml: string, depth = 0): XmlElement[] {
  const out: XmlElement[] = [];
  readXml(xml, { open: (d) => d === depth, element: (_d, e) => out.push(e) });
  return out;
}

t.test('xml reader: safety limits', async (t) => {
  t.throws(() => capture('<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>'), XmlSyntaxError, 'DOCTYPE refused');
  t.throws(() => capture('<a>&undefined;</a>'), XmlSyntaxError, 'unknown entity refused');
  const deep = '<a>'.repeat(70) + '</a>'.repeat(70);
  t.throws(() => capture(deep), /deeper than 64/, 'depth limit');
  t.throws(() => capture(''), XmlSyntaxError, 'empty body');
  const [a] = capture('<a>&amp;&lt;&gt;&quot;&apos;&#xD;&#x1F600;</a>');
  t.equal(a!.text, '&<>"\'\r😀', 'builtin entities and character references only');
});

t.test('xml reader: namespaces by URI, never by prefix', async (t) => {
  const docs = [
    `<x:Item xmlns:x="${NS_TYPES}"><x:Subject>a</x:Subject></x:Item>`,
    `<Item xmlns="${NS_TYPES}"><Subject>a</Subject></Item>`,
    `<t:Item xmlns:t="urn:not-ews"><t:Subject>a</t:Subject></t:Item>`,
  ];
  const [p, d, wrong] = docs.map((x) => capture(x)[0]!);
  t.equal(p!.ns, NS_TYPES);
  t.equal(d!.ns, NS_TYPES);
  t.equal(wrong!.ns, 'urn:not-ews', 'the t: prefix alone means nothing');
  t.same(p!.children[0]!.name, 'Subject');
});

t.test('value formats (EWS-NOTES §2.5)', async (t) => {
  t.equal(parseDateTime('2026-03-02T08:00:00Z'), Date.UTC(2026, 2, 2, 8));
  t.equal(parseDateTime('2026-01-13T15:00:00+01:00'), Date.UTC(2026, 0, 13, 14));
  t.equal(parseDateTime('2026-01-13T15:00:00-05:30'), Date.UTC(2026, 0, 13, 20, 30));
  t.equal(parseDateTime('2026-01-13T15:00:00'), Date.UTC(2026, 0, 13, 15), 'naive = UTC by default');
  t.equal(parseDateTime('2026-01-13T15:00:00', 60), Date.UTC(2026, 0, 13, 14), 'naive in a given offset');
  t.equal(parseDateTime('2026-01-13T15:00:00.5Z'), Date.UTC(2026, 0, 13, 15, 0, 0, 500));
  t.throws(() => parseDateTime('13.01.2026'));
  for (const [v, d] of [['2026-05-04+02:00', '2026-05-04'], ['2014-03-08-08:00', '2014-03-08'], ['2026-05-04Z', '2026-05-04'], ['2026-05-04', '2026-05-04']] as const) {
    t.equal(parseDate(v), d, v);
  }
  for (const [v, m] of [['-PT1H', -60], ['PT60M', 60], ['P0DT8H0M0.0S', 480], ['-PT5H30M', -330], ['PT0M', 0], ['P1D', 1440], ['PT1380M', 1380], ['-P0DT0H30M', -30]] as const) {
    t.equal(parseDurationMinutes(v), m, v);
  }
  for (const bad of ['P', 'PT', '1H', 'P1Y', 'P1M', '-PT']) t.throws(() => parseDurationMinutes(bad), bad);
  t.equal(normaliseText('a\r\nb\rc\nd'), 'a\nb\nc\nd');
});

t.test('xml writer and envelope', async (t) => {
  t.equal(escapeText('a & b < c > d\r\n'), 'a &amp; b &lt; c &gt; d&#xD;\n');
  t.equal(escapeAttr('"x"\n\'y\'\t'), '&quot;x&quot;&#xA;&apos;y&apos;&#x9;');
  t.equal(escapeText('bell\u0007 ok'), 'bell ok', 'characters XML cannot carry are dropped');
  t.equal(el('t:A', { B: 'x&y', C: undefined }, textEl('t:D', '<1>')), '<t:A B="x&amp;y"><t:D>&lt;1&gt;</t:D></t:A>');
  const env = buildEnvelope({ version: 'Exchange2013_SP1', impersonate: 'boss@contoso.com', timeZoneContext: 'W. Europe Standard Time', body: '<m:GetFolder/>' });
  t.match(env, /<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"\/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>boss@contoso.com<\/t:PrimarySmtpAddress><\/t:ConnectingSID><\/t:ExchangeImpersonation><t:TimeZoneContext><t:TimeZoneDefinition Id="W. Europe Standard Time"\/><\/t:TimeZoneContext><\/soap:Header>/);
  t.notMatch(buildEnvelope({ version: 'Exchange2016', body: '' }), /Impersonation|TimeZoneContext/);
});

t.test('GetItem property set follows the schema version', async (t) => {
  const v2007 = calendarItemProperties('Exchange2007_SP1');
  const v2010 = calendarItemProperties('Exchange2010_SP2');
  const v2013 = calendarItemProperties('Exchange2013_SP1');
  const v2016 = calendarItemProperties('Exchange2016');
  t.ok(v2007.includes('calendar:MeetingTimeZone') && !v2007.includes('calendar:StartTimeZone'), '2007: MeetingTimeZone only');
  t.ok(v2010.includes('calendar:StartTimeZone') && !v2010.includes('calendar:JoinOnlineMeetingUrl') && !v2010.includes('calendar:StartTimeZoneId'), '2010: no 2013 fields');
  t.ok(v2013.includes('calendar:StartTimeZoneId') && v2013.includes('calendar:JoinOnlineMeetingUrl') && !v2013.includes('calendar:EnhancedLocation'), '2013: no EnhancedLocation');
  t.ok(v2016.includes('calendar:EnhancedLocation') && v2016.includes('item:Importance'), '2016: everything');
  const req = getItemRequest({ ids: [{ kind: 'item', id: 'A' }, { kind: 'occurrence', masterId: 'M', instanceIndex: 3 }, { kind: 'master', occurrenceId: 'O' }] }, 'Exchange2016');
  t.match(req, /<m:ItemIds><t:ItemId Id="A"\/><t:OccurrenceItemId RecurringMasterId="M" InstanceIndex="3"\/><t:RecurringMasterItemId OccurrenceId="O"\/><\/m:ItemIds>/);
  t.match(req, /<m:ItemShape><t:BaseShape>IdOnly<\/t:BaseShape><t:BodyType>Best<\/t:BodyType><t:AdditionalProperties>/, 'ItemShape children in schema order');
});

t.test('http header helpers', async (t) => {
  t.same(offeredSchemes(['Negotiate', 'NTLM', 'Basic realm="outlook.office365.com"']), ['Negotiate', 'NTLM', 'Basic']);
  t.same(offeredSchemes('Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", Basic realm="x, y"'), ['Bearer', 'Basic']);
  t.equal(parseRetryAfter('7'), 7000);
  t.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.UTC(2026, 9, 21, 7, 27, 30)), 30_000);
  t.equal(parseRetryAfter(undefined), undefined);
});

t.test('a series with modified and deleted occurrences becomes one CalendarObject', async (t) => {
  const out = runFixture('get-item', fixture('get-item/master-with-exceptions.xml'));
  const slots = out.result as GetItemSlot[];
  const [master, ...exceptions] = slots.map((s) => (s.ok ? s.item : t.fail('slot failed') as never));
  const object = assembleCalendarObject(master!, exceptions);
  const expected = fixture('get-item/master-with-exceptions.object.json');
  t.equal(toJson(object), expected, 'matches get-item/master-with-exceptions.object.json');
  t.equal(object.overrides.length, 2);
  t.equal(object.deletedOccurrences.length, 1, 'modified occurrences are not deleted ones');
  const zone = resolveZone(master!.startZone);
  const rid = object.overrides[0]!.recurrenceId!;
  t.equal(rid.kind === 'date-time' && zone.toLocal(rid.utc), '2026-03-10T09:00:00', 'recurrenceId = original start in the series zone');
});

t.test('UID fallback and all-day dates', async (t) => {
  const out = runFixture('get-item', fixture('get-item/error-slots.xml'));
  const slot = (out.result as GetItemSlot[])[3]!;
  t.ok(slot.ok);
  if (!slot.ok) return;
  const object = assembleCalendarObject(slot.item);
  t.equal(object.uid, uidFromItemId(slot.item.itemId), 'stable id derived from the ItemId');
  t.equal(object.uid, uidFromItemId(slot.item.itemId), 'deterministic');
  t.match(object.uid, /^ewsdav-[0-9a-f]{40}$/);

  // An all-day event on 2026-07-15 in Berlin starts 2026-07-14T22:00Z (§7.3): the date must be the 15th.
  const xml = `<t:CalendarItem xmlns:t="${NS_TYPES}"><t:ItemId Id="X"/><t:Start>2026-07-14T22:00:00Z</t:Start><t:End>2026-07-15T22:00:00Z</t:End><t:IsAllDayEvent>true</t:IsAllDayEvent><t:StartTimeZoneId>W. Europe Standard Time</t:StartTimeZoneId></t:CalendarItem>`;
  const item = parseCalendarItem(capture(xml)[0]!);
  t.same(item.data.start, { kind: 'date', date: '2026-07-15' });
  t.same(item.data.end, { kind: 'date', date: '2026-07-16' });
  const noZone = parseCalendarItem(capture(xml.replace(/<t:StartTimeZoneId>.*<\/t:StartTimeZoneId>/, ''))[0]!, { defaultZone: { ianaId: 'Europe/Berlin' } });
  t.same(noZone.data.start, { kind: 'date', date: '2026-07-15' }, 'the configured mailbox zone is the fallback');
});
