// CALDAV:filter (RFC 4791 §9.7) compiled once into a predicate over one stored object.
// Supported: nested comp-filter (VCALENDAR → VEVENT → VALARM), is-not-defined, time-range on
// VEVENT (recurring series expanded, §9.9) and on DATE-TIME properties, prop-filter, param-filter,
// text-match with i;octet, i;ascii-casemap and i;unicode-casemap, negate-condition.

import ICAL from 'ical.js';
import { overlapsRange, parseCalendar } from '../../ical/dav-expand.js';
import { DavErrors } from '../errors.js';
import { parseUtcAttribute } from '../time.js';
import { caldav, childElements, firstChild, textOf, type XmlElement } from '../xml.js';

export interface TimeRange {
  start: number | undefined;
  end: number | undefined;
}

interface TextMatch {
  needle: string;
  fold: (s: string) => string;
  negate: boolean;
}

interface ParamFilter {
  name: string;
  notDefined: boolean;
  text?: TextMatch;
}

interface PropFilter {
  name: string;
  notDefined: boolean;
  range?: TimeRange;
  text?: TextMatch;
  params: ParamFilter[];
}

export interface CompFilter {
  name: string;
  notDefined: boolean;
  range?: TimeRange;
  props: PropFilter[];
  comps: CompFilter[];
}

const COLLATIONS: Readonly<Record<string, (s: string) => string>> = {
  'i;octet': (s) => s,
  'i;ascii-casemap': (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()),
  // RFC 5051 (titlecase + NFKD) approximated by NFKD + lower case: equal for the scripts calendars use.
  'i;unicode-casemap': (s) => s.normalize('NFKD').toLowerCase(),
};

function readTextMatch(e: XmlElement | undefined): TextMatch | undefined {
  if (!e) return undefined;
  const collation = e.attrs?.collation ?? 'i;ascii-casemap';
  const fold = COLLATIONS[collation];
  if (!fold) throw DavErrors.unsupportedCollation(collation);
  return { needle: fold(textOf(e)), fold, negate: (e.attrs?.['negate-condition'] ?? 'no') === 'yes' };
}

function readRange(e: XmlElement | undefined): TimeRange | undefined {
  if (!e) return undefined;
  const start = parseUtcAttribute(e.attrs?.start, 'time-range start');
  const end = parseUtcAttribute(e.attrs?.end, 'time-range end');
  if (start === undefined && end === undefined) throw DavErrors.validFilter('time-range needs start or end.');
  if (start !== undefined && end !== undefined && end <= start) throw DavErrors.validFilter('time-range end must be after start.');
  return { start, end };
}

function upperName(e: XmlElement): string {
  const name = e.attrs?.name;
  if (!name) throw DavErrors.validFilter(`${e.name} needs a name attribute.`);
  return name.toUpperCase();
}

function readPropFilter(e: XmlElement): PropFilter {
  const range = readRange(firstChild(e, caldav('time-range')));
  const text = readTextMatch(firstChild(e, caldav('text-match')));
  return {
    name: upperName(e),
    notDefined: firstChild(e, caldav('is-not-defined')) !== undefined,
    ...(range ? { range } : {}),
    ...(text ? { text } : {}),
    params: childElements(e, caldav('param-filter')).map((p) => {
      const t = readTextMatch(firstChild(p, caldav('text-match')));
      return { name: upperName(p), notDefined: firstChild(p, caldav('is-not-defined')) !== undefined, ...(t ? { text: t } : {}) };
    }),
  };
}

export function readCompFilter(e: XmlElement): CompFilter {
  const range = readRange(firstChild(e, caldav('time-range')));
  return {
    name: upperName(e),
    notDefined: firstChild(e, caldav('is-not-defined')) !== undefined,
    ...(range ? { range } : {}),
    props: childElements(e, caldav('prop-filter')).map(readPropFilter),
    comps: childElements(e, caldav('comp-filter')).map(readCompFilter),
  };
}

/** The <C:filter> of a calendar-query; §9.7: exactly one comp-filter, for VCALENDAR. */
export function readFilter(query: XmlElement): CompFilter {
  const filter = firstChild(query, caldav('filter'));
  const top = filter ? childElements(filter, caldav('comp-filter')) : [];
  if (!filter || top.length !== 1 || upperName(top[0]!) !== 'VCALENDAR') {
    throw DavErrors.validFilter('calendar-query needs <C:filter><C:comp-filter name="VCALENDAR">.');
  }
  return readCompFilter(top[0]!);
}

/** The widest VEVENT time range of the filter, for the store's prefilter. */
export function eventRange(filter: CompFilter): TimeRange | undefined {
  const ev = filter.comps.find((c) => c.name === 'VEVENT' && !c.notDefined);
  return ev?.range;
}

function matchText(value: string, m: TextMatch): boolean {
  return m.fold(value).includes(m.needle) !== m.negate;
}

function propText(p: ICAL.Property): string[] {
  return p.getValues().map((v: unknown) => (typeof v === 'string' ? v : String(v)));
}

function matchParam(p: ICAL.Property, f: ParamFilter): boolean {
  const value = p.getParameter(f.name.toLowerCase()) as string | string[] | undefined;
  if (f.notDefined) return value === undefined;
  if (value === undefined) return false;
  if (!f.text) return true;
  return (Array.isArray(value) ? value : [value]).some((v) => matchText(String(v), f.text!));
}

function matchProp(comp: ICAL.Component, f: PropFilter): boolean {
  const props = comp.getAllProperties(f.name.toLowerCase());
  if (f.notDefined) return props.length === 0;
  return props.some((p) => {
    if (f.range) {
      const v = p.getFirstValue() as unknown;
      if (!(v instanceof ICAL.Time)) return false;
      const t = v.toUnixTime() * 1000;
      if ((f.range.start !== undefined && t < f.range.start) || (f.range.end !== undefined && t >= f.range.end)) return false;
    }
    if (f.text && !propText(p).some((s) => matchText(s, f.text!))) return false;
    return f.params.every((pf) => matchParam(p, pf));
  });
}

/**
 * §9.7.1 against the components named f.name below `parent`. A time-range on VEVENT is decided
 * over the whole series of the object (master + overrides) — the resource is the unit CalDAV
 * returns. Time ranges on other components (VALARM triggers) are accepted and not narrowed.
 */
function matchComp(parent: ICAL.Component, f: CompFilter, text: string): boolean {
  const comps = parent.getAllSubcomponents(f.name.toLowerCase());
  if (f.notDefined) return comps.length === 0;
  if (comps.length === 0) return false;
  if (f.range && f.name === 'VEVENT' && !overlapsRange(text, f.range.start, f.range.end)) return false;
  return comps.some((c) => f.props.every((p) => matchProp(c, p)) && f.comps.every((sub) => matchComp(c, sub, text)));
}

export function matchesFilter(text: string, filter: CompFilter): boolean {
  let cal: ICAL.Component;
  try {
    cal = parseCalendar(text);
  } catch {
    return false;
  }
  // The root is VCALENDAR itself (readFilter checked the name).
  return filter.props.every((p) => matchProp(cal, p)) && filter.comps.every((c) => matchComp(cal, c, text));
}
