// The tokenizer's replay of repeated runs of tags (src/exchange/xml-runs.ts): documents whose
// markup repeats with variations give the tree saxes gives, whatever the chunking, and every rule
// still holds where a run or a reused subtree would stand in for reading the text.

import t from 'tap';
import { clearXmlMemo, XmlStreamReader, XmlSyntaxError, type XmlElement } from '../../src/exchange/xml-reader.js';
import { XmlTokenizer } from '../../src/exchange/xml-tokenizer.js';
import { saxesTree } from './helpers.js';

const T = 'http://schemas.microsoft.com/exchange/services/2006/types';

function tree(xml: string, chunk = xml.length, maxDepth?: number): XmlElement {
  let root: XmlElement | undefined;
  const reader = new XmlStreamReader({ open: (d) => d === 0, element: (_d, e) => (root = e) }, { maxDepth });
  for (let i = 0; i < xml.length; i += chunk) reader.write(xml.slice(i, i + chunk));
  reader.close();
  return JSON.parse(JSON.stringify(root)) as XmlElement;
}

function depthOf(el: XmlElement): number {
  return 1 + Math.max(0, ...el.children.map(depthOf));
}

const ZONE = (el: string) =>
  `<t:${el}><t:Periods><t:Period Bias="-PT60M" Name="Standard" Id="p1"/></t:Periods><t:Transitions><t:Transition><t:To Kind="Period">p1</t:To></t:Transition></t:Transitions></t:${el}>`;

/** Item `i` of a response: the same markup item after item, with optional parts that come and go. */
function item(i: number): string {
  const people = i % 3 === 0 ? '' : `<t:RequiredAttendees>${'<t:Attendee><t:Mailbox><t:Name>A</t:Name><t:EmailAddress>a@x</t:EmailAddress></t:Mailbox><t:ResponseType>Accept</t:ResponseType></t:Attendee>'.repeat(1 + (i % 4))}</t:RequiredAttendees>`;
  return (
    `<t:CalendarItem><t:ItemId Id="id${i}"/><t:Subject>s${i} &amp; more</t:Subject>` +
    (i % 2 ? '<t:Sensitivity>Normal</t:Sensitivity>' : '') +
    `<t:Body BodyType="Text">b</t:Body><t:Start>2026-01-0${1 + (i % 9)}T08:00:00Z</t:Start><t:End>x</t:End>` +
    (i % 5 === 0 ? '<t:Empty/><t:Empty></t:Empty>' : '<t:Empty ></t:Empty >') +
    `<t:Organizer><t:Mailbox><t:Name>O</t:Name></t:Mailbox></t:Organizer>${people}` +
    (i % 4 === 1 ? `<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval></t:WeeklyRecurrence><t:Start>nested</t:Start></t:Recurrence>` : '') +
    ZONE('StartTimeZone') +
    ZONE('EndTimeZone') +
    `</t:CalendarItem>`
  );
}

const doc = (items: string) => `<?xml version="1.0"?><r xmlns:t="${T}"><t:Items>${items}</t:Items></r>`;

t.test('repeated markup with variations: the tree saxes gives, in any chunking', async (t) => {
  clearXmlMemo();
  const xml = doc(Array.from({ length: 40 }, (_, i) => item(i)).join(''));
  const expected = saxesTree(xml);
  for (const chunk of [xml.length, 4096, 333, 64, 7, 1]) t.same(tree(xml, chunk), expected, `chunks of ${chunk}`);
});

t.test('a prefix bound again reads the same markup under the new namespace', async (t) => {
  // Items 3 and 7 rebind t: on their own element; the ones after are back under the outer binding.
  const items = Array.from({ length: 10 }, (_, i) => (i === 3 || i === 7 ? item(i).replace('<t:CalendarItem>', '<t:CalendarItem xmlns:t="urn:other">') : item(i)));
  const xml = doc(items.join(''));
  const got = tree(xml, 500);
  t.same(got, saxesTree(xml));
  const list = got.children[0]!.children;
  t.equal(list[3]!.children[1]!.ns, 'urn:other');
  t.equal(list[4]!.children[1]!.ns, T);
  // And a default namespace declared on an inner element (unprefixed names resolve differently inside).
  const plain = `<r><a><b>1</b><c>2</c></a><a><b>1</b><c>2</c></a><a xmlns="urn:d"><b>1</b><c>2</c></a><a><b>1</b><c>2</c></a></r>`;
  t.same(tree(plain), saxesTree(plain));
  t.equal(tree(plain).children[2]!.children[1]!.ns, 'urn:d');
  t.equal(tree(plain).children[3]!.children[1]!.ns, '');
});

