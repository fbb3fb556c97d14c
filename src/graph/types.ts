// The Graph v1.0 JSON this upstream reads (event, calendar, patternedRecurrence, collections), as
// Microsoft documents the resources and as briefs/graph-contract.md fixes them. Every property is
// optional or nullable: `$select` limits what arrives and servers omit nulls; the parsers check.

export interface GraphEmailAddress {
  name?: string | null;
  address?: string | null;
}

export interface GraphDateTimeTimeZone {
  /** 'YYYY-MM-DDTHH:MM:SS.fffffff', a wall time in `timeZone`. */
  dateTime: string;
  /** 'UTC' with `Prefer: outlook.timezone="UTC"`; otherwise a Windows or IANA name. */
  timeZone?: string | null;
}

export type GraphResponse = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';

export interface GraphAttendee {
  type?: 'required' | 'optional' | 'resource' | null;
  status?: { response?: GraphResponse | null; time?: string | null } | null;
  emailAddress?: GraphEmailAddress | null;
}

export interface GraphRecurrencePattern {
  type?: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly' | null;
  interval?: number | null;
  month?: number | null;
  dayOfMonth?: number | null;
  daysOfWeek?: string[] | null;
  firstDayOfWeek?: string | null;
  index?: 'first' | 'second' | 'third' | 'fourth' | 'last' | null;
}

export interface GraphRecurrenceRange {
  type?: 'endDate' | 'noEnd' | 'numbered' | null;
  startDate?: string | null;
  /** '0001-01-01' when unused. */
  endDate?: string | null;
  recurrenceTimeZone?: string | null;
  numberOfOccurrences?: number | null;
}

export interface GraphPatternedRecurrence {
  pattern?: GraphRecurrencePattern | null;
  range?: GraphRecurrenceRange | null;
}

export interface GraphExtendedProperty {
  id: string;
  value?: string | null;
}

export interface GraphEvent {
  id: string;
  '@removed'?: { reason?: string };
  changeKey?: string | null;
  iCalUId?: string | null;
  type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster' | null;
  seriesMasterId?: string | null;
  originalStart?: string | null;
  originalStartTimeZone?: string | null;
  originalEndTimeZone?: string | null;
  start?: GraphDateTimeTimeZone | null;
  end?: GraphDateTimeTimeZone | null;
  isAllDay?: boolean | null;
  subject?: string | null;
  body?: { contentType?: 'html' | 'text' | null; content?: string | null } | null;
  importance?: string | null;
  sensitivity?: string | null;
  showAs?: string | null;
  isCancelled?: boolean | null;
  isOrganizer?: boolean | null;
  responseRequested?: boolean | null;
  responseStatus?: { response?: GraphResponse | null; time?: string | null } | null;
  organizer?: { emailAddress?: GraphEmailAddress | null } | null;
  attendees?: GraphAttendee[] | null;
  location?: { displayName?: string | null } | null;
  isReminderOn?: boolean | null;
  reminderMinutesBeforeStart?: number | null;
  categories?: string[] | null;
  onlineMeeting?: { joinUrl?: string | null } | null;
  onlineMeetingUrl?: string | null;
  createdDateTime?: string | null;
  lastModifiedDateTime?: string | null;
  recurrence?: GraphPatternedRecurrence | null;
  singleValueExtendedProperties?: GraphExtendedProperty[] | null;
}

export interface GraphCalendar {
  id: string;
  name?: string | null;
  isDefaultCalendar?: boolean | null;
  isRemovable?: boolean | null;
  canEdit?: boolean | null;
  changeKey?: string | null;
  owner?: GraphEmailAddress | null;
}

/** A collection page: `value` plus a nextLink, or (delta, last page) a deltaLink. */
export interface GraphPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: Record<string, unknown> };
}
