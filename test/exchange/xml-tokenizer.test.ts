// The purpose-built XML tokenizer under the EWS reader (src/exchange/xml-tokenizer.ts): every
// safety and well-formedness rule, namespaces by URI whatever the prefixes, input cut at any byte,
// and a differential check that the reader builds exactly what the saxes-based reader built
// (saxes stays a dependency of src/dav, so it serves as the reference here).

import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readXml, XmlStreamReader, XmlSyntaxError, type XmlElement, type XmlHandler } from '../../src/exchange/xml-reader.js';
import { XmlTokenizer, type XmlTokenSink } from '../../src/exchange/xml-tokenizer.js';
import { FIXTURES, runFixture, saxesTree, toJson } from './helpers.js';

const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const S = 'http://schemas.xmlsoap.org/soap/envelope/';
const ICAL_FIXTURES = fileURLToPath(new URL('../../fixtures/ews-ical/', import.meta.url));

/** The whole document as one tree (the root captured), fed in chunks of `chunk` characters. */
function tree(xml: string, chunk = xml.length, limits?: { maxDepth?: number; maxChars?: number }): XmlElement {
  let root: XmlElement | undefined;
  const reader = new XmlStreamReader({ open: (d) => d === 0, element: (_d, e) => (root = e) }, limits);
  for (let i = 0; i < xml.length; i += chunk) reader.write(xml.slice(i, i + chunk));
  reader.close();
  return plain(root!);
}

/** Plain JSON (drops sharing and freezing): what a comparison should look at. */
const plain = (el: XmlElement): XmlElement => JSON.parse(JSON.stringify(el)) as XmlElement;

/** Every event a handler sees when it captures nothing (open/close with depth, names, attributes). */
function events(xml: string, chunk = xml.length): string[] {
  const out: string[] = [];
  const handler: XmlHandler = {
    open: (d, ns, name, attrs) => (out.push(`open ${d} {${ns}}${name} ${JSON.stringify(attrs)}`), false),
    element: () => undefined,
    close: (d, ns, name) => void out.push(`close ${d} {${ns}}${name}`),
  };
  const reader = new XmlStreamReader(handler);
  for (let i = 0; i < xml.length; i += chunk) reader.write(xml.slice(i, i + chunk));
  reader.close();
  return out;
}

/** Runs `fn` and returns the XmlSyntaxError it threw (fails the test when it threw anything else or nothing). */
function syntaxError(t: Test, fn: () => unknown, what: string): XmlSyntaxError | undefined {
  try {
    fn();
  } catch (err) {
    t.ok(err instanceof XmlSyntaxError, `${what}: XmlSyntaxError (got ${(err as Error).name}: ${(err as Error).message})`);
    return err as XmlSyntaxError;
  }
  t.fail(`${what}: accepted`);
  return undefined;
}

const fixtureFiles = (): { dir: string; file: string; xml: string }[] => {
  const out: { dir: string; file: string; xml: string }[] = [];
  for (const dir of readdirSync(FIXTURES).sort()) {
    for (const file of readdirSync(FIXTURES + dir).filter((f) => f.endsWith('.xml')).sort()) out.push({ dir, file, xml: readFileSync(`${FIXTURES}${dir}/${file}`, 'utf8') });
  }
  for (const file of readdirSync(ICAL_FIXTURES).filter((f) => f.endsWith('.xml')).sort()) out.push({ dir: 'get-item', file: `ews-ical/${file}`, xml: readFileSync(ICAL_FIXTURES + file, 'utf8') });
  return out;
};

t.test('a DOCTYPE is an error, never ignored (no DTD, no entity declarations)', async (t) => {
  const docs = [
    '<!DOCTYPE r><r/>',
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>',
    '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r>&xxe;</r>',
    '<!DOCTYPE r PUBLIC "-//x//y" "http://example.org/r.dtd"><r/>',
  ];
  for (const xml of docs) {
    const err = syntaxError(t, () => tree(xml), xml.slice(0, 30));
    t.match(err?.message, /DOCTYPE/);
    // Cut anywhere, the DOCTYPE is still refused (or the input incomplete): never accepted.
    for (let i = 1; i < 12; i++) syntaxError(t, () => tree(xml, i), `${xml.slice(0, 20)} in chunks of ${i}`);
  }
  syntaxError(t, () => tree('<r><!ENTITY a "x"></r>'), 'a markup declaration inside the root');
  syntaxError(t, () => tree('<r><!ELEMENT r ANY></r>'), 'an element declaration');
});

