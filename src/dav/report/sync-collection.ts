// DAV:sync-collection (RFC 6578): changed members with their properties, removed members as
// 404 responses, and the new token. An unknown token is 403 DAV:valid-sync-token (§3.2); a
// truncated answer carries a 507 response for the collection itself (§3.6) and the token of the
// last change sent, so the client simply asks again.

import { DavErrors } from '../errors.js';
import { checkCalendarDataRequest } from '../calendar-data.js';
import { multistatus, propResponse, readPropRequest, statusResponse, wantsMinimal, wantsProperty } from '../multistatus.js';
import { hrefs } from '../paths.js';
import { loadObjectText, nudgeRefresh } from '../resources.js';
import type { Resource } from '../types.js';
import { caldav, dav, el, firstChild, textOf } from '../xml.js';
import type { ReportContext } from './types.js';

const MAX_TOKEN_LENGTH = 1024;

function readLimit(body: ReportContext['body']): number | undefined {
  const limit = firstChild(body, dav('limit'));
  if (!limit) return undefined;
  const n = Number(textOf(firstChild(limit, dav('nresults')) ?? limit).trim());
  if (!Number.isSafeInteger(n) || n < 1) throw DavErrors.badRequest('DAV:nresults must be a positive integer.');
  return n;
}

export async function syncCollection({ req, deps, user, body, target }: ReportContext) {
  if (target.kind !== 'calendar') throw DavErrors.unsupportedReport(body.name);
  const tokenEl = firstChild(body, dav('sync-token'));
  const token = tokenEl ? textOf(tokenEl).trim() : '';
  if (token.length > MAX_TOKEN_LENGTH) throw DavErrors.invalidSyncToken();
  // sync-level infinite and 1 are the same here: a calendar has no sub-collections.
  const level = textOf(firstChild(body, dav('sync-level')) ?? el(dav('sync-level'), '1')).trim();
  if (level !== '1' && level !== 'infinite' && level !== 'infinity') throw DavErrors.badRequest('DAV:sync-level must be 1 or infinite.');
  const limit = readLimit(body);
  const props = readPropRequest(body);
  if (props.type === 'prop') checkCalendarDataRequest(props.props.find((p) => p.name === caldav('calendar-data')));

  nudgeRefresh(deps, user, target.calendar.id);
  const result = await deps.store.changesSince(user, target.calendar.id, token === '' ? undefined : token, limit);
  if (!result.ok) throw DavErrors.invalidSyncToken();

  const { calendar } = target;
  const changed: Resource[] = result.changed.map((object) => ({
    kind: 'object',
    href: hrefs.object(deps.basePath, user, calendar.id, object.name),
    user,
    calendar,
    object,
  }));
  if (wantsProperty(props, caldav('calendar-data'))) await loadObjectText(changed, deps);
  const minimal = wantsMinimal(req.headers);
  const responses = changed.map((r) => propResponse(r, props, { deps }, minimal));
  for (const name of result.deleted) responses.push(statusResponse(hrefs.object(deps.basePath, user, calendar.id, name), 404));
  if (result.truncated) responses.push(statusResponse(target.href, 507, el(dav('number-of-matches-within-limits'))));
  return multistatus(responses, [el(dav('sync-token'), result.syncToken)]);
}
