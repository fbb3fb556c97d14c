// Report key → handler. Typed by catalog.ts's keys, so a report cannot be offered in
// supported-report-set without a handler, nor handled without being offered.

import type { ReportKey } from './catalog.js';
import { calendarMultiget } from './calendar-multiget.js';
import { calendarQuery } from './calendar-query.js';
import { expandProperty } from './expand-property.js';
import { principalPropertySearch, principalSearchPropertySet } from './principal-search.js';
import { syncCollection } from './sync-collection.js';
import type { ReportHandler } from './types.js';

export const REPORT_HANDLERS: Readonly<Record<ReportKey, ReportHandler>> = {
  calendarMultiget,
  calendarQuery,
  syncCollection,
  expandProperty,
  principalSearchPropertySet,
  principalPropertySearch,
};
