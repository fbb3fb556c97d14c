// The time window of a feed (daysBack / daysAhead around "now") and whether one stored object
// has an instance in it. Recurrence is ical.js's: RRULE, RDATE, EXDATE and moved overrides.

import ICAL from 'ical.js';

const DAY_MS = 86_400_000;

/** Past this many instances of one series the answer is "overlaps": keep rather than hide. */
const MAX_INSTANCES = 50_000;

/** [start, end) in UTC ms; an undefined side is open. */
export interface FeedWindow {
  start?: number;
  end?: number;
}

/**
 * Whole UTC days: the window moves once a day, not on every request, so a feed's bytes (and
 * its ETag) stay the same between syncs and clients keep getting 304s. `daysAhead: 0` still
 * includes the rest of today.
 */
export function feedWindow(policy: { daysBack?: number; daysAhead?: number }, now: number): FeedWindow {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const window: FeedWindow = {};
  if (policy.daysBack !== undefined) window.start = today - policy.daysBack * DAY_MS;
  if (policy.daysAhead !== undefined) window.end = today + (policy.daysAhead + 1) * DAY_MS;
  return window;
}

/** RFC 4791 §9.9 semantics: [s, e) overlaps [start, end); a zero-length instance is a point. */
function overlaps(s: number, e: number, window: FeedWindow): boolean {
  const lo = window.start ?? -Infinity;
  const hi = window.end ?? Infinity;
  return e > s ? s < hi && e > lo : s >= lo && s < hi;
}

const ms = (t: ICAL.Time): number => t.toUnixTime() * 1000;

/**
 * Whether any VEVENT instance of the object overlaps the window. Objects ical.js cannot read are
 * kept (the feed shows what the store has rather than hiding it silently).
 */
export function objectInWindow(text: string, window: FeedWindow): boolean {
  if (window.start === undefined && window.end === undefined) return true;
  let root: ICAL.Component;
  try {
    const parsed: unknown = ICAL.parse(text);
    // Several top-level components come back as a list; stored objects hold one VCALENDAR.
    const jcal = Array.isArray(parsed) && Array.isArray(parsed[0]) ? (parsed[0] as unknown[]) : parsed;
    root = new ICAL.Component(jcal as unknown[]);
    return eventsOverlap(root, window);
  } catch {
    return true;
  }
}

function eventsOverlap(root: ICAL.Component, window: FeedWindow): boolean {
  const events = root.getAllSubcomponents('vevent');
  const overrides = events.filter((c) => c.hasProperty('recurrence-id'));
  // An override stands on its own times: moved into the window counts even when its original
  // slot did not, and the master's iteration below sees it at its moved time (getOccurrenceDetails).
  for (const o of overrides) {
    const e = new ICAL.Event(o);
    if (overlaps(ms(e.startDate), ms(e.endDate), window)) return true;
  }
  for (const master of events) {
    if (master.hasProperty('recurrence-id')) continue;
    const event = new ICAL.Event(master);
    for (const o of overrides) if (o.getFirstPropertyValue('uid') === event.uid) event.relateException(o);
    if (!event.isRecurring()) {
      if (overlaps(ms(event.startDate), ms(event.endDate), window)) return true;
      continue;
    }
    const it = event.iterator();
    let count = 0;
    for (let t = it.next(); t; t = it.next()) {
      // Instances come in start order: past the window's end nothing later can overlap.
      if (window.end !== undefined && ms(t) >= window.end) break;
      if (++count > MAX_INSTANCES) return true;
      const d = event.getOccurrenceDetails(t);
      if (overlaps(ms(d.startDate), ms(d.endDate), window)) return true;
    }
  }
  return false;
}
