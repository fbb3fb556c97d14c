// singleValueExtendedProperties the bridge asks Graph for (graph-contract.md "Extended
// properties"): PidLidAppointmentSequence (0x8201, Integer), PidLidAppointmentStateFlags
// (0x8217, Integer: 1 meeting, 2 received, 4 cancelled — what EWS reports as AppointmentState)
// and the start/end display zones
// PidLidAppointmentTimeZoneDefinitionStartDisplay / EndDisplay (0x825E / 0x825F, Binary), the
// latter encoded as the TZDEFINITION structure of MS-OXOCAL 2.2.1.41 from the item's own zone
// rules — the same rules EWS writes as TimeZoneDefinition (ews/timezone-xml.ts). Ids are
// matched case-insensitively; unknown or differently typed ids simply do not exist on the item.

import type { RuleGroup, TransitionRule, ZoneDefinition } from '../recurrence/zone-data.js';

const PSETID_APPOINTMENT = '00062002-0000-0000-c000-000000000046';

export type KnownProperty = 'sequence' | 'stateFlags' | 'tzStart' | 'tzEnd';

interface ParsedId { type: string; guid: string; propId: number }

function parseId(id: string): ParsedId | undefined {
  const m = /^\s*(\w+)\s+\{([0-9a-f-]{36})\}\s+Id\s+0x([0-9a-f]{1,4})\s*$/i.exec(id);
  if (!m) return undefined;
  return { type: (m[1] ?? '').toLowerCase(), guid: (m[2] ?? '').toLowerCase(), propId: parseInt(m[3] ?? '0', 16) };
}

/** The property an id names, if the simulator models it (type, property set and id must all match). */
export function knownProperty(id: string): KnownProperty | undefined {
  const p = parseId(id);
  if (!p || p.guid !== PSETID_APPOINTMENT) return undefined;
  if (p.type === 'integer' && p.propId === 0x8201) return 'sequence';
  if (p.type === 'integer' && p.propId === 0x8217) return 'stateFlags';
  if (p.type === 'binary' && p.propId === 0x825e) return 'tzStart';
  if (p.type === 'binary' && p.propId === 0x825f) return 'tzEnd';
  return undefined;
}

/** The id as Graph echoes it: canonical type name, lower-case GUID, `Id 0x…`. */
export function canonicalId(p: KnownProperty): string {
  const hex = { sequence: '8201', stateFlags: '8217', tzStart: '825E', tzEnd: '825F' }[p];
  return `${p === 'sequence' || p === 'stateFlags' ? 'Integer' : 'Binary'} {${PSETID_APPOINTMENT}} Id 0x${hex}`;
}

/** Refuses ids that are not extended-property ids at all (Graph answers 400 for those). */
export function isWellFormedId(id: string): boolean {
  return parseId(id) !== undefined || /^\s*\w+\s+\{[0-9a-f-]{36}\}\s+Name\s+\S.*$/i.test(id);
}

// ---- TZDEFINITION (MS-OXOCAL 2.2.1.41, TZRule 2.2.1.41.1), little-endian ----

const TZRULE_FLAG_EFFECTIVE_TZREG = 0x0002;
/** Rules of the first group apply to every earlier year; Windows writes the earliest year it knows. */
const FIRST_RULE_YEAR = 1601;

function systemTime(buf: Buffer, at: number, rule: TransitionRule | undefined): void {
  // SYSTEMTIME in its "day-in-month" form: wYear 0, wDay = occurrence 1..5 (5 = last).
  if (!rule) return; // zero-filled: no transition
  buf.writeUInt16LE(0, at);
  buf.writeUInt16LE(rule.month, at + 2);
  buf.writeUInt16LE(rule.dayOfWeek, at + 4);
  buf.writeUInt16LE(rule.occurrence === -1 ? 5 : rule.occurrence, at + 6);
  buf.writeUInt16LE(Math.floor(rule.timeMinutes / 60), at + 8);
  buf.writeUInt16LE(rule.timeMinutes % 60, at + 10);
}

function tzRule(g: RuleGroup, effective: boolean): Buffer {
  const b = Buffer.alloc(66);
  b.writeUInt8(0x02, 0); // major version
  b.writeUInt8(0x01, 1); // minor version
  b.writeUInt16LE(0x003e, 2); // reserved, fixed by the spec
  // The display properties never set TZRULE_FLAG_RECUR_CURRENT_TZREG (MS-OXOCAL 2.2.1.42).
  b.writeUInt16LE(effective ? TZRULE_FLAG_EFFECTIVE_TZREG : 0, 4);
  b.writeUInt16LE(g.fromYear === 0 ? FIRST_RULE_YEAR : g.fromYear, 6);
  // bytes 8..21: X, 14 reserved zero bytes
  b.writeInt32LE(g.standardBias, 22); // lBias: UTC = local + bias
  b.writeInt32LE(0, 26); // lStandardBias
  b.writeInt32LE(g.daylight ? g.daylight.bias - g.standardBias : 0, 30); // lDaylightBias
  systemTime(b, 34, g.daylight?.end); // stStandardDate: switch back to standard time
  systemTime(b, 50, g.daylight?.start); // stDaylightDate
  return b;
}

/** The zone's rule groups as a TZDEFINITION; the group in force in `year` is the effective rule. */
export function encodeTzDefinition(zone: ZoneDefinition, year: number): Buffer {
  // Windows zones carry their registry key name; Outlook's custom zones have none, so their display name stands in.
  const key = Buffer.from(zone.iana ? zone.id : zone.name, 'utf16le');
  const cch = key.length / 2;
  let effective = 0;
  zone.groups.forEach((g, i) => {
    if (g.fromYear <= year) effective = i;
  });
  const head = Buffer.alloc(6);
  head.writeUInt8(0x02, 0);
  head.writeUInt8(0x01, 1);
  head.writeUInt16LE(6 + 2 * cch, 2); // cbHeader: Reserved + cchKeyName + KeyName + cRules
  head.writeUInt16LE(0x0002, 4); // Reserved, fixed by the spec
  const cchBuf = Buffer.alloc(2);
  cchBuf.writeUInt16LE(cch, 0);
  const rules = Buffer.alloc(2);
  rules.writeUInt16LE(zone.groups.length, 0);
  return Buffer.concat([head, cchBuf, key, rules, ...zone.groups.map((g, i) => tzRule(g, i === effective))]);
}
