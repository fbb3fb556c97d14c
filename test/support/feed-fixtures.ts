// Shared by the feed tests: the fixtures of fixtures/feed/ as stored objects (CRLF, as the store
// keeps them), a pinned clock, and the two independent parsers every feed must satisfy.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import type { Test } from 'tap';

const DIR = fileURLToPath(new URL('../../fixtures/feed/', import.meta.url));

/** Tuesday 2026-03-10 12:00 UTC: the fixtures sit around it. */
export const NOW = Date.UTC(2026, 2, 10, 12);

export function feedFixture(name: string): string {
  return readFileSync(`${DIR}${name}`, 'utf8').replace(/\r?\n/g, '\r\n');
}

export function feedFixtureNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.ics')).sort();
}

export function allFeedFixtures(): { name: string; ical: string }[] {
  return feedFixtureNames().map((name) => ({ name, ical: feedFixture(name) }));
}

/** RFC 5545 §3.1 unfolding, for searching output without folds getting in the way. */
export function unfolded(text: string): string {
  return text.replace(/\r\n[ \t]/g, '');
}

/** SUMMARY of every VEVENT as ical.js reads it (throws if ical.js cannot parse the text). */
export function icaljsSummaries(text: string): string[] {
  const root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  return root.getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('summary') ?? ''));
}

const PY_SCRIPT = [
  'import icalendar, sys, json',
  "cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))",
  "print(json.dumps([str(e.get('summary')) for e in cal.walk('VEVENT')]))",
].join('\n');

let python: string | null | undefined;

/** A python3 that has the icalendar module (the Debian python3-icalendar lives under /usr/bin). */
function findPython(): string | null {
  if (python !== undefined) return python;
  python = null;
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import icalendar'], { encoding: 'utf8' });
    if (r.status === 0) return (python = candidate);
  }
  return python;
}

/**
 * SUMMARY of every VEVENT as python-icalendar reads it, or undefined after recording a skip
 * (a failure in CI, where the tool must be installed).
 */
export function pythonSummaries(t: Test, text: string): string[] | undefined {
  const py = findPython();
  if (!py) {
    const message = 'python3-icalendar is not installed (apt-get install python3-icalendar)';
    if (process.env.CI) t.fail(message);
    else t.pass(message, { skip: message });
    return undefined;
  }
  const r = spawnSync(py, ['-c', PY_SCRIPT], { input: text, encoding: 'utf8' });
  if (r.status !== 0) {
    t.fail(`python icalendar failed: ${r.stderr}`);
    return undefined;
  }
  return JSON.parse(r.stdout) as string[];
}
