// TZDEFINITION (MS-OXOCAL 2.2.1.41: PidLidAppointmentTimeZoneDefinitionStartDisplay 0x825E and
// …EndDisplay 0x825F, read over Graph as base64 extended properties) → the model's ZoneRules, the
// same rules the EWS path reads from a TimeZoneDefinition (src/exchange/parse-timezone.ts): Graph
// names a zone only by its Windows id, and custom zones ("tzone://Microsoft/Custom") by nothing.
//
// Layout, little-endian: bMajorVersion 0x02, bMinorVersion 0x01, cbHeader (bytes after this
// field up to the rules), wReserved/wFlags, cchKeyName, KeyName (UTF-16LE, cchKeyName chars),
// cRules, then cRules TZRULEs of 66 bytes: version 0x02 0x01, wReserved 0x003E, wTZRuleFlags,
// wYear, 14 unused bytes, lBias, lStandardBias, lDaylightBias (minutes, UTC = local + bias),
// stStandardDate, stDaylightDate (SYSTEMTIMEs; wYear 0 = yearly rule with wDay = week 1–5, 5 =
// last; wMonth 0 = no daylight saving time).

import type { DayNumber, YearlyTransition, ZoneEra, ZoneRules } from '../model/index.js';

export interface TzDefinition {
  /** The Windows registry key name ('W. Europe Standard Time'), or a custom zone's own name. */
  keyName: string;
  rules: ZoneRules;
}

export class TzDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TzDefinitionError';
  }
}

const RULE_BYTES = 66;

interface SystemTime {
  year: number;
  month: number;
  dayOfWeek: number;
  day: number;
  hour: number;
  minute: number;
}

function systemTime(b: Buffer, at: number): SystemTime {
  return { year: b.readUInt16LE(at), month: b.readUInt16LE(at + 2), dayOfWeek: b.readUInt16LE(at + 4), day: b.readUInt16LE(at + 6), hour: b.readUInt16LE(at + 8), minute: b.readUInt16LE(at + 10) };
}

/** A SYSTEMTIME switch as a yearly rule; an absolute date (wYear ≠ 0) becomes the rule of the same weekday and week. */
function transition(st: SystemTime): YearlyTransition {
  if (st.month < 1 || st.month > 12) throw new TzDefinitionError(`transition month ${st.month}`);
  let weekday = st.dayOfWeek;
  let week = st.day;
  if (st.year !== 0) {
    weekday = new Date(Date.UTC(st.year, st.month - 1, st.day)).getUTCDay();
    const lastDay = new Date(Date.UTC(st.year, st.month, 0)).getUTCDate();
    week = st.day + 7 > lastDay ? 5 : Math.ceil(st.day / 7);
  }
  if (weekday < 0 || weekday > 6) throw new TzDefinitionError(`transition weekday ${weekday}`);
  return {
    month: st.month,
    weekday: weekday as DayNumber,
    // Windows' 5 is "last", the model's -1 (as EWS's Occurrence -1).
    week: week >= 1 && week <= 4 ? (week as 1 | 2 | 3 | 4) : -1,
    timeMinutes: st.hour * 60 + st.minute,
  };
}

function era(b: Buffer, at: number): { year: number; era: Omit<ZoneEra, 'from'> } {
  if (at + RULE_BYTES > b.length) throw new TzDefinitionError('truncated TZRULE');
  const year = b.readUInt16LE(at + 6);
  const bias = b.readInt32LE(at + 22);
  const standardBias = b.readInt32LE(at + 26);
  const daylightBias = b.readInt32LE(at + 30);
  const standardDate = systemTime(b, at + 34);
  const daylightDate = systemTime(b, at + 50);
  // Offsets east of UTC are the opposite sign of Windows' biases.
  const standard = -(bias + standardBias);
  const daylight = -(bias + daylightBias);
  if (daylightDate.month === 0 || standardDate.month === 0 || daylight === standard) return { year, era: { standardOffsetMinutes: standard } };
  return { year, era: { standardOffsetMinutes: standard, daylight: { offsetMinutes: daylight, start: transition(daylightDate), end: transition(standardDate) } } };
}

/** Decodes one TZDEFINITION; throws TzDefinitionError on a structure it cannot read. */
export function decodeTzDefinition(bytes: Buffer): TzDefinition {
  if (bytes.length < 8) throw new TzDefinitionError('too short');
  if (bytes[0] !== 0x02) throw new TzDefinitionError(`major version ${bytes[0]}`);
  const cbHeader = bytes.readUInt16LE(2);
  const cch = bytes.readUInt16LE(6);
  if (8 + cch * 2 + 2 > bytes.length) throw new TzDefinitionError('truncated key name');
  const keyName = bytes.toString('utf16le', 8, 8 + cch * 2).replace(/\0+$/, '');
  // cbHeader counts from wReserved through cRules; trust it over cch so a future header field is skipped.
  const rulesAt = 4 + Math.max(cbHeader, 6 + cch * 2);
  const count = bytes.readUInt16LE(rulesAt - 2);
  if (count < 1 || count > 1024) throw new TzDefinitionError(`${count} rules`);
  const read = Array.from({ length: count }, (_, i) => era(bytes, rulesAt + i * RULE_BYTES));
  // The first rule holds until the second starts, whatever its own year (TZDEFINITION remarks);
  // later ones from January 1st of their year, as EWS's AbsoluteDateTransitions say.
  const eras: ZoneEra[] = read.map((r, i) => (i === 0 ? { ...r.era } : { from: `${String(r.year).padStart(4, '0')}-01-01T00:00:00`, ...r.era }));
  return { keyName, rules: { eras } };
}

// Every item of a mailbox repeats the same few definitions; decode each once and share it frozen.
const cache = new Map<string, TzDefinition | null>();
const CACHE_LIMIT = 256;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The definition in a base64 extended-property value, or undefined when it cannot be read. */
export function tzDefinitionFromBase64(value: string): TzDefinition | undefined {
  let known = cache.get(value);
  if (known === undefined) {
    try {
      known = deepFreeze(decodeTzDefinition(Buffer.from(value, 'base64')));
    } catch (err) {
      if (!(err instanceof TzDefinitionError) && !(err instanceof RangeError)) throw err;
      known = null;
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(value, known);
  }
  return known ?? undefined;
}
