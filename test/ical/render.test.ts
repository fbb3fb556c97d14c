// Golden tests for src/ical: fixtures/ical/<case>.json (a CalendarObject) renders byte for byte
// to fixtures/ical/<case>.ics. UPDATE_GOLDEN=1 rewrites the .ics files — review every diff by hand.
// Beyond the bytes, each output must parse with ical.js, be well-formed for strict parsers and
// denote exactly the model's instants.

import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ICAL from 'ical.js';
import type { CalendarObject, EventTime } from '../../src/model/event.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import { escapeText, fold, mailtoUri, paramValue } from '../../src/ical/content-line.js';
import { htmlToText } from '../../src/ical/html-to-text.js';
import { objectBounds, expandInstances } from '../../src/ical/expand.js';

const dir = fileURLToPath(new URL('../../fixtures/ical/', import.meta.url));
const cases = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const OWNER = 'mara@contoso.com';
const update = process.env.UPDATE_GOLDEN === '1';

function load(name: string): CalendarObject {
  return JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as CalendarObject;
}

type Time = InstanceType<typeof ICAL.Time>;
const msOf = (v: unknown): number => {
  const time = v as Time;
  return time.isDate ? Date.UTC(time.year, time.month - 1, time.day) : time.toUnixTime() * 1000;
};
const expectedMs = (e: EventTime): number => (e.kind === 'date' ? Date.parse(`${e.date}T00:00:00Z`) : Math.floor(e.utc / 1000) * 1000);

t.test('at least 20 fixtures', async (t) => {
  t.ok(cases.length >= 20, `${cases.length} cases`);
});

for (const name of cases) {
  t.test(name, async (t) => {
    const obj = load(name);
    const ics = renderCalendarObject(obj, { ownerEmail: OWNER });
    const file = `${dir}${name}.ics`;
    if (update || !existsSync(file)) writeFileSync(file, ics);
    t.equal(ics, readFileSync(file, 'utf8'), 'matches the golden file');
    t.equal(renderCalendarObject(load(name), { ownerEmail: OWNER }), ics, 'deterministic');

    // Well-formed content lines (RFC 5545 §3.1).
    t.ok(ics.endsWith('\r\n'), 'ends with CRLF');
    t.notOk(/[^\r]\n/.test(ics), 'no bare LF');
    for (const line of ics.split('\r\n')) {
      t.ok(Buffer.byteLength(line, 'utf8') <= 75, `line within 75 octets: ${line.slice(0, 30)}`);
      if (line.length > 0) t.notOk(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line), 'no control characters');
    }
    t.notOk(/^[A-Z-]+(;[^:]*)?:\r$/m.test(ics), 'no empty property values');
    t.notOk(/^METHOD:/m.test(ics), 'no METHOD (RFC 4791 §4.1)');

    // Parses, and every written time denotes the model's instant.
    const root = new ICAL.Component(ICAL.parse(ics));
    const vevents = root.getAllSubcomponents('vevent');
    t.equal(vevents.length, 1 + (obj.recurrence ? obj.overrides.length : 0), 'one VEVENT per master and override');
    const master = vevents[0]!;
    t.equal(msOf(master.getFirstPropertyValue('dtstart')), expectedMs(obj.master.start), 'DTSTART instant');
    if (obj.master.end.kind === obj.master.start.kind) {
      t.equal(msOf(master.getFirstPropertyValue('dtend')), expectedMs(obj.master.end), 'DTEND instant');
    }
    for (const tzid of new Set([...ics.matchAll(/TZID=([^:;]+)/g)].map((m) => m[1]))) {
      t.ok(ics.includes(`\r\nTZID:${tzid}\r\n`), `VTIMEZONE for ${tzid}`);
    }
    const exdates = master.getAllProperties('exdate').map((p) => msOf(p.getFirstValue()));
    const overridden = obj.overrides.map((o) => expectedMs(o.recurrenceId ?? o.start));
    for (const d of obj.deletedOccurrences) {
      const ms = expectedMs(d);
      t.equal(exdates.includes(ms), !overridden.includes(ms), `EXDATE ${new Date(ms).toISOString()} only when not overridden`);
    }
    vevents.slice(1).forEach((v) => {
      const rid = msOf(v.getFirstPropertyValue('recurrence-id'));
      const o = obj.overrides.find((x) => expectedMs(x.recurrenceId ?? x.start) === rid);
      t.ok(o, 'RECURRENCE-ID names an override');
      if (o) t.equal(msOf(v.getFirstPropertyValue('dtstart')), expectedMs(o.start), 'override DTSTART instant');
    });

    // Bounds cover every instance in a generous window.
    const bounds = objectBounds(obj);
    const some = expandInstances(ics, Date.UTC(1970, 0, 1), Date.UTC(2040, 0, 1), 2000);
    t.ok(some.length > 0, 'has instances');
    t.ok(some.every((i) => i.start >= bounds.firstStart), 'firstStart is a lower bound');
    if (bounds.lastEnd !== undefined) t.ok(some.every((i) => i.end <= bounds.lastEnd!), 'lastEnd is an upper bound');
    t.equal(bounds.lastEnd === undefined, obj.recurrence?.range.type === 'noEnd', 'endless only for noEnd series');
  });
}