t.test('entities: the five predefined and character references only', async (t) => {
  t.equal(tree('<r>&lt;&gt;&amp;&quot;&apos;</r>').text, `<>&"'`);
  t.equal(tree('<r a="&lt;&amp;&quot;&apos;&gt;"/>').attrs.a, `<&"'>`);
  t.equal(tree('<r>&#65;&#x42;&#x63;&#0000068;&#x0045;</r>').text, 'ABcDE');
  t.equal(tree('<r>&#x1F600;&#128512;</r>').text, '😀😀', 'astral character references');
  t.equal(tree('<r a="&#x1F600;"/>').attrs.a, '😀');
  t.equal(tree('<r>&#9;&#10;&#13;</r>').text, '\t\n\r', 'references to TAB, LF and CR stay as written');
  for (const bad of ['&nbsp;', '&foo;', '&#;', '&#x;', '&#xZ;', '&#12a;', '&#0;', '&#x1;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#x110000;', '&#99999999999999999999;', '&amp', '& ;', '&', '&#x41']) {
    syntaxError(t, () => tree(`<r>${bad} x</r>`), `text ${bad}`);
    syntaxError(t, () => tree(`<r a="${bad}"/>`), `attribute ${bad}`);
  }
  // An undeclared entity is refused even where the handler keeps nothing.
  syntaxError(t, () => readXml('<r><x>&nbsp;</x></r>', { open: () => false, element: () => undefined }), 'outside captured subtrees');
});

t.test('CDATA, comments and processing instructions', async (t) => {
  t.equal(tree('<r>a<![CDATA[<b> & ]] ]>]]>c</r>').text, 'a<b> & ]] ]>c');
  t.equal(tree('<r><![CDATA[]]></r>').text, '');
  t.equal(tree('<r><![CDATA[x\r\ny\rz]]></r>').text, 'x\ny\nz', 'line ends normalised in CDATA too');
  const withMisc = tree('<?xml version="1.0" encoding="utf-8"?>\n<!-- before --><?pi before?>\n<r>a<!-- <x>&bogus; -->b<?pi <x> ?>c<x/><!---->d</r>\n<!-- after --><?pi after?>\n');
  t.same(withMisc, { ns: '', name: 'r', attrs: {}, children: [{ ns: '', name: 'x', attrs: {}, children: [], text: '' }], text: 'abcd' });
  t.equal(tree('\uFEFF<?xml version="1.0"?><r/>').name, 'r', 'a byte order mark before the declaration');
  syntaxError(t, () => tree('<r><!-- a -- b --></r>'), '"--" in a comment');
  syntaxError(t, () => tree('<r><!-- a ---></r>'), 'a comment ending in "-"');
  syntaxError(t, () => tree(' <?xml version="1.0"?><r/>'), 'an XML declaration after a space');
  syntaxError(t, () => tree('<r><?xml version="1.0"?></r>'), 'an XML declaration inside');
  syntaxError(t, () => tree('<![CDATA[x]]><r/>'), 'CDATA before the root');
  syntaxError(t, () => tree('<r>]]></r>'), '"]]>" in text');
  syntaxError(t, () => tree('<r><? x?></r>'), 'a processing instruction without a target');
});

t.test('attributes: either quote, normalisation, errors', async (t) => {
  const el = tree(`<r a="x'y" b='x"y' c = "1"\td\n=\r\n'2' e="a\tb\nc\r\nd\re" f="&#9;&#10;&#13;" g="" h='>'/>`);
  t.same(el.attrs, { a: "x'y", b: 'x"y', c: '1', d: '2', e: 'a b c d e', f: '\t\n\r', g: '', h: '>' });
  const bad = ['<r a="<"/>', '<r a=x/>', '<r a/>', '<r a="1"b="2"/>', '<r a="1" a="2"/>', '<r a="1/>', '<r a=\'1"/>', '<r ="1"/>', '<r a="1" / >', '<r xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2"/>'];
  for (const xml of bad) syntaxError(t, () => tree(xml), xml);
});

