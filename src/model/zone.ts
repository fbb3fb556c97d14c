// How the model names a time zone. Upstreams report Windows zone names (EWS StartTimeZone,
// Graph originalStartTimeZone); legacy Outlook items carry only rules ("tzone://Microsoft/Custom").
// Resolution to IANA names and offset arithmetic live in ./tz.ts.

/** A local wall-clock date-time without zone: 'YYYY-MM-DDTHH:MM:SS'. */
export type LocalDateTime = string;
/** A calendar date: 'YYYY-MM-DD'. */
export type LocalDate = string;

/** 0 = Sunday … 6 = Saturday (JavaScript's getUTCDay numbering). */
export type DayNumber = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** A yearly DST switch: "the last Sunday of March at 02:00 local (old offset)". */
export interface YearlyTransition {
  month: number; // 1..12
  weekday: DayNumber;
  /** 1..4 = first…fourth, -1 = last (EWS Occurrence, SerializableTimeZone DayOrder 5). */
  week: 1 | 2 | 3 | 4 | -1;
  /** Local time of the switch in minutes after midnight, expressed in the offset before it. */
  timeMinutes: number;
}

/** Offsets in minutes east of UTC (UTC+1 = 60): the opposite sign of EWS's Bias. */
export interface ZoneEra {
  /** Local date-time from which this era's rules apply; absent for the first era. */
  from?: LocalDateTime;
  standardOffsetMinutes: number;
  daylight?: {
    offsetMinutes: number;
    /** Switch from standard to daylight time. */
    start: YearlyTransition;
    /** Switch from daylight back to standard time. */
    end: YearlyTransition;
  };
}

/** Rules as an upstream defined them, oldest era first. */
export interface ZoneRules {
  eras: ZoneEra[];
}

export interface TimeZoneRef {
  /** Windows zone id as the upstream reports it ('W. Europe Standard Time', 'tzone://Microsoft/Custom'). */
  windowsId?: string;
  /** IANA id when the upstream gives one directly. */
  ianaId?: string;
  /** Display name ('(UTC+01:00) Amsterdam, Berlin, …' or 'Customized Time Zone'). Never parsed. */
  name?: string;
  /** The upstream's own definition, used when no name resolves or the named zone disagrees. */
  rules?: ZoneRules;
}

export const UTC_ZONE: TimeZoneRef = Object.freeze({ ianaId: 'UTC' });
