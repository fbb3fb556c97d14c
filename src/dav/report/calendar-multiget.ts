// CALDAV:calendar-multiget (RFC 4791 §7.9): the listed objects of the target calendar, with the
// asked properties; hrefs that name nothing get a 404 response of their own. Thunderbird and
// DAVx5 fetch in batches of tens to hundreds after a getctag or sync-token change.

import { DavErrors } from '../errors.js';
import { checkCalendarDataRequest } from '../calendar-data.js';
import { multistatus, propResponse, readPropRequest, statusResponse, wantsMinimal } from '../multistatus.js';
import { parseHref, sameUser } from '../paths.js';
import type { Resource } from '../types.js';
import { caldav, childElements, dav, textOf, type XmlElement } from '../xml.js';
import type { ReportContext } from './types.js';

/** Answer with the href as the client wrote it (its path part), so clients can match it. */
function echoHref(href: string): string {
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(href) ? new URL(href).pathname : href;
  } catch {
    return href;
  }
}

export async function calendarMultiget({ req, deps, user, body, target }: ReportContext) {
  const props = readPropRequest(body);
  if (props.type === 'prop') checkCalendarDataRequest(props.props.find((p) => p.name === caldav('calendar-data')));
  const asked = childElements(body, dav('href')).map((h) => textOf(h).trim());
  if (asked.length === 0) throw DavErrors.badRequest('calendar-multiget needs at least one <D:href>.');
  if (asked.length > 10_000) throw DavErrors.badRequest('Too many hrefs in one calendar-multiget.');
  const calendar = target.kind === 'calendar' || target.kind === 'object' ? target.calendar : undefined;
  if (!calendar) throw DavErrors.unsupportedReport(body.name);

  const names = new Map<string, string[]>(); // object name → hrefs as sent
  const responses: XmlElement[] = [];
  for (const href of asked) {
    const t = parseHref(href, deps.basePath);
    if (t?.kind === 'object' && sameUser(t.user, user) && t.calendarId === calendar.id) {
      names.set(t.name, [...(names.get(t.name) ?? []), href]);
    } else if (t && t.kind !== 'root' && !sameUser(t.user, user)) {
      responses.push(statusResponse(echoHref(href), 403));
    } else responses.push(statusResponse(echoHref(href), 404));
  }
  const objects = names.size > 0 ? await deps.store.getObjects(user, calendar.id, [...names.keys()]) : [];
  const found = new Map(objects.map((o) => [o.name, o]));
  const minimal = wantsMinimal(req.headers);
  for (const [name, sent] of names) {
    const object = found.get(name);
    for (const href of sent) {
      if (!object) {
        responses.push(statusResponse(echoHref(href), 404));
        continue;
      }
      const r: Resource = { kind: 'object', href: echoHref(href), user, calendar, object, ical: object.ical };
      responses.push(propResponse(r, props, { deps }, minimal));
    }
  }
  return multistatus(responses);
}