t.test('namespaces: declarations at any element, scoped; default namespace; re-declared prefixes', async (t) => {
  const doc = tree(
    `<a:root xmlns:a="urn:a" xmlns="urn:default" a:x="1" y="2" xml:lang="de">` +
      `<child><a:inner xmlns:a="urn:b"><a:deep/></a:inner><a:after/></child>` +
      `<plain xmlns=""><x/><y xmlns="urn:y"><z/></y></plain>` +
      `<b:elem xmlns:b="urn:a" b:attr="v"/>` +
      `</a:root>`,
  );
  t.same(doc, {
    ns: 'urn:a', name: 'root', attrs: { x: '1', y: '2', lang: 'de' }, text: '', children: [
      { ns: 'urn:default', name: 'child', attrs: {}, text: '', children: [
        { ns: 'urn:b', name: 'inner', attrs: {}, text: '', children: [{ ns: 'urn:b', name: 'deep', attrs: {}, text: '', children: [] }] },
        { ns: 'urn:a', name: 'after', attrs: {}, text: '', children: [] },
      ] },
      { ns: '', name: 'plain', attrs: {}, text: '', children: [
        { ns: '', name: 'x', attrs: {}, text: '', children: [] },
        { ns: 'urn:y', name: 'y', attrs: {}, text: '', children: [{ ns: 'urn:y', name: 'z', attrs: {}, text: '', children: [] }] },
      ] },
      { ns: 'urn:a', name: 'elem', attrs: { attr: 'v' }, text: '', children: [] },
    ],
  });
  t.same(doc, saxesTree(`<a:root xmlns:a="urn:a" xmlns="urn:default" a:x="1" y="2" xml:lang="de"><child><a:inner xmlns:a="urn:b"><a:deep/></a:inner><a:after/></child><plain xmlns=""><x/><y xmlns="urn:y"><z/></y></plain><b:elem xmlns:b="urn:a" b:attr="v"/></a:root>`));
  // A binding ends with its element, also across chunk boundaries and for end-tag events.
  t.same(events('<p:r xmlns:p="urn:1"><p:a xmlns:p="urn:2"/><p:b/></p:r>', 3), [
    'open 0 {urn:1}r {}', 'open 1 {urn:2}a {}', 'close 1 {urn:2}a', 'open 1 {urn:1}b {}', 'close 1 {urn:1}b', 'close 0 {urn:1}r',
  ]);
  for (const xml of ['<p:r/>', '<r p:a="1"/>', '<r xmlns:p=""/>', '<r xmlns:xmlns="urn:x"/>', '<r xmlns:xml="urn:x"/>', '<r xmlns:p="http://www.w3.org/XML/1998/namespace"/>', '<a:b:c xmlns:a="urn:a"/>', '<:r/>', '<r: xmlns:r="urn:r"/>', '<p:r xmlns:p="urn:p"></q:r>']) {
    syntaxError(t, () => tree(xml), xml);
  }
});

/** A fixture with its prefixes written another way, which must not change a single parsed value. */
const VARIANTS: Record<string, (xml: string) => string> = {
  'other prefixes': (xml) =>
    xml
      .replace(/(<\/?)s:/g, '$1env:').replace(/xmlns:s=/g, 'xmlns:env=')
      .replace(/(<\/?)m:/g, '$1msg:').replace(/xmlns:m=/g, 'xmlns:msg=')
      .replace(/(<\/?)t:/g, '$1typ:').replace(/xmlns:t=/g, 'xmlns:typ='),
  'swapped prefixes m ↔ t': (xml) =>
    xml
      .replace(/(<\/?)([mt]):/g, (_, lt: string, p: string) => `${lt}${p === 'm' ? 't' : 'm'}:`)
      .replace(/xmlns:([mt])=/g, (_, p: string) => `xmlns:${p === 'm' ? 't' : 'm'}=`),
  'types as the default namespace': (xml) => xml.replace(/(<\/?)t:/g, '$1').replace(/xmlns:t=/g, 'xmlns='),
  'declared again on every calendar item': (xml) => xml.replace(/<t:CalendarItem>/g, `<t:CalendarItem xmlns:t="${T}" xmlns:m="urn:unused">`),
  'pretty-printed with CRLF and comments': (xml) => xml.replace(/><(?!\/t:(?:Body|Subject|Location|Name|String|Message|MessageText|faultstring))/g, '>\r\n  <!-- c --><'),
};

t.test('prefixes do not matter: every fixture parses the same under other prefixes and default namespaces', async (t) => {
  let compared = 0;
  for (const { dir, file, xml } of fixtureFiles()) {
    if (!/xmlns:t=/.test(xml)) continue;
    const expected = toJson(runFixture(dir, xml));
    for (const [name, rewrite] of Object.entries(VARIANTS)) {
      const variant = rewrite(xml);
      if (name === 'types as the default namespace' && /<[a-zA-Z]+[\s>/]/.test(xml.replace(/<\?xml[^>]*>/, ''))) continue; // unprefixed elements of their own (SOAP fault fields)
      if (name.startsWith('pretty') && /<m:(?:MessageText|ResponseCode)>[^<]*<t:/.test(xml)) continue;
      t.equal(toJson(runFixture(dir, variant)), expected, `${file}: ${name}`);
      compared++;
    }
  }
  t.ok(compared > 100, `${compared} variants compared`);
  // And the SOAP envelope recognised by URI under the default namespace too.
  const faultless = `<Envelope xmlns="${S}"><Header/><Body><GetItemResponse xmlns="${M}"><ResponseMessages><GetItemResponseMessage ResponseClass="Error"><MessageText>gone</MessageText><ResponseCode>ErrorItemNotFound</ResponseCode></GetItemResponseMessage></ResponseMessages></GetItemResponse></Body></Envelope>`;
  t.match(runFixture('get-item', faultless), { result: [{ ok: false, code: 'ErrorItemNotFound' }] });
});

