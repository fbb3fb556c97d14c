// The value of C:calendar-data for one object, honouring the request's options (RFC 4791 §9.6):
// <C:expand> and <C:limit-recurrence-set> are applied; <C:comp>/<C:prop> selection is accepted
// and ignored — returning the whole component is allowed to a server that cannot trim it.

import { expandToRange, limitRecurrenceSet } from '../ical/dav-expand.js';
import { DavErrors } from './errors.js';
import { parseUtcAttribute } from './time.js';
import { caldav, firstChild, type XmlElement, type XmlNode } from './xml.js';

function range(element: XmlElement): { start: number; end: number } {
  const start = parseUtcAttribute(element.attrs?.start, 'start');
  const end = parseUtcAttribute(element.attrs?.end, 'end');
  // §9.6.5: both attributes are required, and the range must not be empty.
  if (start === undefined || end === undefined || end <= start) {
    throw DavErrors.validFilter('expand and limit-recurrence-set need start < end.');
  }
  return { start, end };
}

/** Validate the options early, so a bad range is one 403 for the request rather than per object. */
export function checkCalendarDataRequest(request: XmlElement | undefined): void {
  if (!request) return;
  for (const name of ['expand', 'limit-recurrence-set']) {
    const opt = firstChild(request, caldav(name));
    if (opt) range(opt);
  }
}

export function calendarDataValue(text: string, request: XmlElement | undefined): XmlNode[] {
  const expand = request ? firstChild(request, caldav('expand')) : undefined;
  const limit = request ? firstChild(request, caldav('limit-recurrence-set')) : undefined;
  try {
    if (expand) {
      const { start, end } = range(expand);
      return [expandToRange(text, start, end)];
    }
    if (limit) {
      const { start, end } = range(limit);
      return [limitRecurrenceSet(text, start, end)];
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'DavError') throw err;
    // An object ical.js cannot read is served as stored rather than failing the whole report.
  }
  return [text];
}
