// Pure calendar-date arithmetic on day numbers (days since 1970-01-01), used by the
// recurrence expander and the zone rules. "Local" millisecond values below are wall-clock
// times encoded as if they were UTC (a floating time), so Date.UTC does the calendar work.

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

export interface CivilDate { year: number; month: number; day: number }

export function civil(dayNum: number): CivilDate {
  const d = new Date(dayNum * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(dayNum: number): number {
  return (((dayNum + 4) % 7) + 7) % 7;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `occurrence` 1..4 or -1 (last) `dow` in a month, as a day number. */
export function nthWeekdayOfMonth(year: number, month: number, dow: number, occurrence: number): number {
  if (occurrence === -1) {
    const last = dayNumber(year, month, daysInMonth(year, month));
    return last - ((weekday(last) - dow + 7) % 7);
  }
  const first = dayNumber(year, month, 1);
  return first + ((dow - weekday(first) + 7) % 7) + (occurrence - 1) * 7;
}

export function parseDate(s: string): number {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(s);
  if (!m) throw new RangeError(`not a date: ${s}`);
  return dayNumber(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function formatDate(dayNum: number): string {
  const c = civil(dayNum);
  return `${String(c.year).padStart(4, '0')}-${pad2(c.month)}-${pad2(c.day)}`;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `2026-03-02T08:00:00Z` — UTC without fraction, as EWS writes instants (EWS-NOTES §2.5). */
export function formatUtc(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const day = Math.floor(seconds / 86_400);
  // Items of one mailbox share few days: the date part is cached (bounded), the time is arithmetic.
  // Outside years 0–9999 toISOString's extended-year form is the one to keep.
  let date = isoDays.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (date[4] !== '-' || date[0] === '-' || date[0] === '+') return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
    if (isoDays.size >= 100_000) isoDays.clear();
    isoDays.set(day, date);
  }
  const rest = seconds - day * 86_400;
  const hours = Math.floor(rest / 3600);
  const minutes = Math.floor((rest % 3600) / 60);
  return `${date}T${pad2(hours)}:${pad2(minutes)}:${pad2(rest % 60)}Z`;
}

const isoDays = new Map<number, string>();

/** ±hh:mm for an offset in minutes east of UTC. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

/** An ISO-8601 local date-time at a given offset, e.g. `2026-01-13T15:00:00+01:00`. */
export function formatWithOffset(utcMs: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(utcMs / 1000) * 1000 + offsetMinutes * MINUTE_MS).toISOString().slice(0, 19);
  return local + formatOffset(offsetMinutes);
}

/** xs:duration for a number of minutes, in Exchange's spelling (`-PT1H`, `PT5H30M`, `PT0H`). */
export function formatDurationMinutes(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const a = Math.abs(minutes);
  const h = Math.floor(a / 60);
  const m = a % 60;
  if (m === 0) return `${sign}PT${h}H`;
  return h === 0 ? `${sign}PT${m}M` : `${sign}PT${h}H${m}M`;
}

/** Parses xs:dateTime; a missing offset means `naiveOffsetMinutes` (EWS-NOTES §7.4). */
export function parseDateTime(s: string, naiveOffsetMinutes = 0): number | undefined {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(s.trim());
  if (!m) return undefined;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const frac = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  if (Number(m[2]) > 12 || Number(m[3]) > 31 || Number(m[4]) > 24 || Number(m[5]) > 59 || Number(m[6]) > 60) return undefined;
  let off = naiveOffsetMinutes;
  const z = m[8];
  if (z === 'Z') off = 0;
  else if (z) off = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6)));
  return base + frac - off * MINUTE_MS;
}
