// PROPFIND (RFC 4918 §9.1): parse the body into a PropRequest (empty body = allprop), resolve
// the target and, for Depth 1, its members for this user, answer each from the property table.

import { DavErrors } from './errors.js';
import { checkCalendarDataRequest } from './calendar-data.js';
import { multistatus, propResponse, readPropRequest, wantsMinimal, wantsProperty } from './multistatus.js';
import { depthOf, readXmlBody, requireUser } from './request.js';
import { childrenOf, loadObjectText, nudgeRefresh, resolvePath } from './resources.js';
import type { DavDeps, DavRequest, DavResponse } from './types.js';
import { caldav, dav } from './xml.js';

export async function propfind(req: DavRequest, deps: DavDeps): Promise<DavResponse> {
  const user = requireUser(req);
  const body = readXmlBody(req);
  if (body && body.name !== dav('propfind')) throw DavErrors.badRequest('The body of a PROPFIND must be <D:propfind>.');
  const propRequest = readPropRequest(body);
  // RFC 4918 §9.1 allows refusing infinity; a missing Depth is read as 0, as Radicale does,
  // because answering infinity for it would walk every object of every calendar.
  const depth = depthOf(req, '0');
  if (depth === 'infinity') throw DavErrors.finiteDepth();

  const target = await resolvePath(req.path, user, deps);
  const resources = [target, ...(depth === '1' ? await childrenOf(target, deps) : [])];
  if (wantsProperty(propRequest, caldav('calendar-data'))) {
    const request = propRequest.type === 'prop' ? propRequest.props.find((p) => p.name === caldav('calendar-data')) : undefined;
    checkCalendarDataRequest(request);
    await loadObjectText(resources, deps);
  }
  // Clients poll the home or a calendar for getctag/sync-token: the moment to ask for fresh data.
  if (target.kind === 'home' || target.kind === 'calendar') nudgeRefresh(deps, user, target.kind === 'calendar' ? target.calendar.id : undefined);

  const minimal = wantsMinimal(req.headers);
  const responses = resources.map((r) => propResponse(r, propRequest, { deps }, minimal));
  return multistatus(responses, [], minimal ? { 'Preference-Applied': 'return=minimal' } : {});
}

