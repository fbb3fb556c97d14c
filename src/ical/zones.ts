// Which zone each date-time of one calendar object is written in, and the VTIMEZONEs that
// object needs. Decides between the IANA name and the upstream's own rules (EWS-NOTES §7.2:
// "verify offsets from the EWS definition against tzdata; they can diverge for historic dates").

import { resolveZone, rulesOffsetAt, rulesZone, type ResolvedZone } from '../model/tz.js';
import type { TimeZoneRef, ZoneRules } from '../model/zone.js';
import { fastIanaZone, ianaVtimezone, rulesVtimezone } from './vtimezone.js';

/** A TZID clients can carry as a parameter without quoting (custom names come from display strings). */
function safeTzid(name: string): string {
  const clean = name.replace(/[",;:\\]/g, '').replace(/\s+/g, ' ').trim();
  return clean === '' ? 'Customized Time Zone' : clean;
}

interface Entry {
  zone: ResolvedZone;
  rules?: ZoneRules;
  minUtc: number;
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

  private choose(ref: TimeZoneRef, instants: readonly number[]): ResolvedZone {
    const resolved = resolveZone(ref);
    const rules = ref.rules && ref.rules.eras.length > 0 ? ref.rules : undefined;
    if (resolved.ianaId) {
      if (resolved.tzid === 'UTC') return resolved;
      const fast = fastIanaZone(resolved.ianaId);
      if (!rules || instants.every((ms) => fast.offsetAt(ms) === rulesOffsetAt(rules, ms))) return fast;
      return this.custom(safeTzid(ref.windowsId && !ref.windowsId.startsWith('tzone://') ? ref.windowsId : (ref.name ?? '')), rules);
    }
    if (resolved.rules) return this.custom(safeTzid(resolved.tzid), resolved.rules);
    return resolved;
  }

  /** A rules zone under a TZID no other zone of this object uses. */
  private custom(tzid: string, rules: ZoneRules): ResolvedZone {
    const json = JSON.stringify(rules);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? tzid : `${tzid} ${n}`;
      const entry = this.byTzid.get(candidate);
      if (!entry) {
        const zone = rulesZone(rules, candidate);
        this.byTzid.set(candidate, { zone, rules, minUtc: Infinity });
        return zone;
      }
      if (entry.rules && JSON.stringify(entry.rules) === json) return entry.zone;
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
    const out: string[] = [];
    for (const tzid of [...this.byTzid.keys()].sort()) {
      const entry = this.byTzid.get(tzid)!;
      if (entry.minUtc === Infinity) continue;
      // The year of the earliest local value; a year early is harmless and covers New Year's Eve.
      const fromYear = new Date(entry.minUtc).getUTCFullYear() - 1;
      out.push(entry.rules ? rulesVtimezone(tzid, entry.rules, fromYear) : ianaVtimezone(tzid, fromYear));
    }
    return out.join('');
  }
}

export function isUtc(zone: ResolvedZone): boolean {
  return zone.tzid === 'UTC';
}
