// Values both upstreams read the same way: ISO 8601 date-times (EWS xs:dateTime, Graph
// DateTimeOffset and dateTimeTimeZone), text line ends, event times, and the fallback UID.
// Both must give identical results for the same item (a store synced over EWS keeps its objects
// after a switch to Graph), so there is one copy of each rule.

import { createHash } from 'node:crypto';
import { localDateOf, resolveZone } from '../model/tz.js';
import type { EventData, EventTime, Recurrence, TimeZoneRef } from '../model/index.js';

/** 'YYYY-MM-DDTHH:MM[:SS[.fraction]]' with `Z`, an offset, or none. */
export const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch ms of an ISO date-time. Without an offset the value is a wall time in `naiveOffsetMinutes`
 * (east of UTC; default 0 = UTC, which is what EWS means without a TimeZoneContext and what Graph
 * means with `Prefer: outlook.timezone="UTC"`). Fractions finer than a millisecond are rounded.
 */
export function parseDateTime(value: string, naiveOffsetMinutes = 0): number {
  const m = DATE_TIME.exec(value.trim());
  if (!m) throw new RangeError(`not an xs:dateTime: ${JSON.stringify(value)}`);
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms);
  const zone = m[8];
  if (!zone) return wall - naiveOffsetMinutes * 60_000;
  if (zone === 'Z') return wall;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  return wall - offset * 60_000;
}

/**
 * Text as the model keeps it: CR LF and lone CR (Exchange serialises CR as `&#xD;`) become LF, so
 * converters need to know only one line end.
 */
export function normaliseText(value: string): string {
  return value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value;
}

/** The UID for an item without one: stable for the same (EWS-form) ItemId, never a guess at Outlook's GlobalObjectId. */
export function uidFromItemId(itemId: string): string {
  return `ewsdav-${createHash('sha256').update(itemId).digest('hex').slice(0, 40)}`;
}

/** A timed value, or the local date in `dateZone` for all-day items (EWS-NOTES §7.3: never the UTC date). */
export function eventTime(utc: number, zone: TimeZoneRef, allDay: boolean, dateZone: TimeZoneRef = zone): EventTime {
  return allDay ? { kind: 'date', date: localDateOf(utc, resolveZone(dateZone)) } : { kind: 'date-time', utc, zone };
}

/** What both upstreams' item parsers produce, besides their own bookkeeping (ids, types, occurrence lists). */
export interface ParsedItem {
  changeKey?: string;
  /** The iCalendar UID as the server has it (EWS calendar:UID, Graph iCalUId); absent on some imported or very old items. */
  uid?: string;
  isAllDay: boolean;
  /** Start and End as instants (epoch ms), also for all-day items whose model times are dates. */
  startUtc: number;
  endUtc: number;
  /** The series/wall-clock zone (EWS StartTimeZone…, Graph originalStartTimeZone + TZDEFINITION), else the default. */
  startZone: TimeZoneRef;
  data: EventData;
  recurrence?: Recurrence;
  /** Set when the recurrence could not be read; the item is then reported as unsupported. */
  recurrenceProblem?: string;
  /** Original start of an occurrence or exception (epoch ms). */
  originalStart?: number;
}
