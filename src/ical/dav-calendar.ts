// Whole-calendar iCalendar texts the CalDAV front-end serves: GET on a calendar collection (all
// objects as one VCALENDAR, VTIMEZONEs merged by TZID) and calendar-timezone (RFC 4791 §5.2.2:
// a VCALENDAR holding exactly one VTIMEZONE). Pure: texts in, text out.

import ICAL from 'ical.js';
import { tzlib_get_ical_block, tzlib_get_timezones } from 'timezones-ical-library';

const PRODID = '-//ewsdav//CalDAV bridge//EN';

function fold(line: string): string {
  // RFC 5545 §3.1: lines longer than 75 octets are folded; ical.js folds its own output, ours too.
  return ICAL.helpers.foldline(line);
}

/**
 * Merge stored objects into one VCALENDAR. The first VTIMEZONE of each TZID wins (they come from
 * the same converter, so equal TZIDs carry equal rules); unparsable objects are skipped.
 */
export function mergeCalendars(texts: Iterable<string>, options: { name?: string; timezone?: string } = {}): string {
  const zones = new Map<string, string>();
  const components: string[] = [];
  for (const text of texts) {
    let cal: ICAL.Component;
    try {
      cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    } catch {
      continue;
    }
    for (const sub of cal.getAllSubcomponents()) {
      if (sub.name === 'vtimezone') {
        const tzid = String(sub.getFirstPropertyValue('tzid') ?? '');
        if (!zones.has(tzid)) zones.set(tzid, sub.toString());
      } else components.push(sub.toString());
    }
  }
  const head = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN'];
  // X-WR-CALNAME / X-WR-TIMEZONE: what Apple Calendar, Google and Outlook read from a
  // subscribed file to name it and to place floating times.
  if (options.name) head.push(fold(`X-WR-CALNAME:${escapeText(options.name)}`));
  if (options.timezone) head.push(`X-WR-TIMEZONE:${options.timezone}`);
  return [...head, ...zones.values(), ...components, 'END:VCALENDAR', ''].join('\r\n');
}

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

let zoneNames: ReadonlySet<string> | undefined;
function knownZones(): ReadonlySet<string> {
  // Asked first because the library prints to the console for names it does not know.
  if (!zoneNames) {
    const list = tzlib_get_timezones();
    zoneNames = new Set(Array.isArray(list) ? list : []);
  }
  return zoneNames;
}

/** The VTIMEZONE of an IANA zone (tzdata 2026 rules), or undefined for unknown zones and UTC. */
export function vtimezoneFor(iana: string): string | undefined {
  if (iana === 'UTC' || iana === 'Etc/UTC' || !knownZones().has(iana)) return undefined;
  try {
    const block = tzlib_get_ical_block(iana);
    const text = Array.isArray(block) ? block[0] : undefined;
    return text && text.startsWith('BEGIN:VTIMEZONE') ? text : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 4791 §5.2.2 calendar-timezone value: a VCALENDAR with exactly one VTIMEZONE. */
export function timezoneCalendar(iana: string): string | undefined {
  const zone = iana === 'UTC' || iana === 'Etc/UTC' ? UTC_ZONE : vtimezoneFor(iana);
  if (!zone) return undefined;
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, zone, 'END:VCALENDAR', ''].join('\r\n');
}

const UTC_ZONE = ['BEGIN:VTIMEZONE', 'TZID:UTC', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'TZNAME:UTC', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');
