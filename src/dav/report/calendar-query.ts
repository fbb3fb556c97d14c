// CALDAV:calendar-query (RFC 4791 §7.8): the store prefilters by the VEVENT time range
// (objectsInRange returns a superset), the compiled filter decides exactly.

import { checkCalendarDataRequest } from '../calendar-data.js';
import { DavErrors } from '../errors.js';
import { multistatus, propResponse, readPropRequest, wantsMinimal } from '../multistatus.js';
import { hrefs } from '../paths.js';
import { nudgeRefresh } from '../resources.js';
import type { Resource } from '../types.js';
import { caldav } from '../xml.js';
import { eventRange, matchesFilter, readFilter } from './filter.js';
import type { ReportContext } from './types.js';

export async function calendarQuery({ req, deps, user, body, target }: ReportContext) {
  const props = readPropRequest(body);
  if (props.type === 'prop') checkCalendarDataRequest(props.props.find((p) => p.name === caldav('calendar-data')));
  const filter = readFilter(body);
  if (target.kind !== 'calendar' && target.kind !== 'object') throw DavErrors.unsupportedReport(body.name);
  const { calendar } = target;
  // Depth is not consulted on a calendar: some clients send Depth 0 for a query they mean for
  // the members (sabre/dav notes this for MSFT- user agents); on an object, only that object.
  const range = eventRange(filter);
  if (target.kind === 'calendar') nudgeRefresh(deps, user, calendar.id);
  const candidates =
    target.kind === 'object'
      ? [{ ...target.object, ical: target.ical ?? '' }]
      : await deps.store.objectsInRange(user, calendar.id, range?.start, range?.end);

  const minimal = wantsMinimal(req.headers);
  const responses = [];
  for (const object of candidates) {
    if (!matchesFilter(object.ical, filter)) continue;
    const r: Resource = { kind: 'object', href: hrefs.object(deps.basePath, user, calendar.id, object.name), user, calendar, object, ical: object.ical };
    responses.push(propResponse(r, props, { deps }, minimal));
  }
  return multistatus(responses);
}
