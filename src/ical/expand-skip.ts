// Skipping a recurrence forward (./expand.ts): a CalDAV time-range query on a daily series that
// began years ago would otherwise walk every instance since DTSTART (~25 µs each). Only where the
// result is provably the same: FREQ=DAILY without BY-parts, or FREQ=WEEKLY with at most BYDAY
// (which must contain DTSTART's weekday), and never with COUNT (the count runs from DTSTART).

import ICAL from 'ical.js';

type Time = InstanceType<typeof ICAL.Time>;
type Recur = InstanceType<typeof ICAL.Recur>;

const DAY_MS = 86_400_000;
const CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/** Days of the cycle a rule repeats with exactly, or undefined when skipping could change the set. */
function cycleDays(rule: Recur, dtstart: Time): number | undefined {
  if (rule.count !== null && rule.count !== undefined) return undefined;
  const interval = Math.max(1, rule.interval || 1);
  const parts = rule.parts as Record<string, unknown[] | undefined>;
  const used = Object.keys(parts).filter((k) => (parts[k]?.length ?? 0) > 0);
  if (rule.freq === 'DAILY') return used.length === 0 ? interval : undefined;
  if (rule.freq !== 'WEEKLY' || used.some((k) => k !== 'BYDAY')) return undefined;
  const byDay = (parts.BYDAY ?? []) as string[];
  // A DTSTART outside BYDAY is not a rule instance, and neither would be a start moved by whole weeks.
  if (byDay.length > 0 && !byDay.includes(CODES[new Date(Date.UTC(dtstart.year, dtstart.month - 1, dtstart.day)).getUTCDay()]!)) return undefined;
  if (byDay.some((d) => !(CODES as readonly string[]).includes(d))) return undefined; // e.g. "1MO": not a plain weekday
  return 7 * interval;
}

/**
 * A later DTSTART for iterating `rule` whose instances from there on equal the original ones: DTSTART
 * moved by whole cycles in local time (so the wall-clock time stays, as across DST), at or before
 * `target` (UTC ms). Undefined when the rule cannot be skipped or there is nothing to skip.
 */
export function skipStart(rule: Recur, dtstart: Time, target: number): Time | undefined {
  const cycle = cycleDays(rule, dtstart);
  if (cycle === undefined || !Number.isFinite(target)) return undefined;
  const startDay = Math.floor(Date.UTC(dtstart.year, dtstart.month - 1, dtstart.day) / DAY_MS);
  // One spare day for the zone's offset: the moved start must not pass the target.
  const targetDay = Math.floor(target / DAY_MS) - 1;
  const cycles = Math.floor((targetDay - startDay) / cycle);
  if (cycles < 1) return undefined;
  const moved = dtstart.clone();
  moved.adjust(cycles * cycle, 0, 0, 0);
  return moved;
}
