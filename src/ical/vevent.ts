// One VEVENT from one EventData: the EWS → iCalendar property map of EWS-NOTES §6.3 (davmail's
// PARTSTAT and CLASS mappings), RFC 5545 §3.6.1 properties plus Microsoft's X-MICROSOFT-CDO-*
// and RFC 7986 CONFERENCE. Times are written by the caller-provided zone registry.

import { formatWall, parseLocal, type ResolvedZone } from '../model/tz.js';
import type { Attendee, EventData, EventTime, Importance, ResponseStatus, Sensitivity, ShowAs } from '../model/event.js';
import { fold, foldProperty, isAscii, LineWriter, mailtoUri, uriValue, escapeText, param, type Params } from './content-line.js';
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

/** `NAME:YYYYMMDDTHHMMSSZ` and CRLF: the names given are short, so a four-digit year needs no folding. */
export function utcLine(name: string, ms: number): string {
  const fast = formatWall(ms, true);
  return fast !== undefined && name.length <= 50 ? `${name}:${fast}Z\r\n` : fold(`${name}:${utcStamp(ms)}`);
}

/** 'YYYYMMDDTHHMMSS' of wall-clock milliseconds (an instant shifted by its offset). */
function wallStamp(ms: number): string {
  const fast = formatWall(ms, true);
  if (fast !== undefined) return fast;
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
 * A DATE-TIME property as a folded line in a zone: `NAME:…Z` for UTC, else `NAME;TZID=…:local`
 * (RFC 5545 §3.3.5 forms 2 and 3).
 */
export function zonedLine(name: string, utc: number, zone: ResolvedZone, zones: ZoneRegistry): string {
  const ms = Math.floor(utc / 1000) * 1000;
  if (isUtc(zone)) return utcLine(name, ms);
  zones.note(zone, ms);
  let tz = tzidParams.get(zone);
  if (tz === undefined) {
    tz = { param: param('TZID', zone.tzid), ascii: isAscii(zone.tzid) };
    tzidParams.set(zone, tz);
  }
  return foldProperty(name + tz.param, wallStamp(ms + zone.offsetAt(ms) * 60_000), tz.ascii);
}

/** `;TZID=…` per zone object (the IANA ones live for the process, custom ones for one render). */
const tzidParams = new WeakMap<ResolvedZone, { param: string; ascii: boolean }>();

/** Writes DTSTART/DTEND-like properties. */
export function writeTime(w: LineWriter, name: string, t: EventTime, zones: ZoneRegistry): void {
  if (t.kind === 'date') w.line(`${name};VALUE=DATE`, icalDate(t.date));
  else w.block(zonedLine(name, t.utc, zones.zoneForInstant(t.zone, t.utc), zones));
}

/** DTEND in the start's value type (RFC 5545 §3.8.2.2), never before DTSTART; all-day DTEND is exclusive. */
export function normalizedEnd(start: EventTime, end: EventTime, zones: ZoneRegistry): EventTime {
  if (start.kind === 'date') {
    const endDate = end.kind === 'date' ? end.date : zones.zoneForInstant(end.zone, end.utc).toLocal(end.utc).slice(0, 10);
    if (parseLocal(endDate) > parseLocal(start.date)) return { kind: 'date', date: endDate };
    return { kind: 'date', date: new Date(parseLocal(start.date) + 86_400_000).toISOString().slice(0, 10) };
  }
  if (end.kind === 'date') {
    const zone = zones.zoneForInstant(start.zone, start.utc);
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

/** UID (the object's, already a line), DTSTAMP, DTSTART and DTEND. */
export function writeEventHeader(w: LineWriter, uidLine: string, ev: EventData, ctx: EventContext): void {
  w.block(uidLine);
  w.block(utcLine('DTSTAMP', eventStamp(ev) ?? ctx.fallbackStamp));
  writeTime(w, 'DTSTART', ev.start, ctx.zones);
  writeTime(w, 'DTEND', normalizedEnd(ev.start, ev.end, ctx.zones), ctx.zones);
}

/**
 * The body of a VEVENT after its time and recurrence properties. `header` writes UID, DTSTAMP,
 * DTSTART, DTEND, RECURRENCE-ID and the recurrence set; this writes the rest.
 */
export function writeEventProperties(w: LineWriter, ev: EventData, ctx: EventContext): void {
  const body = ev.body;
  const html = body?.html;
  const description = body?.text?.trim() ? body.text : html ? htmlToText(html) : undefined;
  w.text('SUMMARY', ev.summary);
  w.text('DESCRIPTION', description);
  if (ctx.includeAltDesc && html?.trim()) w.text('X-ALT-DESC', html, ALT_DESC_PARAMS);
  w.text('LOCATION', ev.location);

  const organizer = ev.organizer;
  if (organizer?.email && (ev.isMeeting || ev.attendees.some((a) => a.email))) {
    // RFC 6638 §3.1: ORGANIZER makes a scheduling object; plain appointments carry none.
    const cn = organizer.name?.trim();
    // mailtoUri() percent-encodes everything else: only the name can be non-ASCII.
    w.line(`ORGANIZER${param('CN', cn)}`, mailtoUri(organizer.email), cn === undefined || isAscii(cn));
  }
  for (const a of ev.attendees) writeAttendee(w, a, ev, ctx);

  w.block(statusLines(ev));

  if (ev.categories.length > 0) {
    const categories = ev.categories.map((c) => c.trim()).filter((c) => c !== '');
    // One property, values comma-separated; a comma inside a category is escaped (§3.8.1.2).
    if (categories.length > 0) w.raw('CATEGORIES', categories.map(escapeText).join(','));
  }

  if (ev.onlineMeetingUrl?.trim()) {
    const url = uriValue(ev.onlineMeetingUrl);
    w.ascii('URL', url);
    w.raw('CONFERENCE', url, CONFERENCE_PARAMS);
  }
  if (ev.sequence !== undefined && Number.isFinite(ev.sequence)) w.ascii('SEQUENCE', String(Math.max(0, Math.floor(ev.sequence))));
  if (ev.created !== undefined) w.block(utcLine('CREATED', ev.created));
  if (ev.lastModified !== undefined) w.block(utcLine('LAST-MODIFIED', ev.lastModified));

  if (ev.reminderMinutes !== undefined && Number.isFinite(ev.reminderMinutes)) {
    const minutes = Math.max(0, Math.round(ev.reminderMinutes));
    let alarm = alarms.get(minutes);
    if (alarm === undefined) {
      // §3.8.6.3: a zero offset is written without sign (PT0M); before the start is negative.
      alarm = `${ALARM_HEAD}${fold(`TRIGGER:${minutes === 0 ? 'PT0M' : `-PT${minutes}M`}`)}END:VALARM\r\n`;
      if (alarms.size >= 1024) alarms.clear(); // bounded: the minutes come from upstream data
      alarms.set(minutes, alarm);
    }
    w.block(alarm);
  }
}

/** VALARM components by reminder minutes. */
const alarms = new Map<number, string>();

/** CLASS, STATUS, TRANSP, X-MICROSOFT-CDO-BUSYSTATUS, PRIORITY and X-MICROSOFT-CDO-IMPORTANCE lines. */
function writeStatus(w: LineWriter, ev: EventData): void {
  w.ascii('CLASS', CLASS[ev.sensitivity]);
  // Meetings are CONFIRMED unless cancelled; plain appointments carry no STATUS (§3.8.1.11 is optional).
  w.ascii('STATUS', ev.cancelled ? 'CANCELLED' : ev.isMeeting ? 'CONFIRMED' : undefined);
  w.ascii('TRANSP', ev.showAs === 'free' ? 'TRANSPARENT' : 'OPAQUE');
  w.ascii('X-MICROSOFT-CDO-BUSYSTATUS', BUSY[ev.showAs]);
  const priority = PRIORITY[ev.importance];
  w.ascii('PRIORITY', priority[0]);
  w.ascii('X-MICROSOFT-CDO-IMPORTANCE', priority[1]);
}

const SENSITIVITIES: readonly Sensitivity[] = ['normal', 'personal', 'private', 'confidential'];
const SHOW_AS: readonly ShowAs[] = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'];
const IMPORTANCES: readonly Importance[] = ['low', 'normal', 'high'];
/** writeStatus() output by the combination of its five inputs (a few hundred at most). */
const statusCache: string[] = [];

function statusLines(ev: EventData): string {
  const s = SENSITIVITIES.indexOf(ev.sensitivity);
  const b = SHOW_AS.indexOf(ev.showAs);
  const p = IMPORTANCES.indexOf(ev.importance);
  const key = s < 0 || b < 0 || p < 0 ? -1 : (((s * 6 + b) * 3 + p) * 2 + (ev.cancelled ? 1 : 0)) * 2 + (ev.isMeeting ? 1 : 0);
  const known = statusCache[key];
  if (known !== undefined) return known;
  const w = new LineWriter();
  writeStatus(w, ev);
  const lines = w.toString();
  // A value outside the model's types is written as it comes, and not remembered.
  if (key >= 0) statusCache[key] = lines;
  return lines;
}

const ALT_DESC_PARAMS: Params = [['FMTTYPE', 'text/html']];
const CONFERENCE_PARAMS: Params = [['VALUE', 'URI'], ['FEATURE', ['AUDIO', 'VIDEO']], ['LABEL', 'Join online meeting']];
const ALARM_HEAD = 'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\n';

function writeAttendee(w: LineWriter, a: Attendee, ev: EventData, ctx: EventContext): void {
  if (!a.email?.trim()) return; // ATTENDEE is a cal-address; without one there is nothing to write
  const isOwner = ctx.ownerEmail !== undefined && a.email.trim().toLowerCase() === ctx.ownerEmail;
  // EWS-NOTES §6.3: on an attendee's copy the entries say Unknown; MyResponseType is the owner's answer.
  const response = isOwner && ev.myResponse !== undefined ? ev.myResponse : a.response;
  const cutype =
    a.kind === 'room' ? 'ROOM' : a.kind === 'resource' ? 'RESOURCE' : a.kind === 'group' ? 'GROUP' : a.kind === 'unknown' && a.role === 'resource' ? 'RESOURCE' : 'INDIVIDUAL';
  const rsvp = (a.rsvp ?? ev.responseRequested) === true && a.role !== 'resource' && response !== 'organizer';
  const cn = a.name?.trim();
  w.line(`ATTENDEE${param('CN', cn)}${attendeeParams(cutype, a.role, response, rsvp)}`, mailtoUri(a.email), cn === undefined || isAscii(cn));
}

const CUTYPES = ['INDIVIDUAL', 'ROOM', 'RESOURCE', 'GROUP'];
const ROLES: readonly Attendee['role'][] = ['required', 'optional', 'resource'];
const RESPONSES: readonly ResponseStatus[] = ['accepted', 'tentative', 'declined', 'notResponded', 'unknown', 'organizer'];
/** attendeeParams() by the combination of its inputs (a few dozen). */
const attendeeParamCache: string[] = [];

/** `;CUTYPE=…;ROLE=…;PARTSTAT=…[;RSVP=TRUE]`. */
function attendeeParams(cutype: string, role: Attendee['role'], response: ResponseStatus, rsvp: boolean): string {
  const c = CUTYPES.indexOf(cutype);
  const r = ROLES.indexOf(role);
  const p = RESPONSES.indexOf(response);
  const key = c < 0 || r < 0 || p < 0 ? -1 : ((c * 3 + r) * 6 + p) * 2 + (rsvp ? 1 : 0);
  const known = attendeeParamCache[key];
  if (known !== undefined) return known;
  const params = `;CUTYPE=${cutype};ROLE=${ROLE[role]};PARTSTAT=${PARTSTAT[response]}${rsvp ? ';RSVP=TRUE' : ''}`;
  // A value outside the model's types is written as it comes, and not remembered.
  if (key >= 0) attendeeParamCache[key] = params;
  return params;
}
