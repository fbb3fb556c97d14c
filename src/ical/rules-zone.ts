// A ResolvedZone from an upstream's own rules (model/tz.ts rulesZone) for the renderer, which
// asks one zone for offsets in the same year many times over.

import { formatLocal, fromLocalWith, rulesOffsetAt, transitionUtc, type ResolvedZone } from '../model/tz.js';
import type { LocalDateTime, ZoneEra, ZoneRules } from '../model/zone.js';

/**
 * A zone from an upstream's rules. rulesOffsetAt() computes a year's two switches on every call;
 * a render asks for the same year several times, so single-era rules (the usual case) keep the
 * last year's switches, read from the rules as they were when the zone was made.
 */
export class RulesZone implements ResolvedZone {
  private readonly era: ZoneEra | undefined;
  private from = NaN;
  private to = NaN;
  private dstStart = NaN;
  private dstEnd = NaN;

  constructor(
    readonly rules: ZoneRules,
    readonly tzid: string,
  ) {
    const era = rules.eras.length === 1 ? rules.eras[0] : undefined;
    this.era = era && { ...era, daylight: era.daylight && { ...era.daylight, start: { ...era.daylight.start }, end: { ...era.daylight.end } } };
  }

  offsetAt(utcMs: number): number {
    const era = this.era;
    if (!era) return rulesOffsetAt(this.rules, utcMs);
    const std = era.standardOffsetMinutes;
    const daylight = era.daylight;
    if (!daylight) return std;
    const local = utcMs + std * 60_000;
    if (!(local >= this.from && local < this.to)) {
      const year = new Date(local).getUTCFullYear();
      // Both switches are local times in the offset in force before them (EWS TimeOffset, §7.1).
      this.dstStart = transitionUtc(year, daylight.start, std);
      this.dstEnd = transitionUtc(year, daylight.end, daylight.offsetMinutes);
      // Date.UTC reads years 0–99 as 1900–1999: those years are not remembered.
      this.from = year >= 100 ? Date.UTC(year, 0, 1) : NaN;
      this.to = year >= 100 ? Date.UTC(year + 1, 0, 1) : NaN;
    }
    const { dstStart, dstEnd } = this;
    const inDst = dstStart < dstEnd ? utcMs >= dstStart && utcMs < dstEnd : utcMs >= dstStart || utcMs < dstEnd;
    return inDst ? daylight.offsetMinutes : std;
  }

  toLocal(utcMs: number): LocalDateTime {
    return formatLocal(utcMs + this.offsetAt(utcMs) * 60_000);
  }

  fromLocal(local: LocalDateTime): number {
    return fromLocalWith(local, (ms) => this.offsetAt(ms));
  }
}
