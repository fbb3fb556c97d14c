// One VEVENT from one EventData: the EWS → iCalendar property map of EWS-NOTES §6.3 (davmail's
// PARTSTAT and CLASS mappings), RFC 5545 §3.6.1 properties plus Microsoft's X-MICROSOFT-CDO-*
// and RFC 7986 CONFERENCE. Times are written by the caller-provided zone registry.

import { parseLocal, type ResolvedZone } from '../model/tz.js';
import type { Attendee, EventData, EventTime, Importance, ResponseStatus, Sensitivity, ShowAs } from '../model/event.js';
import { LineWriter, mailtoUri, uriValue, escapeText, param } from './content-line.js';
import { htmlToText } from './html-to-text.js';
import { isUtc, type ZoneRegistry } from './zones.js';

export interface EventContext {
  zones: ZoneRegistry;
  /** Lower-cased address of the mailbox owner: their attendee entry takes PARTSTAT from myResponse. */
  ownerEmail?: string;
  includeAltDesc: boolean;
  /** DTSTAMP when the event has no time stamp of its own. */
  fallbackStamp: number;
}

const PARTSTAT: Readonly<Record<ResponseStatus, string>> = {
  accepted: 'ACCEPTED',
  tentative: 'TENTATIVE',
  declined: 'DECLINED',
  notResponded: 'NEEDS-ACTION',
  unknown: 'NEEDS-ACTION',
  organizer: 'ACCEPTED',
};
const ROLE: Readonly<Record<Attendee['role'], string>> = {
  required: 'REQ-PARTICIPANT',
  optional: 'OPT-PARTICIPANT',
  resource: 'NON-PARTICIPANT',
};
const CLASS: Readonly<Record<Sensitivity, string>> = {
  normal: 'PUBLIC',
  personal: 'PRIVATE',
  private: 'PRIVATE',
  confidential: 'CONFIDENTIAL',
};
const BUSY: Readonly<Record<ShowAs, string | undefined>> = {
  free: 'FREE',
  tentative: 'TENTATIVE',
  busy: 'BUSY',
  oof: 'OOF',
  workingElsewhere: 'WORKINGELSEWHERE',
  unknown: undefined,
};
/** RFC 5545 §3.8.1.9: 1 highest, 5 medium, 9 lowest; Outlook's importance 0/1/2. */
const PRIORITY: Readonly<Record<Importance, [string, string]>> = { high: ['1', '2'], normal: ['5', '1'], low: ['9', '0'] };

/** 'YYYYMMDDTHHMMSSZ' of an instant (whole seconds). */
export function utcStamp(ms: number): string {
  return `${wallStamp(ms)}Z`;
}

