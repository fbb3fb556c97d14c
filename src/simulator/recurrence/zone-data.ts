// Windows time zones the simulator supports, with the rules Exchange publishes for them
// (EWS-NOTES §7.1; shapes as in WSR/getservertimezones-operation). Each zone carries its
// IANA name for wall-clock arithmetic (CLDR windowsZones.xml, territory 001) and the
// rule groups used to write TimeZoneDefinition elements. The simulator keeps its own
// table on purpose: it must not share code with src/ical.

/** A yearly switch: `occurrence` 1..4 or -1 (last) `dayOfWeek` (0 = Sunday) of `month`,
 *  at `timeMinutes` local time expressed in the offset in force before the switch. */
export interface TransitionRule {
  month: number;
  dayOfWeek: number;
  occurrence: 1 | 2 | 3 | 4 | -1;
  timeMinutes: number;
}

/** Biases are UTC − local in minutes, as Exchange writes them (UTC+1 → -60). */
export interface RuleGroup {
  /** First year the group applies to; the first group applies to all earlier years. */
  fromYear: number;
  standardBias: number;
  daylight?: { bias: number; start: TransitionRule; end: TransitionRule };
}

export interface ZoneDefinition {
  id: string;
  name: string;
  /** IANA name for Intl; absent for custom zones, which are computed from their rules. */
  iana?: string;
  groups: RuleGroup[];
}

const lastSun = (month: number, timeMinutes: number): TransitionRule =>
  ({ month, dayOfWeek: 0, occurrence: -1, timeMinutes });
const nthSun = (occurrence: 1 | 2 | 3 | 4, month: number, timeMinutes: number): TransitionRule =>
  ({ month, dayOfWeek: 0, occurrence, timeMinutes });

const EU_CENTRAL: RuleGroup[] = [
  { fromYear: 0, standardBias: -60, daylight: { bias: -120, start: lastSun(3, 120), end: lastSun(10, 180) } },
];

/** US rules before and after the Energy Policy Act of 2005 (in force 2007). */
const usZone = (std: number): RuleGroup[] => [
  { fromYear: 0, standardBias: std, daylight: { bias: std - 60, start: nthSun(1, 4, 120), end: lastSun(10, 120) } },
  { fromYear: 2007, standardBias: std, daylight: { bias: std - 60, start: nthSun(2, 3, 120), end: nthSun(1, 11, 120) } },
];

export const WINDOWS_ZONES: readonly ZoneDefinition[] = [
  { id: 'UTC', name: '(UTC) Coordinated Universal Time', iana: 'Etc/UTC', groups: [{ fromYear: 0, standardBias: 0 }] },
  {
    id: 'GMT Standard Time', name: '(UTC+00:00) Dublin, Edinburgh, Lisbon, London', iana: 'Europe/London',
    groups: [{ fromYear: 0, standardBias: 0, daylight: { bias: -60, start: lastSun(3, 60), end: lastSun(10, 120) } }],
  },
  {
    id: 'W. Europe Standard Time', name: '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna',
    iana: 'Europe/Berlin', groups: EU_CENTRAL,
  },
  {
    id: 'Romance Standard Time', name: '(UTC+01:00) Brussels, Copenhagen, Madrid, Paris',
    iana: 'Europe/Paris', groups: EU_CENTRAL,
  },
  { id: 'Pacific Standard Time', name: '(UTC-08:00) Pacific Time (US & Canada)', iana: 'America/Los_Angeles', groups: usZone(480) },
  { id: 'Eastern Standard Time', name: '(UTC-05:00) Eastern Time (US & Canada)', iana: 'America/New_York', groups: usZone(300) },
  { id: 'Central Standard Time', name: '(UTC-06:00) Central Time (US & Canada)', iana: 'America/Chicago', groups: usZone(360) },
  {
    id: 'India Standard Time', name: '(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi', iana: 'Asia/Calcutta',
    groups: [{ fromYear: 0, standardBias: -330 }],
  },
  { id: 'Tokyo Standard Time', name: '(UTC+09:00) Osaka, Sapporo, Tokyo', iana: 'Asia/Tokyo', groups: [{ fromYear: 0, standardBias: -540 }] },
  {
    // Australia moved both switches in 2008 (last Sun Oct/Mar → first Sun Oct/Apr).
    id: 'AUS Eastern Standard Time', name: '(UTC+10:00) Canberra, Melbourne, Sydney', iana: 'Australia/Sydney',
    groups: [
      { fromYear: 0, standardBias: -600, daylight: { bias: -660, start: lastSun(10, 120), end: lastSun(3, 180) } },
      { fromYear: 2008, standardBias: -600, daylight: { bias: -660, start: nthSun(1, 10, 120), end: nthSun(1, 4, 180) } },
    ],
  },
  {
    // New Zealand extended DST in 2007 (last Sun Sep → first Sun Apr).
    id: 'New Zealand Standard Time', name: '(UTC+12:00) Auckland, Wellington', iana: 'Pacific/Auckland',
    groups: [
      { fromYear: 0, standardBias: -720, daylight: { bias: -780, start: nthSun(1, 10, 120), end: nthSun(3, 3, 180) } },
      { fromYear: 2007, standardBias: -720, daylight: { bias: -780, start: lastSun(9, 120), end: nthSun(1, 4, 180) } },
    ],
  },
  {
    // Brazil abolished DST in 2019: a zone whose last group has no daylight period.
    id: 'E. South America Standard Time', name: '(UTC-03:00) Brasilia', iana: 'America/Sao_Paulo',
    groups: [
      { fromYear: 0, standardBias: 180, daylight: { bias: 120, start: nthSun(1, 11, 0), end: nthSun(3, 2, 0) } },
      { fromYear: 2019, standardBias: 180 },
    ],
  },
  { id: 'Arabian Standard Time', name: '(UTC+04:00) Abu Dhabi, Muscat', iana: 'Asia/Dubai', groups: [{ fromYear: 0, standardBias: -240 }] },
];

/** The Id Outlook gives zones it built itself (EWS-NOTES §7.2). */
export const CUSTOM_ZONE_ID = 'tzone://Microsoft/Custom';
export const CUSTOM_ZONE_NAME = 'Customized Time Zone';

const BY_ID = new Map(WINDOWS_ZONES.map((z) => [z.id, z]));

export function windowsZone(id: string): ZoneDefinition | undefined {
  return BY_ID.get(id);
}
