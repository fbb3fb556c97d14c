// The REPORTs the bridge answers and on which resource kinds, as data. report/index.ts maps the
// same keys to handlers (the compiler keeps both in step), and the supported-report-set
// property is derived from this table — which is what makes tsdav use sync-collection.

import type { ResourceKind } from '../types.js';

const ALL: readonly ResourceKind[] = ['root', 'principal', 'home', 'calendar', 'object'];

export const REPORTS = {
  calendarMultiget: { name: '{urn:ietf:params:xml:ns:caldav}calendar-multiget', on: ['calendar', 'object'] },
  calendarQuery: { name: '{urn:ietf:params:xml:ns:caldav}calendar-query', on: ['calendar', 'object'] },
  syncCollection: { name: '{DAV:}sync-collection', on: ['calendar'] },
  expandProperty: { name: '{DAV:}expand-property', on: ALL },
  // RFC 3744 §9.4/§9.5: asked of the principal collection by iOS/macOS when inviting attendees.
  principalSearchPropertySet: { name: '{DAV:}principal-search-property-set', on: ['root', 'principal'] },
  principalPropertySearch: { name: '{DAV:}principal-property-search', on: ['root', 'principal', 'home'] },
} as const satisfies Record<string, { name: string; on: readonly ResourceKind[] }>;

export type ReportKey = keyof typeof REPORTS;

const BY_NAME: ReadonlyMap<string, ReportKey> = new Map(
  (Object.keys(REPORTS) as ReportKey[]).map((key) => [REPORTS[key].name, key]),
);

/** The report a body's root element names, if it is offered on this kind at all. */
export function reportKey(name: string): ReportKey | undefined {
  return BY_NAME.get(name);
}

export function reportOffered(key: ReportKey, kind: ResourceKind): boolean {
  return (REPORTS[key].on as readonly ResourceKind[]).includes(kind);
}

/** Clark names of the reports offered on a kind, for DAV:supported-report-set. */
export function reportsFor(kind: ResourceKind): string[] {
  return (Object.keys(REPORTS) as ReportKey[]).filter((key) => reportOffered(key, kind)).map((key) => REPORTS[key].name);
}
