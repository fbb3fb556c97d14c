// iCalendar UTC date-time attributes of CalDAV request bodies (RFC 4791 §9.9: "20060104T000000Z").

import { DavErrors } from './errors.js';

export function parseUtcAttribute(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) throw DavErrors.validFilter(`${what} must be a UTC date-time like 20260104T000000Z.`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  if (!Number.isFinite(t)) throw DavErrors.validFilter(`${what} is not a valid date-time.`);
  return t;
}
