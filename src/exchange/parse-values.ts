// EWS scalar value formats (EWS-NOTES §2.5): xs:dateTime with `Z`, an offset or none; xs:date with
// an optional offset suffix; xs:duration in its many spellings; booleans; integers.

import type { LocalDate, LocalDateTime } from '../model/index.js';
import { DATE_TIME } from '../upstream/item-values.js';

// Shared with the Graph upstream (ISO 8601 date-times and text line ends are the same there).
export { normaliseText, parseDateTime } from '../upstream/item-values.js';

/**
 * A table of the words a server sends (enumeration values): a Map, so that a value such as
 * `constructor` or `__proto__` is an unknown word, never a property of Object.prototype.
 */
export function words<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(entries));
}

/**
 * `value.trim()`, without the call when neither end can be white space (the usual case: the
 * builtin measured a tenth of the item parsing time on two-byte input).
 */
export function trim(value: string): string {
  const n = value.length;
  if (n === 0) return value;
  const a = value.charCodeAt(0);
  const b = value.charCodeAt(n - 1);
  // Printable ASCII other than space is never white space to String.prototype.trim.
  return a > 32 && a < 127 && b > 32 && b < 127 ? value : value.trim();
}

/** The wall-clock part of an xs:dateTime, ignoring any offset ('YYYY-MM-DDTHH:MM:SS'). */
export function localDateTimeOf(value: string): LocalDateTime {
  const m = DATE_TIME.exec(value.trim());
  if (!m) throw new RangeError(`not an xs:dateTime: ${JSON.stringify(value)}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}`;
}

/**
 * An xs:date such as `2026-05-04+02:00`, `2014-03-08-08:00`, `2026-05-04Z` or `2026-05-04`: the
 * date is what matters, the offset suffix is ignored (§8, recurrence StartDate/EndDate).
 */
export function parseDate(value: string): LocalDate {
  const m = /^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$/.exec(value.trim());
  if (!m) throw new RangeError(`not an xs:date: ${JSON.stringify(value)}`);
  return m[1]!;
}

const DURATION = /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * An xs:duration in minutes (rounded): `-PT1H` → -60, `PT60M` → 60, `P0DT8H0M0.0S` → 480,
 * `-PT5H30M` → -330. Years and months are not fixed lengths and never occur in zone biases; they
 * are rejected rather than guessed.
 */
export function parseDurationMinutes(value: string): number {
  const v = value.trim();
  const m = DURATION.exec(v);
  if (!m || v === 'P' || v === '-P' || v.endsWith('T')) throw new RangeError(`not an xs:duration: ${JSON.stringify(value)}`);
  if (m[2] || m[3]) throw new RangeError(`xs:duration with years or months is not a fixed length: ${value}`);
  const n = (i: number) => Number(m[i] ?? 0);
  const minutes = n(4) * 7 * 1440 + n(5) * 1440 + n(6) * 60 + n(7) + n(8) / 60;
  return (m[1] ? -1 : 1) * Math.round(minutes);
}

export function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = trim(value);
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

export function parseIntValue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = trim(value);
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** 'HH:MM:SS' → minutes after midnight. */
export function parseTimeOfDay(value: string): number {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(value.trim());
  if (!m) throw new RangeError(`not a time of day: ${JSON.stringify(value)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}
