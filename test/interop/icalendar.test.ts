// python3-icalendar (Debian's) must read every iCalendar text ewsdav produces: the expected
// outputs in fixtures/ical/ and, end to end, every object the bridge serves for the demo mailbox
// (CalDAV GET, byte for byte as served) plus each calendar's ICS feed. One Python process parses
// them all (scripts/parse_icalendar.py) and reports per file.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { basicAuth, calendarPath, requirePythonModule, run, SCRIPTS, startBridge } from './support.js';

interface ParseResult {
  name: string;
  ok: boolean;
  error?: string;
  vevents: number;
  vtimezones: number;
  problems: string[];
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/ical/', import.meta.url));
const python = requirePythonModule('icalendar', 'python3-icalendar');

const count = (text: string, what: string): number => text.split(`\r\nBEGIN:${what}\r\n`).length - 1 + (text.startsWith(`BEGIN:${what}\r\n`) ? 1 : 0);

if (python) {
  t.test('fixtures/ical and everything the bridge serves parse with python-icalendar', async (t) => {
    const files: { name: string; text: string }[] = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.ics'))
      .sort()
      .map((f) => ({ name: `fixtures/ical/${f}`, text: readFileSync(`${FIXTURES}${f}`, 'utf8') }));
    const fixtureCount = files.length;
    t.ok(fixtureCount >= 20, `fixtures/ical has ${fixtureCount} .ics files`);

    const b = await startBridge(t);
    const headers = { Authorization: basicAuth(b.user, b.password) };
    for (const cal of b.calendars) {
      for (const object of await b.bridge.store.listObjects(b.user, cal.id)) {
        const url = `${b.origin}/${calendarPath(b.user, cal.id)}${object.name}`;
        const res = await fetch(url, { headers });
        t.equal(res.status, 200, `GET ${cal.displayName}/${object.name}`);
        files.push({ name: `served ${cal.displayName}/${object.name}`, text: await res.text() });
      }
      const feed = await fetch(`${b.origin}/ics/${encodeURIComponent(b.user)}/${cal.id}.ics`, { headers });
      t.equal(feed.status, 200, `GET the ${cal.displayName} ICS feed`);
      files.push({ name: `feed ${cal.displayName}`, text: await feed.text() });
    }
    t.ok(files.length - fixtureCount > b.calendars.length * 2, `the bridge served ${files.length - fixtureCount} texts`);

    const r = await run(python, [`${SCRIPTS}parse_icalendar.py`], { input: JSON.stringify(files) });
    t.equal(r.status, 0, 'parse_icalendar.py exits 0', { stderr: r.stderr });
    const results = JSON.parse(r.stdout) as ParseResult[];
    t.equal(results.length, files.length, 'one result per text');
    for (const [i, result] of results.entries()) {
      const text = files[i]!.text.replace(/\r?\n/g, '\r\n');
      t.ok(result.ok, `${result.name} parses`, result.ok ? {} : { error: result.error, problems: result.problems });
      t.equal(result.vevents, count(text, 'VEVENT'), `${result.name}: python sees every VEVENT (${result.vevents})`);
      t.equal(result.vtimezones, count(text, 'VTIMEZONE'), `${result.name}: and every VTIMEZONE (${result.vtimezones})`);
    }
  });
}
