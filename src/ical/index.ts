// src/ical: the only code that knows iCalendar. Pure converters model → iCalendar text and
// instance expansion; no I/O.

export { renderCalendarObject, DEFAULT_PRODID, type RenderOptions } from './render.js';
export { expandInstances, objectBounds, type Instance, type ObjectBounds } from './expand.js';
export { htmlToText } from './html-to-text.js';
