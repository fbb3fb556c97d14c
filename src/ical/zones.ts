// Which zone each date-time of one calendar object is written in, and the VTIMEZONEs that
// object needs. Decides between the IANA name and the upstream's own rules (EWS-NOTES §7.2:
// "verify offsets from the EWS definition against tzdata; they can diverge for historic dates").

import { customTzid, ianaZone, resolvedIanaId, rulesOffsetAt, transitionUtc, type ResolvedZone } from '../model/tz.js';
import { RulesZone } from './rules-zone.js';
import type { TimeZoneRef, ZoneRules } from '../model/zone.js';
import { fastIanaZone, ianaVtimezone, rulesVtimezone } from './vtimezone.js';

/** A TZID clients can carry as a parameter without quoting (custom names come from display strings). */
function safeTzid(name: string): string {
  const clean = name.replace(/[",;:\\]/g, '').replace(/\s+/g, ' ').trim();
  return clean === '' ? 'Customized Time Zone' : clean;
}

// --- agreement of a definition's rules with tzdata, per year ---------------------------------------
// Every calendar object is rendered with its own registry, and each one used to compare tzdata
// with the upstream's rules at every instant it writes (rulesOffsetAt is the costly half). The
// parser hands out one frozen TimeZoneRef per distinct definition, so the comparison is cached per
// rules object, IANA zone and UTC year: "the two agree at every instant of the year". When that
// holds, any instant of the year agrees; when it does not, instants are compared one by one as
// before, so the choice made is exactly the uncached one.

const DAY = 86_400_000;
/** Years remembered per rules object (a definition is used over a few years at most). */
const YEARS_PER_RULES = 256;
/** Per rules object, per IANA zone (its tzid), per UTC year. */
const agreement = new WeakMap<ZoneRules, Map<string, Map<number, boolean>>>();

function agreesAt(rules: ZoneRules, iana: ResolvedZone, ms: number): boolean {
  // Several eras can switch anywhere in a year: compare the instant itself.
  if (rules.eras.length === 1) {
    const year = new Date(ms).getUTCFullYear();
    let byZone = agreement.get(rules);
    if (!byZone) {
      byZone = new Map();
      agreement.set(rules, byZone);
    }
    let years = byZone.get(iana.tzid);
    if (!years) {
      years = new Map();
      byZone.set(iana.tzid, years);
    }
    let whole = years.get(year);
    if (whole === undefined) {
      whole = agreesAllYear(rules, iana, year);
      if (years.size >= YEARS_PER_RULES) years.clear();
      years.set(year, whole);
    }
    if (whole) return true;
  }
  return iana.offsetAt(ms) === rulesOffsetAt(rules, ms);
}

/**
 * True when tzdata and single-era `rules` give the same offset at every instant of UTC `year`.
 * Both are step functions: they agree everywhere when they agree at the year's start and at
 * every step of either. The rules step only at their two switches (of the local years around
 * this one) and where their local year turns; tzdata's steps are found by sampling every day
 * and bisecting to the second (no zone has changed its offset and back within one day).
 */
function agreesAllYear(rules: ZoneRules, iana: ResolvedZone, year: number): boolean {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const era = rules.eras[0]!;
  const points = [start];
  const std = era.standardOffsetMinutes;
  for (let y = year - 1; y <= year + 1; y++) {
    points.push(Date.UTC(y, 0, 1) - std * 60_000);
    if (era.daylight) {
      points.push(transitionUtc(y, era.daylight.start, std), transitionUtc(y, era.daylight.end, era.daylight.offsetMinutes));
    }
  }
  let at = start;
  let offset = iana.offsetAt(at);
  while (at < end) {
    const next = Math.min(at + DAY, end);
    const nextOffset = iana.offsetAt(next);
    if (nextOffset !== offset) {
      let lo = at;
      let hi = next;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (iana.offsetAt(mid) === offset) lo = mid;
        else hi = mid;
      }
      // Sub-second steps do not exist in tzdata; the instants either side are checked too.
      points.push(lo, hi, hi + 1000);
    }
    at = next;
    offset = nextOffset;
  }
  for (const p of points) if (p >= start && p < end && iana.offsetAt(p) !== rulesOffsetAt(rules, p)) return false;
  return true;
}

interface Entry {
  zone: ResolvedZone;
  rules?: ZoneRules;
  /** JSON.stringify(rules): what makes two definitions the same, and the VTIMEZONE cache key. */
  rulesJson?: string;
  minUtc: number;
}

/**
 * JSON of rules that can no longer change (the parsers share deep-frozen definitions); other
 * objects are serialised each time, since a caller could have changed them since.
 */
const frozenJson = new WeakMap<ZoneRules, string>();

function rulesJson(rules: ZoneRules): string {
  const known = frozenJson.get(rules);
  if (known !== undefined) return known;
  const json = JSON.stringify(rules);
  if (deepFrozen(rules)) frozenJson.set(rules, json);
  return json;
}

function deepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (!Object.isFrozen(value)) return false;
  for (const v of Object.values(value)) if (!deepFrozen(v)) return false;
  return true;
}

