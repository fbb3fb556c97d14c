// Per-request state of the EWS layer: who is calling, on whose behalf, in which zone
// dateTimes are written, and the mailbox access rule (own mailbox + explicit delegation;
// EWS-NOTES §4).

import type { MailboxStore } from '../mailbox/store.js';
import type { Mailbox } from '../mailbox/types.js';
import { formatUtc, formatWithOffset } from '../recurrence/dates.js';
import type { ZoneDefinition } from '../recurrence/zone-data.js';
import { offsetAt } from '../recurrence/zones.js';
import { EwsError } from './errors.js';

export class OpContext {
  /** Mailboxes this request touched, for the request log and per-mailbox counters. */
  readonly touched = new Set<string>();

  constructor(
    readonly store: MailboxStore,
    /** The mailbox the request acts as (the signed-in user, or the impersonated one). */
    readonly user: Mailbox,
    readonly requestVersion: string,
    readonly tzContext: ZoneDefinition | undefined,
  ) {}

  /** xs:dateTime as Exchange writes it: UTC `Z`, or with the offset of the TimeZoneContext zone (EWS-NOTES §2.5). */
  dt(ms: number): string {
    return this.tzContext ? formatWithOffset(ms, offsetAt(this.tzContext, ms)) : formatUtc(ms);
  }

  /** Opens a mailbox by SMTP address, enforcing the access rule. */
  openMailbox(smtp: string | undefined): Mailbox {
    const mb = smtp === undefined ? this.user : this.store.mailbox(smtp);
    if (!mb) throw new EwsError('ErrorNonExistentMailbox');
    if (mb !== this.user && !mb.delegates.includes(this.user.smtp)) throw new EwsError('ErrorAccessDenied');
    this.touched.add(mb.smtp);
    return mb;
  }
}
