export type * from './zone.js';
export type * from './recurrence.js';
export type * from './event.js';
export type * from './calendar.js';
export { UTC_ZONE } from './zone.js';
export { WEEKDAYS } from './recurrence.js';