t.test('input split at every byte offset of a multi-byte document gives the same result', async (t) => {
  const xml =
    `<?xml version="1.0" encoding="utf-8"?>\r\n<s:Envelope xmlns:s="${S}" xmlns:t="${T}"><t:Subject lang='fr'>Réunion 😀 — Überprüfung</t:Subject>` +
    `<t:Body a="é&#x1F600;&amp;">x &lt;y&gt;\r\nz &#x1F389;<![CDATA[ <😀> ]]>]</t:Body><!-- ç --><?pi ü?><t:Location>東京 &#26481;</t:Location>\r</s:Envelope>`;
  const bytes = new TextEncoder().encode(xml);
  const expected = tree(xml);
  t.same(expected, saxesTree(xml));
  t.equal(expected.children[1]!.text, 'x <y>\nz 🎉 <😀> ]');
  let differing = 0;
  for (let cut = 0; cut <= bytes.length; cut++) {
    let root: XmlElement | undefined;
    const reader = new XmlStreamReader({ open: (d) => d === 0, element: (_d, e) => (root = e) });
    const decoder = new TextDecoder('utf-8');
    reader.write(decoder.decode(bytes.subarray(0, cut), { stream: true }));
    reader.write(decoder.decode(bytes.subarray(cut), { stream: true }));
    reader.write(decoder.decode());
    reader.close();
    if (JSON.stringify(plain(root!)) !== JSON.stringify(expected)) differing++;
  }
  t.equal(differing, 0, `all ${bytes.length + 1} two-chunk splits agree`);
  // Three chunks at every pair of character offsets (strings, as a transport that re-chunks would pass).
  let pairs = 0;
  for (let a = 0; a < xml.length; a += 3) {
    for (let b = a; b <= xml.length; b += 5) {
      let root: XmlElement | undefined;
      const reader = new XmlStreamReader({ open: (d) => d === 0, element: (_d, e) => (root = e) });
      reader.write(xml.slice(0, a));
      reader.write(xml.slice(a, b));
      reader.write(xml.slice(b));
      reader.close();
      if (JSON.stringify(plain(root!)) !== JSON.stringify(expected)) differing++;
      pairs++;
    }
  }
  t.equal(differing, 0, `${pairs} three-chunk splits agree`);
  t.same(tree(xml, 1), expected, 'one character at a time');
});

t.test('depth and size limits', async (t) => {
  const nested = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
  t.equal(tree(nested(64)).name, 'a', '64 levels pass the default limit');
  t.match(syntaxError(t, () => tree(nested(65)), '65 levels')?.message, /deeper than 64/);
  syntaxError(t, () => tree(nested(6), 2, { maxDepth: 5 }), 'a lower limit, in chunks');
  t.equal(tree(nested(5), 2, { maxDepth: 5 }).name, 'a');
  // Self-closing elements count too.
  syntaxError(t, () => tree('<a><a><a/></a></a>', 100, { maxDepth: 2 }), 'an empty element beyond the limit');
  const doc = `<r>${'x'.repeat(1000)}</r>`;
  t.equal(tree(doc, 100, { maxChars: doc.length }).text.length, 1000);
  t.match(syntaxError(t, () => tree(doc, 100, { maxChars: doc.length - 1 }), 'one character over')?.message, /larger than/);
  // A tag that never ends is bounded too (it is held in memory while it grows).
  const tok = new XmlTokenizer({ startElement() {}, endElement() {}, text() {} }, { maxTagChars: 1000 });
  tok.write('<r a="');
  syntaxError(t, () => {
    for (let i = 0; i < 100; i++) tok.write('x'.repeat(100));
  }, 'a start tag longer than maxTagChars');
});