t.test('the depth limit holds where a run read higher up comes again deeper down', async (t) => {
  // The same run `</x><y><z><w>` appears at every level; with a limit it must fail exactly when the text nests too deep.
  for (let levels = 1; levels <= 8; levels++) {
    let xml = '';
    for (let k = 0; k < levels; k++) xml += '<n><x>v</x><y><z><w>q</w></z></y>';
    xml += '</n>'.repeat(levels);
    const depth = depthOf(saxesTree(xml));
    for (const limit of [4, 6, 8, 10, 64]) {
      for (const chunk of [xml.length, 5]) {
        if (depth <= limit) t.same(tree(xml, chunk, limit), saxesTree(xml), `${levels} levels, limit ${limit}, chunks of ${chunk}`);
        else t.throws(() => tree(xml, chunk, limit), XmlSyntaxError, `${levels} levels (depth ${depth}) over the limit ${limit}, chunks of ${chunk}`);
      }
    }
  }
});

t.test('end tags that do not close what a run closed are read as they are', async (t) => {
  // Same text after different elements: the run must not close the wrong element.
  const ok = '<r><a><b>1</b></a><c><b>1</b></c><a><b>1</b></a><c><b>1</b></c></r>';
  t.same(tree(ok), saxesTree(ok));
  const deep = '<r><a><p><k>1</k></p></a><b><p><k>1</k></p></b><a><p><k>1</k></p></a></r>';
  t.same(tree(deep), saxesTree(deep));
  for (const bad of [
    '<r><a><b>1</b></a><c><b>1</b></a></r>',
    '<r><a><b>1</b></a><a><b>1</b></c></r>',
    '<r><a><b>1</b></a><a><b>1</b></a><a><b>1</b></a></a>',
    // Same innermost element and parent, another grandparent: `</k></p></a>` must not close <b>.
    '<r><a><p><k>1</k></p></a>x<b><p><k>1</k></p></a>y</r>',
  ]) {
    for (const chunk of [bad.length, 3]) t.throws(() => tree(bad, chunk), XmlSyntaxError, `${bad} in chunks of ${chunk}`);
  }
});

t.test('a reused subtree inside a run: skipped where the memo knows it, read where it does not', async (t) => {
  clearXmlMemo();
  // Time zones without attributes are part of runs; one differs in a single character.
  const zones = Array.from({ length: 6 }, (_, i) => `<t:CalendarItem><t:Subject>s</t:Subject>${i === 4 ? ZONE('StartTimeZone').replace('-PT60M', '-PT30M') : ZONE('StartTimeZone')}<t:Location>l</t:Location></t:CalendarItem>`);
  const xml = doc(zones.join(''));
  const got = tree(xml);
  t.same(got, saxesTree(xml));
  t.equal(got.children[0]!.children[4]!.children[1]!.children[0]!.children[0]!.attrs.Bias, '-PT30M');
});