t.test('content lines', async (t) => {
  t.equal(escapeText('a\\b;c,d\r\ne\nf'), 'a\\\\b\\;c\\,d\\ne\\nf');
  t.equal(escapeText('bell\u0007tab\tok'), 'belltab\tok');
  t.equal(paramValue('Doe, Jane'), '"Doe, Jane"');
  t.equal(paramValue('Room 4.01: A'), '"Room 4.01: A"');
  t.equal(paramValue('Say "hi"'), "Say 'hi'");
  t.equal(paramValue('Plain Name'), 'Plain Name');
  t.equal(mailtoUri('a b@x.com'), 'mailto:a%20b@x.com');
  t.equal(mailtoUri('MAILTO:o\'neil+tag@x.com'), "mailto:o'neil+tag@x.com");
  t.equal(mailtoUri('jörg@bücher.de'), 'mailto:j%C3%B6rg@b%C3%BCcher.de');
  t.equal(mailtoUri('a?b#c%d@x.com'), 'mailto:a%3Fb%23c%25d@x.com');
  // Folding: 75 octets per line, continuation lines start with a space, no UTF-8 sequence split.
  const folded = fold('SUMMARY:' + '€'.repeat(40) + '🎉'.repeat(10));
  for (const line of folded.split('\r\n').filter(Boolean)) t.ok(Buffer.byteLength(line) <= 75);
  t.equal(folded.replace(/\r\n /g, '').replace(/\r\n$/, ''), 'SUMMARY:' + '€'.repeat(40) + '🎉'.repeat(10));
  t.notOk(folded.includes('\ufffd'));
  t.equal(fold('X:' + 'a'.repeat(73)), 'X:' + 'a'.repeat(73) + '\r\n', 'exactly 75 octets stays on one line');
  t.equal(fold('X:' + 'a'.repeat(74)), 'X:' + 'a'.repeat(73) + '\r\n a\r\n');
});

t.test('html to text', async (t) => {
  t.equal(htmlToText('<p>Hello&nbsp;<b>World</b></p><p>Second&amp;last</p>'), 'Hello World\n\nSecond&last');
  t.equal(htmlToText('a<br>b<br/>c'), 'a\nb\nc');
  t.equal(htmlToText('<ul><li>one</li><li>two</li></ul>'), '- one\n- two');
  t.equal(htmlToText('See <a href="https://x.test/a?b=1&amp;c=2">the doc</a>.'), 'See the doc (https://x.test/a?b=1&c=2).');
  t.equal(htmlToText('<a href="https://x.test/">https://x.test/</a>'), 'https://x.test/');
  t.equal(htmlToText('<a href="mailto:a@b.c">a@b.c</a>'), 'a@b.c');
  t.equal(htmlToText('<style>p{}</style><script>x<1</script>Text <!-- c --> here'), 'Text here');
  t.equal(htmlToText('&lt;tag&gt; &#x2615; &#9731; &eacute; &unknown;'), '<tag> ☕ ☃ é &unknown;');
  t.equal(htmlToText('  lots   of\n\n  space  '), 'lots of space');
  t.equal(htmlToText('<div>a</div><div>b</div>'), 'a\nb');
  t.equal(htmlToText('<pre>x  y\n  z</pre>'), 'x y\n z'.replace(' z', ' z'));
});
