// Organizer and attendees (EWS-NOTES §6.3; WSR/attendee, WSR/mailbox, WSR/responsetype).
// Resources are rooms when Exchange or Outlook say so: listed in the location, or named as one
// (src/model/participants.ts, shared with the Graph upstream).

import type { Attendee, AttendeeKind, AttendeeRole, Mailbox, ResponseStatus } from '../model/index.js';
import { participantKind, usableEmail } from '../model/participants.js';
import { NS_TYPES } from './namespaces.js';
import { child, childText, children, type XmlElement } from './xml-reader.js';

const RESPONSES: Readonly<Record<string, ResponseStatus>> = {
  Accept: 'accepted',
  Tentative: 'tentative',
  Decline: 'declined',
  NoResponseReceived: 'notResponded',
  Unknown: 'unknown',
  Organizer: 'organizer',
};

export function parseResponse(value: string | undefined): ResponseStatus | undefined {
  return value === undefined ? undefined : RESPONSES[value.trim()];
}

/** MailboxTypeType (WSR/mailboxtype) → the model's participant kind. */
const MAILBOX_KINDS: Readonly<Record<string, AttendeeKind>> = {
  Mailbox: 'person',
  OneOff: 'person',
  Contact: 'person',
  User: 'person',
  PublicDL: 'group',
  PrivateDL: 'group',
  GroupMailbox: 'group',
  PublicFolder: 'unknown',
  Unknown: 'unknown',
};

export interface ParsedMailbox extends Mailbox {
  routingType?: string;
  mailboxType?: string;
}

export function parseMailbox(el: XmlElement | undefined): ParsedMailbox | undefined {
  if (!el) return undefined;
  const name = childText(el, NS_TYPES, 'Name')?.trim();
  const address = childText(el, NS_TYPES, 'EmailAddress')?.trim();
  const routingType = childText(el, NS_TYPES, 'RoutingType')?.trim();
  const mailboxType = childText(el, NS_TYPES, 'MailboxType')?.trim();
  const out: ParsedMailbox = {};
  if (name) out.name = name;
  const email = usableEmail(address, routingType);
  if (email) out.email = email;
  if (routingType) out.routingType = routingType;
  if (mailboxType) out.mailboxType = mailboxType;
  return out.name || out.email ? out : undefined;
}

function attendeesOf(list: XmlElement | undefined, role: AttendeeRole, location: string | undefined): Attendee[] {
  const out: Attendee[] = [];
  for (const a of children(list, NS_TYPES, 'Attendee')) {
    const mailbox = parseMailbox(child(a, NS_TYPES, 'Mailbox'));
    if (!mailbox) continue;
    const attendee: Attendee = { role, kind: participantKind(role, mailbox, location, MAILBOX_KINDS[mailbox.mailboxType ?? 'Mailbox'] ?? 'unknown'), response: parseResponse(childText(a, NS_TYPES, 'ResponseType')) ?? 'unknown' };
    if (mailbox.name) attendee.name = mailbox.name;
    if (mailbox.email) attendee.email = mailbox.email;
    out.push(attendee);
  }
  return out;
}

/** Required, optional, then resources, each in the server's order. */
export function parseAttendees(item: XmlElement, location: string | undefined): Attendee[] {
  return [
    ...attendeesOf(child(item, NS_TYPES, 'RequiredAttendees'), 'required', location),
    ...attendeesOf(child(item, NS_TYPES, 'OptionalAttendees'), 'optional', location),
    ...attendeesOf(child(item, NS_TYPES, 'Resources'), 'resource', location),
  ];
}

export function parseOrganizer(item: XmlElement): Mailbox | undefined {
  const mb = parseMailbox(child(child(item, NS_TYPES, 'Organizer'), NS_TYPES, 'Mailbox'));
  if (!mb) return undefined;
  const out: Mailbox = {};
  if (mb.name) out.name = mb.name;
  if (mb.email) out.email = mb.email;
  return out;
}