t.test('malformed input: always XmlSyntaxError, at once or at close, never a hang', async (t) => {
  const bad = [
    '', '   ', 'text', '<r>', '<r></s>', '<r><a></r></a>', '<r/><r/>', '<r/>x', '</r>', '<r></r></r>', '< r/>', '<1r/>', '<r>a < b</r>',
    '<r>&</r>', '<r>\u0001</r>', '<r a="\u0000"/>', '<r>\uFFFE</r>', '<r', '<r a="1"', '<r><!-- x', '<r><![CDATA[x', '<r><?pi', '<r/ >', '<r>x</r >y',
    '<r>]]></r>', '<r><![CDATA[x]]]]></r>'.replace('x]]]]>', 'x]]]]>]]>'), '<?xml version="1.0"?><?xml version="1.0"?><r/>', '<r><!DOC></r>', '<r><!></r>',
  ];
  for (const xml of bad) syntaxError(t, () => tree(xml), JSON.stringify(xml));
  // Every prefix of a real response is incomplete: an XmlSyntaxError at close, whatever the cut.
  const xml = readFileSync(`${FIXTURES}get-item/attendees.xml`, 'utf8');
  let wrong = 0;
  for (let cut = 0; cut < xml.length - 1; cut += 7) {
    try {
      tree(xml.slice(0, cut), 50);
      wrong++;
    } catch (err) {
      if (!(err instanceof XmlSyntaxError)) wrong++;
    }
  }
  t.equal(wrong, 0, 'truncated responses');
  // Mutations: a random character of markup inserted, deleted or replaced. The reader either
  // accepts (the mutation kept the document well-formed) or throws XmlSyntaxError.
  let s = 12345;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const alphabet = '<>/&;"\'=![]?-:x #\r\n\u00e9';
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 1500; i++) {
    const at = Math.floor(rnd() * xml.length);
    const ch = alphabet[Math.floor(rnd() * alphabet.length)]!;
    const kind = Math.floor(rnd() * 3);
    const mutated = kind === 0 ? xml.slice(0, at) + ch + xml.slice(at) : kind === 1 ? xml.slice(0, at) + xml.slice(at + 1) : xml.slice(0, at) + ch + xml.slice(at + 1);
    try {
      tree(mutated, 1 + (i % 300));
      accepted++;
    } catch (err) {
      if (err instanceof XmlSyntaxError) rejected++;
      else t.fail(`mutation ${i}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  t.ok(rejected > 0 && accepted > 0, `${accepted} mutations accepted, ${rejected} rejected`);
  // After an error the reader stays failed.
  const reader = new XmlStreamReader({ open: () => false, element: () => undefined });
  t.throws(() => reader.write('<r></s>'), XmlSyntaxError);
  t.throws(() => reader.write('<r/>'), XmlSyntaxError);
  t.throws(() => reader.close(), XmlSyntaxError);
});

t.test('the tokenizer reports events in order and slices text only on request', async (t) => {
  const log: string[] = [];
  const sink: XmlTokenSink = {
    startElement: (ns, local, attrs, depth) => void log.push(`<${depth} {${ns}}${local} ${JSON.stringify(attrs)}`),
    endElement: (ns, local, depth) => void log.push(`>${depth} {${ns}}${local}`),
    text: (text) => void log.push(`"${text}"`),
  };
  const tok = new XmlTokenizer(sink);
  tok.write('<r xmlns="urn:r">a<k/>b</r>');
  tok.close();
  t.same(log, ['<0 {urn:r}r {}', '<1 {urn:r}k {}', '>1 {urn:r}k', '>0 {urn:r}r'], 'no text while keepText is off');
  log.length = 0;
  const keep = new XmlTokenizer(sink);
  keep.keepText = true;
  keep.write('<r>a&amp;b<k/>c</r>');
  keep.close();
  t.same(log, ['<0 {}r {}', '"a&b"', '<1 {}k {}', '>1 {}k', '"c"', '>0 {}r']);
});

t.test('differential: every EWS fixture gives the tree saxes gives, whatever the chunking', async (t) => {
  const files = fixtureFiles();
  t.ok(files.length > 60, `${files.length} fixture documents`);
  for (const { file, xml } of files) {
    const expected = saxesTree(xml);
    t.same(tree(xml), expected, file);
    for (const chunk of [1, 7, 4096]) {
      if (JSON.stringify(tree(xml, chunk)) !== JSON.stringify(expected)) t.fail(`${file} in chunks of ${chunk}`);
    }
    // Trees with the prefixes rewritten match saxes' reading of the rewritten text as well.
    for (const [name, rewrite] of Object.entries(VARIANTS)) {
      const variant = rewrite(xml);
      let reference: XmlElement;
      try {
        reference = saxesTree(variant);
      } catch {
        continue; // the rewrite does not apply to this document (an unprefixed element of its own)
      }
      if (JSON.stringify(tree(variant, 333)) !== JSON.stringify(reference)) t.fail(`${file}: ${name}`);
    }
  }
});
