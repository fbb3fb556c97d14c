// PROPPATCH (RFC 4918 §9.2): only the per-user presentation properties iOS/macOS and Thunderbird
// set on calendars are writable — Apple's calendar-color and calendar-order — stored through
// setCalendarProperties. Everything else is 403, and the request is atomic: if one instruction
// fails, every other one is reported 424 and nothing is stored.

import { DavErrors } from './errors.js';
import { multistatus } from './multistatus.js';
import { readXmlBody, requireUser } from './request.js';
import { resolvePath } from './resources.js';
import type { DavDeps, DavRequest, DavResponse } from './types.js';
import { childElements, dav, el, hrefEl, ical, statusLine, textOf, type ClarkName, type XmlElement } from './xml.js';

interface Instruction {
  name: ClarkName;
  remove: boolean;
  value: string;
}

type Patch = { color?: string | null; order?: number | null };

function readInstructions(body: XmlElement | undefined): Instruction[] {
  if (!body || body.name !== dav('propertyupdate')) throw DavErrors.badRequest('The body of a PROPPATCH must be <D:propertyupdate>.');
  const out: Instruction[] = [];
  for (const op of childElements(body)) {
    if (op.name !== dav('set') && op.name !== dav('remove')) continue;
    for (const prop of childElements(op, dav('prop'))) {
      for (const p of childElements(prop)) out.push({ name: p.name, remove: op.name === dav('remove'), value: textOf(p).trim() });
    }
  }
  return out;
}

// Apple sends '#RRGGBBAA', Thunderbird '#RRGGBB'; anything else is not a colour we should store.
const COLOR = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;

/** Apply one instruction to the patch; false when it must be refused. */
function accept(i: Instruction, patch: Patch): boolean {
  if (i.name === ical('calendar-color')) {
    if (i.remove) patch.color = null;
    else if (COLOR.test(i.value)) patch.color = i.value;
    else return false;
    return true;
  }
  if (i.name === ical('calendar-order')) {
    const n = Number(i.value);
    if (i.remove) patch.order = null;
    else if (i.value !== '' && Number.isSafeInteger(n)) patch.order = n;
    else return false;
    return true;
  }
  return false;
}

export async function proppatch(req: DavRequest, deps: DavDeps): Promise<DavResponse> {
  const user = requireUser(req);
  const instructions = readInstructions(readXmlBody(req));
  const target = await resolvePath(req.path, user, deps);
  const patch: Patch = {};
  const refused = new Set<ClarkName>();
  for (const i of instructions) if (target.kind !== 'calendar' || !accept(i, patch)) refused.add(i.name);

  const statusOf = (name: ClarkName): number => (refused.size === 0 ? 200 : refused.has(name) ? 403 : 424);
  if (refused.size === 0 && target.kind === 'calendar' && Object.keys(patch).length > 0) {
    await deps.store.setCalendarProperties(user, target.calendar.id, patch);
  }
  const byStatus = new Map<number, ClarkName[]>();
  for (const name of new Set(instructions.map((i) => i.name))) {
    const s = statusOf(name);
    byStatus.set(s, [...(byStatus.get(s) ?? []), name]);
  }
  const propstats = [...byStatus].map(([status, names]) =>
    el(dav('propstat'), [el(dav('prop'), names.map((n) => el(n))), el(dav('status'), statusLine(status))]),
  );
  if (propstats.length === 0) propstats.push(el(dav('propstat'), [el(dav('prop')), el(dav('status'), statusLine(200))]));
  return multistatus([el(dav('response'), [hrefEl(target.href), ...propstats])]);
}
