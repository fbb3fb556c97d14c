// The reader's reuse of repeated StartTimeZone/EndTimeZone texts (xml-reader.ts memo): the trees
// must be exactly those a full parse builds, whatever the chunking, and the memo stays bounded.

import t from 'tap';
import { clearXmlMemo, MEMO_LIMITS, XmlStreamReader, XmlSyntaxError, xmlMemoSize, type XmlElement } from '../../src/exchange/xml-reader.js';
import { parseTimeZoneDefinition } from '../../src/exchange/parse-timezone.js';

const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
const ZONE = (id: string, bias = '-PT60M') =>
  `<t:StartTimeZone Id="${id}" Name="(UTC+01:00) x &amp; y"><t:Periods><t:Period Bias="${bias}" Name="Standard" Id="trule:${id}/1601-Standard"/>` +
  `<t:Period Bias="-PT120M" Name="Daylight" Id="trule:${id}/1601-Daylight"/></t:Periods><t:TransitionsGroups><t:TransitionsGroup Id="0">` +
  `<t:RecurringDayTransition><t:To Kind="Period">trule:${id}/1601-Daylight</t:To><t:TimeOffset>PT2H</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>` +
  `<t:RecurringDayTransition><t:To Kind="Period">trule:${id}/1601-Standard</t:To><t:TimeOffset>PT3H</t:TimeOffset><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>` +
  `</t:TransitionsGroup></t:TransitionsGroups><t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>\n  </t:StartTimeZone>`;
const item = (i: number, zone: string) => `<t:CalendarItem><t:Subject>s${i}</t:Subject>${zone}${zone.replace(/StartTimeZone/g, 'EndTimeZone')}</t:CalendarItem>`;
const doc = (items: string, ns = T) => `<?xml version="1.0"?><r xmlns:t="${ns}">${items}</r>`;

function parse(xml: string, chunk = xml.length): XmlElement[] {
  const out: XmlElement[] = [];
  const reader = new XmlStreamReader({ open: (d) => d === 1, element: (_d, e) => out.push(e) });
  for (let i = 0; i < xml.length; i += chunk) reader.write(xml.slice(i, i + chunk));
  reader.close();
  return out;
}

const plain = (els: XmlElement[]) => JSON.parse(JSON.stringify(els)) as unknown;

t.test('repeated definitions: same trees as a fresh parse, shared and frozen', async (t) => {
  clearXmlMemo();
  const xml = doc([0, 1, 2, 3].map((i) => item(i, ZONE('W. Europe Standard Time'))).join(''));
  const first = parse(xml);
  t.equal(first.length, 4);
  const zones = first.map((e) => e.children[1]!);
  t.equal(zones[1], zones[2], 'the second item reuses the first tree');
  t.ok(Object.isFrozen(zones[1]) && Object.isFrozen(zones[1]!.children));
  t.equal(first[0]!.children[2]!.name, 'EndTimeZone');
  t.equal(zones[0]!.children.length, 3);
  // Every chunking gives the same trees (a span cut anywhere, incl. inside tags and the end tag).
  for (const chunk of [1, 2, 7, 64, 333, 4096]) {
    clearXmlMemo();
    t.same(plain(parse(xml, chunk)), plain(first), `chunks of ${chunk}`);
  }
  t.equal(parseTimeZoneDefinition(zones[1]!), parseTimeZoneDefinition(zones[3]!), 'one zone object per shared element');
  t.same(parseTimeZoneDefinition(zones[1]!).rules?.eras[0]?.standardOffsetMinutes, 60);
});

t.test('only identical texts in the same context are reused', async (t) => {
  clearXmlMemo();
  const a = ZONE('W. Europe Standard Time');
  const b = ZONE('W. Europe Standard Time', '-PT30M');
  const out = parse(doc(item(0, a) + item(1, b) + item(2, a)));
  t.equal(out[0]!.children[1]!.children[0]!.children[0]!.attrs.Bias, '-PT60M');
  t.equal(out[1]!.children[1]!.children[0]!.children[0]!.attrs.Bias, '-PT30M');
  t.equal(out[2]!.children[1], out[0]!.children[1]);
  // The same text under another binding of the prefix is another element.
  const other = parse(doc(item(0, a), 'urn:other'));
  t.equal(other[0]!.children[1]!.ns, 'urn:other');
  t.equal(other[0]!.children[1]!.children[0]!.ns, 'urn:other');
  // A look-alike in a comment or CDATA is text, not an element.
  const tricky = parse(doc(`<t:CalendarItem><!-- ${a} --><t:Body><![CDATA[${a}]]></t:Body>${a}</t:CalendarItem>`));
  t.equal(tricky[0]!.children.length, 2);
  t.equal(tricky[0]!.children[0]!.text, a);
  t.equal(tricky[0]!.children[1], out[0]!.children[1]);
  // A body that differs only by a syntax error is parsed, and fails.
  t.throws(() => parse(doc(item(0, a.replace('</t:Periods>', '</t:Period>')))), XmlSyntaxError);
  // Self-closing and nested namesakes are read normally.
  const nested = parse(doc(`<t:CalendarItem><t:StartTimeZone Id="x"/><t:StartTimeZone Id="y"><t:StartTimeZone Id="z"></t:StartTimeZone></t:StartTimeZone></t:CalendarItem>`));
  t.same(plain(nested), [{ ns: T, name: 'CalendarItem', attrs: {}, text: '', children: [
    { ns: T, name: 'StartTimeZone', attrs: { Id: 'x' }, children: [], text: '' },
    { ns: T, name: 'StartTimeZone', attrs: { Id: 'y' }, text: '', children: [{ ns: T, name: 'StartTimeZone', attrs: { Id: 'z' }, children: [], text: '' }] },
  ] }]);
});

t.test('the memo is bounded against a hostile server', async (t) => {
  clearXmlMemo();
  const many = Array.from({ length: 400 }, (_, i) => item(i, ZONE(`Zone ${i}`))).join('');
  parse(doc(many), 8192);
  const size = xmlMemoSize();
  t.ok(size.contexts <= MEMO_LIMITS.contexts, `${size.contexts} contexts`);
  t.ok(size.texts <= MEMO_LIMITS.contexts * MEMO_LIMITS.perContext, `${size.texts} texts`);
  // One start tag with ever-different bodies keeps at most perContext texts.
  clearXmlMemo();
  parse(doc(Array.from({ length: 50 }, (_, i) => item(i, ZONE('Same', `-PT${i}M`))).join('')));
  t.equal(xmlMemoSize().contexts, 2);
  t.equal(xmlMemoSize().texts, 2 * MEMO_LIMITS.perContext);
  // A body longer than the limit is parsed every time and never kept.
  clearXmlMemo();
  const long = `<t:StartTimeZone Id="L"><t:Periods>${'<t:Period Bias="PT0M" Id="p"/>'.repeat(1000)}</t:Periods></t:StartTimeZone>`;
  const out = parse(doc(item(0, long) + item(1, long)));
  t.equal(xmlMemoSize().texts, 0);
  t.not(out[0]!.children[1], out[1]!.children[1]);
  t.equal(out[1]!.children[1]!.children[0]!.children.length, 1000);
});
