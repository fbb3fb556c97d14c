// EWS XML → iCalendar goldens: every fixtures/ews-ical/<case>.xml (one GetItem response: the master
// or single item first, then the modified occurrences; fixtures/ews-ical/README.md) goes through
// the real streaming reader, GetItem parser and assembler, then renderCalendarObject, and must
// equal <case>.ics byte for byte. UPDATE_GOLDEN=1 rewrites the .ics files: read every diff by hand.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ICAL from 'ical.js';
import { assembleCalendarObject } from '../../src/exchange/assemble.js';
import type { GetItemSlot } from '../../src/exchange/operations/get-item.js';
import type { ParsedCalendarItem } from '../../src/exchange/parse-calendar-item.js';
import { renderCalendarObject } from '../../src/ical/render.js';
import { expandInstances } from '../../src/ical/expand.js';
import type { CalendarObject } from '../../src/model/index.js';
import { runFixture } from '../exchange/helpers.js';
import { MAILBOX } from './cases.js';

const dir = fileURLToPath(new URL('../../fixtures/ews-ical/', import.meta.url));
const cases = readdirSync(dir).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
const update = process.env.UPDATE_GOLDEN === '1';

interface Converted {
  master: ParsedCalendarItem;
  exceptions: ParsedCalendarItem[];
  object: CalendarObject;
}

/** What EwsCalendarSource.fetchObjects does with its two GetItem rounds, from one document. */
function convert(xml: string): Converted {
  const out = runFixture('get-item', xml);
  if (out.error) throw new Error(`${out.error.code}: ${out.error.message}`);
  const items = (out.result as GetItemSlot[]).map((s) => {
    if (!s.ok) throw new Error(`slot ${s.itemId}: ${s.code}`);
    return s.item;
  });
  const [master, ...rest] = items;
  if (!master) throw new Error('no item');
  const byId = new Map(rest.map((i) => [i.itemId, i]));
  const exceptions = master.modifiedOccurrences.map((o) => byId.get(o.itemId)).filter((x): x is ParsedCalendarItem => x !== undefined);
  return { master, exceptions, object: assembleCalendarObject(master, exceptions) };
}

type Time = InstanceType<typeof ICAL.Time>;
const msOf = (v: unknown): number => {
  const time = v as Time;
  return time.isDate ? Date.UTC(time.year, time.month - 1, time.day) : time.toUnixTime() * 1000;
};

t.test('at least 30 fixtures', async (t) => {
  t.ok(cases.length >= 30, `${cases.length} cases`);
});

for (const name of cases) {
  t.test(name, async (t) => {
    const { master, exceptions, object } = convert(readFileSync(`${dir}${name}.xml`, 'utf8'));
    t.equal(exceptions.length, master.modifiedOccurrences.length, 'every modified occurrence is in the document');
    t.ok(exceptions.every((e) => e.itemType === 'Exception' && (e.uid === undefined || e.uid === master.uid)), 'exceptions of this series');
    t.notOk(master.recurrenceProblem, 'recurrence understood');

    const ics = renderCalendarObject(object, { ownerEmail: MAILBOX });
    const file = `${dir}${name}.ics`;
    if (update || !existsSync(file)) {
      if (!update) t.fail(`${name}.ics was missing: written, review it`);
      writeFileSync(file, ics);
    }
    t.equal(ics, readFileSync(file, 'utf8'), 'matches the golden file');

    // ical.js reads it, and what it reads is what EWS said.
    const root = new ICAL.Component(ICAL.parse(ics));
    const vevents = root.getAllSubcomponents('vevent');
    t.equal(vevents.length, 1 + (object.recurrence ? exceptions.length : 0), 'one VEVENT per master and override');
    const head = vevents[0]!;
    const dtstart = head.getFirstPropertyValue('dtstart') as Time;
    if (master.isAllDay) {
      t.ok(dtstart.isDate, 'all-day: DTSTART is a DATE');
      t.equal(object.master.start.kind === 'date' && object.master.start.date, dtstart.toString(), 'local start date');
    } else {
      t.equal(msOf(dtstart), master.startUtc, 'DTSTART is the EWS Start instant');
      t.equal(msOf(head.getFirstPropertyValue('dtend')), master.endUtc, 'DTEND is the EWS End instant');
    }
    t.equal(head.getAllProperties('exdate').length, new Set(master.deletedOccurrences).size, 'one EXDATE per deleted occurrence');
    const rids = vevents.slice(1).map((v) => msOf(v.getFirstPropertyValue('recurrence-id')));
    t.equal(new Set(rids).size, rids.length, 'distinct RECURRENCE-IDs');
    for (const tzid of new Set([...ics.matchAll(/TZID=([^:;]+)/g)].map((m) => m[1]))) {
      t.ok(ics.includes(`\r\nTZID:${tzid}\r\n`), `VTIMEZONE for ${tzid}`);
    }
    // The first instance ical.js expands is the master's own start (EWS: the first occurrence).
    const first = expandInstances(ics, -8.64e15, 8.64e15, 1)[0];
    const firstExpected = master.isAllDay ? msOf(dtstart) : master.startUtc;
    if (!exceptions.some((e) => e.originalStart === master.startUtc)) t.equal(first?.start, firstExpected, 'first instance = master start');
  });
}
