// The neutral event model every layer shares: what an upstream (EWS, Graph) reads and what the
// iCalendar converter writes. No XML, no iCalendar, no I/O.

import type { Recurrence } from './recurrence.js';
import type { LocalDate, TimeZoneRef } from './zone.js';

/**
 * A point in time as a calendar shows it. Timed values keep the instant (authoritative, what
 * Exchange stores) and the wall-clock zone the organiser chose; all-day values are local dates.
 */
export type EventTime =
  | { kind: 'date-time'; utc: number /* epoch ms */; zone: TimeZoneRef }
  | { kind: 'date'; date: LocalDate };

export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';
export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export type Importance = 'low' | 'normal' | 'high';
/** A participant's answer (EWS ResponseType, Graph responseStatus.response). */
export type ResponseStatus = 'accepted' | 'tentative' | 'declined' | 'notResponded' | 'unknown' | 'organizer';
export type AttendeeRole = 'required' | 'optional' | 'resource';
export type AttendeeKind = 'person' | 'room' | 'resource' | 'group' | 'unknown';

export interface Mailbox {
  name?: string;
  email?: string;
}

export interface Attendee extends Mailbox {
  role: AttendeeRole;
  kind: AttendeeKind;
  response: ResponseStatus;
  /** Whether the organiser asked for an answer. */
  rsvp?: boolean;
}

export interface EventBody {
  text?: string;
  html?: string;
}

/** Identity of an upstream item; `changeKey` changes with every modification. */
export interface UpstreamRef {
  id: string;
  changeKey?: string;
}

/** One VEVENT's worth of data: a single event, a series master, or one modified occurrence. */
export interface EventData {
  source: UpstreamRef;
  /** Original start of the occurrence this override replaces (overrides only). */
  recurrenceId?: EventTime;
  summary?: string;
  body?: EventBody;
  location?: string;
  start: EventTime;
  end: EventTime;
  organizer?: Mailbox;
  attendees: Attendee[];
  /** The mailbox owner's own answer (EWS MyResponseType), when the owner is an attendee. */
  myResponse?: ResponseStatus;
  isMeeting: boolean;
  responseRequested?: boolean;
  sensitivity: Sensitivity;
  showAs: ShowAs;
  importance: Importance;
  cancelled: boolean;
  /** Minutes before start; undefined means no reminder. */
  reminderMinutes?: number;
  categories: string[];
  /** Teams/Skype join link. */
  onlineMeetingUrl?: string;
  created?: number; // epoch ms
  lastModified?: number; // epoch ms
  /** EWS DateTimeStamp of a meeting (scheduling messages); stored objects stamp with lastModified (src/ical/vevent.ts). */
  stamp?: number; // epoch ms
  sequence?: number;
}

/**
 * One calendar object resource: everything that shares a UID. A single event has no recurrence
 * and no overrides; a series has its master here, its modified occurrences in `overrides`
 * (each with `recurrenceId`) and its removed occurrences in `deletedOccurrences`.
 */
export interface CalendarObject {
  uid: string;
  master: EventData;
  recurrence?: Recurrence;
  /** Original starts of deleted occurrences (same kind as master.start). */
  deletedOccurrences: EventTime[];
  overrides: EventData[];
}
