// Heuristics about participants that both upstreams apply in the same way (EWS-NOTES §6.3), so an
// item reads the same over EWS and Graph: which addresses a calendar client can use, which
// resources are rooms, and the attendee order. Pure; the wire vocabularies stay in the upstreams.

import type { Attendee, AttendeeKind, AttendeeRole, Mailbox } from './event.js';

// Room mailboxes are not marked in EWS Attendee/Mailbox nor in Graph attendees; their display names usually say what they are.
const ROOM_NAME = /\b(room|rooms|raum|räume|salle|sala|sale|zaal|konferenz\w*|besprechung\w*|meeting ?room|conference|boardroom|auditorium)\b/i;

/**
 * An address a calendar client could mail, or undefined. An EX routing type carries an X.500
 * legacyExchangeDN (/O=…/CN=…), which is not one.
 */
export function usableEmail(address: string | undefined, routingType?: string): string | undefined {
  const a = address?.trim();
  if (!a || a.startsWith('/')) return undefined;
  return routingType === undefined || routingType === 'SMTP' || a.includes('@') ? a : undefined;
}

/**
 * The participant kind. Resources are rooms when listed in the location or named as one; a person
 * named like a room and listed in the location is one too. Otherwise `typeKind`: what the
 * upstream's own type says (EWS MailboxType; Graph has none, so 'person').
 */
export function participantKind(role: AttendeeRole, mailbox: Mailbox, location: string | undefined, typeKind: AttendeeKind = 'person'): AttendeeKind {
  const locationText = (location ?? '').toLowerCase();
  if (role === 'resource') {
    const inLocation = (mailbox.name && locationText.includes(mailbox.name.toLowerCase())) || (mailbox.email && locationText.includes(mailbox.email.toLowerCase()));
    return inLocation || (mailbox.name && ROOM_NAME.test(mailbox.name)) ? 'room' : 'resource';
  }
  if (mailbox.name && ROOM_NAME.test(mailbox.name) && mailbox.email && locationText.includes(mailbox.name.toLowerCase())) return 'room';
  return typeKind;
}

const ROLE_ORDER: Readonly<Record<AttendeeRole, number>> = { required: 0, optional: 1, resource: 2 };

/** Required, optional, then resources, each in the server's order (EWS lists them in three elements). */
export function inRoleOrder(attendees: readonly Attendee[]): Attendee[] {
  return attendees.map((a, i) => ({ a, i })).sort((x, y) => ROLE_ORDER[x.a.role] - ROLE_ORDER[y.a.role] || x.i - y.i).map((x) => x.a);
}
