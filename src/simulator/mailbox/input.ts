// JSON-friendly input shapes for mailboxes and items (docs/simulator.md documents them) and
// their conversion into the model. Used by the JSON loader, the demo, the generator and the
// control API, so one format describes items everywhere.

import { DAY_MS, MINUTE_MS, parseDate, parseDateTime } from '../recurrence/dates.js';
import { type Recurrence, WEEKDAYS, type WeekdayName, validateRecurrence } from '../recurrence/types.js';
import { CUSTOM_ZONE_ID, CUSTOM_ZONE_NAME, type TransitionRule, type ZoneDefinition, windowsZone } from '../recurrence/zone-data.js';
import { localToUtc } from '../recurrence/zones.js';
import type {
  Attendee, BodyType, EventFields, FreeBusy, Importance, MailboxType, Person, ResponseType, Sensitivity,
} from './types.js';

export interface RuleInput { month: number; dayOfWeek: WeekdayName; occurrence: 1 | 2 | 3 | 4 | -1; time: string }

/** A legacy Outlook custom zone, written back as `Id="tzone://Microsoft/Custom"`. */
export interface CustomZoneInput {
  name?: string;
  /** UTC − local in minutes (UTC+1 → -60), as Exchange's Bias. */
  standardBias: number;
  daylight?: { bias: number; start: RuleInput; end: RuleInput };
}

export type ZoneInput = string | CustomZoneInput;

export interface PersonInput { name: string; email: string; mailboxType?: MailboxType }
export interface AttendeeInput extends PersonInput { response?: ResponseType; lastResponseTime?: string }

export interface EventInput {
  subject?: string;
  body?: string | { type: BodyType; value: string };
  sensitivity?: Sensitivity;
  importance?: Importance;
  categories?: string[];
  /** ISO instant (`…Z` / offset), naive local time in the item's zone, or a date for all-day items. */
  start?: string;
  end?: string;
  isAllDay?: boolean;
  freeBusy?: FreeBusy;
  location?: string;
  organizer?: PersonInput;
  requiredAttendees?: AttendeeInput[];
  optionalAttendees?: AttendeeInput[];
  resources?: AttendeeInput[];
  myResponseType?: ResponseType;
  isCancelled?: boolean;
  isResponseRequested?: boolean;
  /** Minutes before start; `null` = no reminder (Exchange still reports 15 minutes). */
  reminderMinutes?: number | null;
  sequence?: number;
  isOnlineMeeting?: boolean;
  joinOnlineMeetingUrl?: string;
}

export interface ExceptionInput extends EventInput {
  /** The occurrence's original start (same forms as `start`). */
  originalStart: string;
}

