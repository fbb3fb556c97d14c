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
  const utc = value.length === 20 ? utcSeconds(value) : undefined;
  if (utc !== undefined) return utc;
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
 * 'YYYY-MM-DDTHH:MM:SSZ', the form Exchange and Graph write nearly every instant in, by arithmetic
 * (a regex match and Date.UTC cost more than the rest of an item's scalar values together);
 * undefined for anything else. Same result as Date.UTC: fields past their range carry over, and
 * years below 100 (which Date.UTC reads as 19xx) are left to it.
 */
function utcSeconds(v: string): number | undefined {
  if (v.charCodeAt(19) !== 90 /* Z */ || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return undefined;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  if (year < 100 || month < 1 || month > 12 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  // Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/** The decimal number in v[at, at + n), or -1 when one of its characters is not a digit. */
function digits(v: string, at: number, n: number): number {
  let out = 0;
  for (let i = at; i < at + n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    out = out * 10 + d;
  }
  return out;
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