/** 'YYYYMMDDTHHMMSS' of wall-clock milliseconds (an instant shifted by its offset). */
function wallStamp(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (y < 1000 || y > 9999) return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z?/, '').replace(/^[+-]0*/, '');
  return `${y}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function icalDate(date: string): string {
  return date.slice(0, 10).replace(/-/g, '');
}

/**
 * A DATE-TIME property head and value in a zone: `NAME:…Z` for UTC, else `NAME;TZID=…:local`
 * (RFC 5545 §3.3.5 forms 2 and 3). Returned as [name with parameters, value].
 */
export function zonedProperty(name: string, utc: number, zone: ResolvedZone, zones: ZoneRegistry): [string, string] {
  const ms = Math.floor(utc / 1000) * 1000;
  if (isUtc(zone)) return [name, utcStamp(ms)];
  zones.note(zone, ms);
  return [`${name}${param('TZID', zone.tzid)}`, wallStamp(ms + zone.offsetAt(ms) * 60_000)];
}

/** Writes DTSTART/DTEND-like properties. */
export function writeTime(w: LineWriter, name: string, t: EventTime, zones: ZoneRegistry, instants?: readonly number[]): void {
  if (t.kind === 'date') {
    w.line(`${name};VALUE=DATE`, icalDate(t.date));
    return;
  }
  const zone = zones.zoneFor(t.zone, instants ?? [t.utc]);
  const [head, value] = zonedProperty(name, t.utc, zone, zones);
  w.line(head, value);
}

/** DTEND in the start's value type (RFC 5545 §3.8.2.2), never before DTSTART; all-day DTEND is exclusive. */
export function normalizedEnd(start: EventTime, end: EventTime, zones: ZoneRegistry): EventTime {
  if (start.kind === 'date') {
    const endDate = end.kind === 'date' ? end.date : zones.zoneFor(end.zone, [end.utc]).toLocal(end.utc).slice(0, 10);
    if (parseLocal(endDate) > parseLocal(start.date)) return { kind: 'date', date: endDate };
    return { kind: 'date', date: new Date(parseLocal(start.date) + 86_400_000).toISOString().slice(0, 10) };
  }
  if (end.kind === 'date') {
    const zone = zones.zoneFor(start.zone, [start.utc]);
    return { kind: 'date-time', utc: Math.max(start.utc, zone.fromLocal(`${end.date}T00:00:00`)), zone: start.zone };
  }
  return end.utc >= start.utc ? end : { ...end, utc: start.utc };
}

/**
 * DTSTAMP of a stored object. RFC 5545 §3.8.7.2: without a METHOD (a CalDAV resource, a feed) it
 * is when the component was last revised in the store — the item's LastModifiedTime, which both
 * upstreams report. EWS's DateTimeStamp (meetings only) belongs to scheduling messages; using it
 * here would make the same event render differently over Graph, which has no such property.
 */
export function eventStamp(ev: EventData): number | undefined {
  return ev.lastModified ?? ev.created ?? ev.stamp;
}

/**
 * The body of a VEVENT after its time and recurrence properties. `header` writes UID, DTSTAMP,
 * DTSTART, DTEND, RECURRENCE-ID and the recurrence set; this writes the rest.
 */
export function writeEventProperties(w: LineWriter, ev: EventData, ctx: EventContext): void {
  const description = ev.body?.text?.trim() ? ev.body.text : ev.body?.html ? htmlToText(ev.body.html) : undefined;
  w.text('SUMMARY', ev.summary);
  w.text('DESCRIPTION', description);
  if (ctx.includeAltDesc && ev.body?.html?.trim()) w.text('X-ALT-DESC', ev.body.html, [['FMTTYPE', 'text/html']]);
  w.text('LOCATION', ev.location);

  const hasAttendees = ev.attendees.some((a) => a.email);
  if (ev.organizer?.email && (ev.isMeeting || hasAttendees)) {
    // RFC 6638 §3.1: ORGANIZER makes a scheduling object; plain appointments carry none.
    w.line(`ORGANIZER${param('CN', ev.organizer.name?.trim())}`, mailtoUri(ev.organizer.email));
  }
  for (const a of ev.attendees) writeAttendee(w, a, ev, ctx);

  w.raw('CLASS', CLASS[ev.sensitivity]);
  // Meetings are CONFIRMED unless cancelled; plain appointments carry no STATUS (§3.8.1.11 is optional).
  w.raw('STATUS', ev.cancelled ? 'CANCELLED' : ev.isMeeting ? 'CONFIRMED' : undefined);
  w.raw('TRANSP', ev.showAs === 'free' ? 'TRANSPARENT' : 'OPAQUE');
  w.raw('X-MICROSOFT-CDO-BUSYSTATUS', BUSY[ev.showAs]);
  const [priority, importance] = PRIORITY[ev.importance];
  w.raw('PRIORITY', priority);
  w.raw('X-MICROSOFT-CDO-IMPORTANCE', importance);

  const categories = ev.categories.map((c) => c.trim()).filter((c) => c !== '');
  // One property, values comma-separated; a comma inside a category is escaped (§3.8.1.2).
  if (categories.length > 0) w.raw('CATEGORIES', categories.map(escapeText).join(','));

  if (ev.onlineMeetingUrl?.trim()) {
    const url = uriValue(ev.onlineMeetingUrl);
    w.raw('URL', url);
    w.raw('CONFERENCE', url, [['VALUE', 'URI'], ['FEATURE', ['AUDIO', 'VIDEO']], ['LABEL', 'Join online meeting']]);
  }
  if (ev.sequence !== undefined && Number.isFinite(ev.sequence)) w.raw('SEQUENCE', String(Math.max(0, Math.floor(ev.sequence))));
  if (ev.created !== undefined) w.raw('CREATED', utcStamp(ev.created));
  if (ev.lastModified !== undefined) w.raw('LAST-MODIFIED', utcStamp(ev.lastModified));

  if (ev.reminderMinutes !== undefined && Number.isFinite(ev.reminderMinutes)) {
    const minutes = Math.max(0, Math.round(ev.reminderMinutes));
    w.begin('VALARM');
    w.raw('ACTION', 'DISPLAY');
    w.raw('DESCRIPTION', 'Reminder');
    // §3.8.6.3: a zero offset is written without sign (PT0M); before the start is negative.
    w.raw('TRIGGER', minutes === 0 ? 'PT0M' : `-PT${minutes}M`);
    w.end('VALARM');
  }
}

function writeAttendee(w: LineWriter, a: Attendee, ev: EventData, ctx: EventContext): void {
  if (!a.email?.trim()) return; // ATTENDEE is a cal-address; without one there is nothing to write
  const isOwner = ctx.ownerEmail !== undefined && a.email.trim().toLowerCase() === ctx.ownerEmail;
  // EWS-NOTES §6.3: on an attendee's copy the entries say Unknown; MyResponseType is the owner's answer.
  const response = isOwner && ev.myResponse !== undefined ? ev.myResponse : a.response;
  const cutype =
    a.kind === 'room' ? 'ROOM' : a.kind === 'resource' ? 'RESOURCE' : a.kind === 'group' ? 'GROUP' : a.kind === 'unknown' && a.role === 'resource' ? 'RESOURCE' : 'INDIVIDUAL';
  const rsvp = (a.rsvp ?? ev.responseRequested) === true && a.role !== 'resource' && response !== 'organizer';
  w.line(
    `ATTENDEE${param('CN', a.name?.trim())};CUTYPE=${cutype};ROLE=${ROLE[a.role]};PARTSTAT=${PARTSTAT[response]}${rsvp ? ';RSVP=TRUE' : ''}`,
    mailtoUri(a.email),
  );
}