export class ZoneRegistry {
  private readonly byRef = new Map<TimeZoneRef, ResolvedZone>();
  private readonly byTzid = new Map<string, Entry>();

  /**
   * The zone to write values of `ref` in. `instants` are the values this object writes with the
   * ref; if the named zone's tzdata offset disagrees with the upstream's rules at any of them,
   * the rules win (a custom VTIMEZONE), so the wall-clock time is Outlook's and still exact.
   */
  zoneFor(ref: TimeZoneRef, instants: readonly number[]): ResolvedZone {
    const known = this.byRef.get(ref);
    if (known) return known;
    const zone = this.choose(ref, instants);
    this.byRef.set(ref, zone);
    return zone;
  }

  /** zoneFor with one instant, without building its array when the ref is already decided. */
  zoneForInstant(ref: TimeZoneRef, utc: number): ResolvedZone {
    return this.byRef.get(ref) ?? this.zoneFor(ref, [utc]);
  }

  private choose(ref: TimeZoneRef, instants: readonly number[]): ResolvedZone {
    // resolveZone(ref), without building the rules zone it would return only to be replaced.
    const iana = resolvedIanaId(ref);
    const rules = ref.rules && ref.rules.eras.length > 0 ? ref.rules : undefined;
    if (iana) {
      if (iana === 'UTC') return ianaZone(iana);
      const fast = fastIanaZone(iana);
      if (!rules || instants.every((ms) => agreesAt(rules, fast, ms))) return fast;
      return this.custom(safeTzid(ref.windowsId && !ref.windowsId.startsWith('tzone://') ? ref.windowsId : (ref.name ?? '')), rules);
    }
    if (rules) return this.custom(safeTzid(customTzid(ref)), rules);
    return ianaZone('UTC');
  }

  /** A rules zone under a TZID no other zone of this object uses. */
  private custom(tzid: string, rules: ZoneRules): ResolvedZone {
    const json = rulesJson(rules);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? tzid : `${tzid} ${n}`;
      const entry = this.byTzid.get(candidate);
      if (!entry) {
        const zone = new RulesZone(rules, candidate);
        this.byTzid.set(candidate, { zone, rules, rulesJson: json, minUtc: Infinity });
        return zone;
      }
      if (entry.rules && (entry.rulesJson ?? JSON.stringify(entry.rules)) === json) return entry.zone;
    }
  }

  /** Records that a value at `utc` is written in `zone` (so its VTIMEZONE covers that year). */
  note(zone: ResolvedZone, utc: number): void {
    if (isUtc(zone)) return;
    const entry = this.byTzid.get(zone.tzid);
    if (entry) entry.minUtc = Math.min(entry.minUtc, utc);
    else this.byTzid.set(zone.tzid, { zone, rules: zone.ianaId ? undefined : zone.rules, minUtc: utc });
  }

  /** The VTIMEZONE components of all zones noted, ordered by TZID (deterministic output). */
  blocks(): string {
    let out = '';
    const tzids = this.byTzid.size === 1 ? this.byTzid.keys() : [...this.byTzid.keys()].sort();
    for (const tzid of tzids) {
      const entry = this.byTzid.get(tzid)!;
      if (entry.minUtc === Infinity) continue;
      // The year of the earliest local value; a year early is harmless and covers New Year's Eve.
      const fromYear = new Date(entry.minUtc).getUTCFullYear() - 1;
      out += entry.rules ? rulesVtimezone(tzid, entry.rules, fromYear, entry.rulesJson) : ianaVtimezone(tzid, fromYear);
    }
    return out;
  }
}

export function isUtc(zone: ResolvedZone): boolean {
  return zone.tzid === 'UTC';
}