t.test('forbidden characters are refused wherever they are, also after runs and reused subtrees', async (t) => {
  const base = Array.from({ length: 12 }, (_, i) => item(i));
  const places: [string, (s: string) => string][] = [
    ['text', (s) => s.replace('<t:Name>A</t:Name>', '<t:Name>A\u0001</t:Name>')],
    ['attribute value', (s) => s.replace('BodyType="Text"', 'BodyType="Te\u0008xt"')],
    ['comment', (s) => s.replace('<t:Subject>', '<!-- \u000B --><t:Subject>')],
    ['CDATA', (s) => s.replace('<t:End>x</t:End>', '<t:End><![CDATA[\u001F]]></t:End>')],
    ['processing instruction', (s) => s.replace('<t:End>', '<?pi \u0000?><t:End>')],
    ['U+FFFE in text', (s) => s.replace('<t:End>x', '<t:End>x\uFFFE')],
    ['U+FFFF in a value', (s) => s.replace('Kind="Period"', 'Kind="Per\uFFFFiod"')],
    ['inside a time zone like the ones reused', (s) => s.replace('Name="Standard"', 'Name="Stan\u0002dard"')],
    ['between tags of a run', (s) => s.replace('</t:Subject>', '</t:Subject>\u000C')],
  ];
  for (const [what, mutate] of places) {
    // Early items teach the runs and the memo; the mutation is in a late one.
    const xml = doc(base.slice(0, 10).join('') + mutate(base[10]!) + base[11]);
    for (const chunk of [xml.length, 4096, 97, 1]) {
      clearXmlMemo();
      t.throws(() => tree(xml, chunk), XmlSyntaxError, `${what}, chunks of ${chunk}`);
    }
    // The memo filled by a clean document does not let the same text with the character pass either.
    clearXmlMemo();
    tree(doc(base.join('')));
    t.throws(() => tree(xml), XmlSyntaxError, `${what}, after a clean document`);
  }
  // A long text checked in one go, and the position reported.
  const tok = new XmlTokenizer({ startElement() {}, endElement() {}, text() {} });
  t.throws(() => {
    tok.write(`<r>${'x'.repeat(5000)}\u0001</r>`);
    tok.close();
  }, /not allow.*at character 5003/);
});

t.test('random documents of few names, many repeats: the tree saxes gives, or an error where saxes errs', async (t) => {
  let s = 4242;
  const rnd = (n: number) => Math.floor(((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * n);
  const names = ['a', 'b', 'p:c', 'p:d', 'e'];
  const gen = (depth: number): string => {
    const name = names[rnd(names.length)]!;
    const decl = rnd(12) === 0 ? ` xmlns:p="urn:${rnd(2)}"` : rnd(15) === 0 ? ` xmlns="urn:d${rnd(2)}"` : '';
    const attr = rnd(8) === 0 ? ` k="${rnd(3)}"` : '';
    if (depth > 4 || rnd(4) === 0) return rnd(2) ? `<${name}${decl}${attr}/>` : `<${name}${decl}${attr}>${rnd(3) ? 't' : ''}</${name}>`;
    let inner = '';
    for (let i = rnd(4); i >= 0; i--) inner += (rnd(3) === 0 ? 'x' : '') + gen(depth + 1);
    return `<${name}${decl}${attr}>${inner}</${name}>`;
  };
  let compared = 0;
  let refused = 0;
  for (let doc = 0; doc < 300; doc++) {
    // A few blocks, each repeated, so that runs are read, then met again in other states.
    const blocks = Array.from({ length: 1 + rnd(3) }, () => gen(1));
    let body = '';
    for (let i = 0; i < 12; i++) body += blocks[rnd(blocks.length)];
    let xml = `<r xmlns:p="urn:p">${body}</r>`;
    // Now and then a mutation: an end tag of another name, or one closing too much.
    if (rnd(4) === 0) {
      const at = xml.indexOf('</', 1 + rnd(xml.length - 10));
      if (at > 0) xml = xml.slice(0, at) + xml.slice(at).replace(/<\/[^>]+>/, rnd(2) ? '</b>' : '</r></r>');
    }
    let expected: XmlElement | undefined;
    try {
      expected = saxesTree(xml);
    } catch {
      expected = undefined;
    }
    const maxDepth = rnd(3) === 0 ? 4 + rnd(4) : 64;
    const depthOk = expected !== undefined && depthOf(expected) <= maxDepth;
    for (const chunk of [xml.length, 1 + rnd(40)]) {
      if (expected !== undefined && depthOk) {
        if (JSON.stringify(tree(xml, chunk, maxDepth)) !== JSON.stringify(expected)) t.fail(`document ${doc}, chunks of ${chunk}: ${xml}`);
        compared++;
      } else {
        try {
          tree(xml, chunk, maxDepth);
          t.fail(`document ${doc}, chunks of ${chunk}: accepted ${xml}`);
        } catch (err) {
          if (!(err instanceof XmlSyntaxError)) t.fail(`document ${doc}: ${(err as Error).message}`);
          refused++;
        }
      }
    }
  }
  t.ok(compared > 300 && refused > 50, `${compared} trees compared, ${refused} refusals`);
});
