// Organizer and attendees (EWS-NOTES §6.3; WSR/attendee, WSR/mailbox, WSR/responsetype).
// Resources are rooms when Exchange or Outlook say so: listed in the location, or named as one
// (src/model/participants.ts, shared with the Graph upstream).

import type { Attendee, AttendeeKind, AttendeeRole, Mailbox, ResponseStatus } from '../model/index.js';
import { participantKind, usableEmail } from '../model/participants.js';
import { NS_TYPES } from './namespaces.js';
import { trim, words } from './parse-values.js';
import { child, type XmlElement } from './xml-reader.js';

const RESPONSES = words<ResponseStatus>({
  Accept: 'accepted',
  Tentative: 'tentative',
  Decline: 'declined',
  NoResponseReceived: 'notResponded',
  Unknown: 'unknown',
  Organizer: 'organizer',
});

export function parseResponse(value: string | undefined): ResponseStatus | undefined {
  return value === undefined ? undefined : RESPONSES.get(trim(value));
}

/** MailboxTypeType (WSR/mailboxtype) → the model's participant kind. */
const MAILBOX_KINDS = words<AttendeeKind>({
  Mailbox: 'person',
  OneOff: 'person',
  Contact: 'person',
  User: 'person',
  PublicDL: 'group',
  PrivateDL: 'group',
  GroupMailbox: 'group',
  PublicFolder: 'unknown',
  Unknown: 'unknown',
});

export interface ParsedMailbox extends Mailbox {
  routingType?: string;
  mailboxType?: string;
}

export function parseMailbox(el: XmlElement | undefined): ParsedMailbox | undefined {
  if (!el) return undefined;
  // One walk over the children (the first of each name counts), not a scan per property.
  let nameEl: XmlElement | undefined;
  let addressEl: XmlElement | undefined;
  let routingEl: XmlElement | undefined;
  let typeEl: XmlElement | undefined;
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i]!;
    if (c.ns !== NS_TYPES) continue;
    switch (c.name) {
      case 'Name':
        nameEl ??= c;
        break;
      case 'EmailAddress':
        addressEl ??= c;
        break;
      case 'RoutingType':
        routingEl ??= c;
        break;
      case 'MailboxType':
        typeEl ??= c;
        break;
    }
  }
  const name = nameEl && trim(nameEl.text);
  const address = addressEl && trim(addressEl.text);
  const routingType = routingEl && trim(routingEl.text);
  const mailboxType = typeEl && trim(typeEl.text);
  const out: ParsedMailbox = {};
  if (name) out.name = name;
  const email = usableEmail(address, routingType);
  if (email) out.email = email;
  if (routingType) out.routingType = routingType;
  if (mailboxType) out.mailboxType = mailboxType;
  return out.name || out.email ? out : undefined;
}

function attendeesOf(out: Attendee[], list: XmlElement | undefined, role: AttendeeRole, location: string | undefined): void {
  if (!list) return;
  const attendees = list.children;
  for (let i = 0; i < attendees.length; i++) {
    const a = attendees[i]!;
    if (a.name !== 'Attendee' || a.ns !== NS_TYPES) continue;
    let mailboxEl: XmlElement | undefined;
    let responseEl: XmlElement | undefined;
    const children = a.children;
    for (let k = 0; k < children.length; k++) {
      const c = children[k]!;
      if (c.ns !== NS_TYPES) continue;
      if (c.name === 'Mailbox') mailboxEl ??= c;
      else if (c.name === 'ResponseType') responseEl ??= c;
    }
    const mailbox = parseMailbox(mailboxEl);
    if (!mailbox) continue;
    const attendee: Attendee = { role, kind: participantKind(role, mailbox, location, MAILBOX_KINDS.get(mailbox.mailboxType ?? 'Mailbox') ?? 'unknown'), response: parseResponse(responseEl?.text) ?? 'unknown' };
    if (mailbox.name) attendee.name = mailbox.name;
    if (mailbox.email) attendee.email = mailbox.email;
    out.push(attendee);
  }
}

/** Required, optional, then resources (an item's three lists), each in the server's order. */
export function parseAttendees(required: XmlElement | undefined, optional: XmlElement | undefined, resources: XmlElement | undefined, location: string | undefined): Attendee[] {
  const out: Attendee[] = [];
  attendeesOf(out, required, 'required', location);
  attendeesOf(out, optional, 'optional', location);
  attendeesOf(out, resources, 'resource', location);
  return out;
}

/** An item's Organizer element → its mailbox. */
export function parseOrganizer(organizer: XmlElement | undefined): Mailbox | undefined {
  const mb = parseMailbox(child(organizer, NS_TYPES, 'Mailbox'));
  if (!mb) return undefined;
  const out: Mailbox = {};
  if (mb.name) out.name = mb.name;
  if (mb.email) out.email = mb.email;
  return out;
}