export interface ItemInput extends EventInput {
  key?: string;
  start: string;
  end: string;
  timeZone?: ZoneInput;
  endTimeZone?: ZoneInput;
  uid?: string;
  itemClass?: string;
  created?: string;
  lastModified?: string;
  recurrence?: Recurrence;
  exceptions?: ExceptionInput[];
  deletedOccurrences?: string[];
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function ruleFromInput(r: RuleInput): TransitionRule {
  const dow = (WEEKDAYS as readonly string[]).indexOf(r.dayOfWeek);
  const m = /^(\d{1,2}):(\d{2})$/.exec(r.time);
  if (dow < 0 || !m) throw new InputError(`invalid transition rule ${JSON.stringify(r)}`);
  return { month: r.month, dayOfWeek: dow, occurrence: r.occurrence, timeMinutes: Number(m[1]) * 60 + Number(m[2]) };
}

export function zoneFromInput(z: ZoneInput | undefined, fallback: string): ZoneDefinition {
  if (z === undefined) z = fallback;
  if (typeof z === 'string') {
    const w = windowsZone(z);
    if (!w) throw new InputError(`unsupported time zone "${z}"`);
    return w;
  }
  return {
    id: CUSTOM_ZONE_ID,
    name: z.name ?? CUSTOM_ZONE_NAME,
    groups: [{
      fromYear: 0,
      standardBias: z.standardBias,
      ...(z.daylight ? { daylight: { bias: z.daylight.bias, start: ruleFromInput(z.daylight.start), end: ruleFromInput(z.daylight.end) } } : {}),
    }],
  };
}

/** Reads a time of the input format in `zone`. */
export function timeFromInput(s: string, zone: ZoneDefinition): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return localToUtc(zone, parseDate(s) * DAY_MS);
  if (/(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const t = parseDateTime(s);
    if (t === undefined) throw new InputError(`invalid date-time "${s}"`);
    return t;
  }
  const local = parseDateTime(s, 0);
  if (local === undefined) throw new InputError(`invalid date-time "${s}"`);
  return localToUtc(zone, local);
}

function person(p: PersonInput): Person {
  return { name: p.name, email: p.email, mailboxType: p.mailboxType ?? 'Mailbox' };
}

function attendees(list: AttendeeInput[] | undefined, zone: ZoneDefinition): Attendee[] {
  return (list ?? []).map((a) => ({
    ...person(a),
    response: a.response ?? 'Unknown',
    ...(a.lastResponseTime ? { lastResponseTime: timeFromInput(a.lastResponseTime, zone) } : {}),
  }));
}

/** Applies `input` on top of `base` (a full field set for new items, the current one for patches). */
export function applyEventInput(base: EventFields, input: EventInput, zone: ZoneDefinition, endZone: ZoneDefinition, now: number): EventFields {
  const f: EventFields = { ...base };
  if (input.subject !== undefined) f.subject = input.subject;
  if (input.body !== undefined) f.body = typeof input.body === 'string' ? { type: 'Text', value: input.body } : { ...input.body };
  if (input.sensitivity) f.sensitivity = input.sensitivity;
  if (input.importance) f.importance = input.importance;
  if (input.categories) f.categories = [...input.categories];
  if (input.isAllDay !== undefined) f.isAllDay = input.isAllDay;
  if (input.start !== undefined) f.start = timeFromInput(input.start, zone);
  if (input.end !== undefined) f.end = timeFromInput(input.end, endZone);
  if (input.freeBusy) f.freeBusy = input.freeBusy;
  if (input.location !== undefined) f.location = input.location;
  if (input.organizer) f.organizer = person(input.organizer);
  if (input.requiredAttendees) f.requiredAttendees = attendees(input.requiredAttendees, zone);
  if (input.optionalAttendees) f.optionalAttendees = attendees(input.optionalAttendees, zone);
  if (input.resources) f.resources = attendees(input.resources, zone);
  if (input.myResponseType) f.myResponseType = input.myResponseType;
  if (input.isCancelled !== undefined) f.isCancelled = input.isCancelled;
  if (input.isResponseRequested !== undefined) f.isResponseRequested = input.isResponseRequested;
  if (input.reminderMinutes !== undefined) {
    f.reminderIsSet = input.reminderMinutes !== null;
    f.reminderMinutes = input.reminderMinutes ?? 15;
  }
  if (input.sequence !== undefined) f.sequence = input.sequence;
  if (input.isOnlineMeeting !== undefined) f.isOnlineMeeting = input.isOnlineMeeting;
  if (input.joinOnlineMeetingUrl !== undefined) {
    f.joinOnlineMeetingUrl = input.joinOnlineMeetingUrl;
    if (input.isOnlineMeeting === undefined) f.isOnlineMeeting = true;
  }
  f.isMeeting = f.organizer !== undefined && (f.requiredAttendees.length + f.optionalAttendees.length + f.resources.length) > 0;
  if (f.isMeeting && f.dateTimeStamp === undefined) f.dateTimeStamp = now;
  if (f.isCancelled) f.freeBusy = 'Free'; // EWS-NOTES §6.3: cancelled meetings become Free
  if (!(f.end >= f.start)) throw new InputError('End is before Start');
  return f;
}

export function emptyFields(now: number): EventFields {
  return {
    subject: '', body: { type: 'Text', value: '' }, sensitivity: 'Normal', importance: 'Normal', categories: [],
    start: now, end: now, isAllDay: false, freeBusy: 'Busy', location: '', isMeeting: false, isCancelled: false,
    isResponseRequested: false, myResponseType: 'Organizer', requiredAttendees: [], optionalAttendees: [],
    resources: [], reminderIsSet: true, reminderMinutes: 15, sequence: 0, isOnlineMeeting: false,
  };
}

export function checkRecurrence(r: Recurrence): void {
  const problem = validateRecurrence(r);
  if (problem) throw new InputError(`invalid recurrence: ${problem}`);
}

export const HOUR_MS = 60 * MINUTE_MS;
