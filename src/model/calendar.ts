// A calendar folder as an upstream reports it.

export type CalendarKind = 'default' | 'secondary' | 'birthdays';

export interface UpstreamCalendar {
  /** The upstream's folder id, opaque; the store derives the stable calendar id from it. */
  upstreamId: string;
  name: string;
  kind: CalendarKind;
  /** Items stored in the folder (masters and singles), when the upstream tells. */
  itemCount?: number;
  /** Parent folder's id, for names like "Calendar/Team". */
  parentId?: string;
  /** Whether the mailbox may change items (writes come later; birthdays are read-only). */
  readOnly: boolean;
  /** The mailbox owning the folder. */
  mailbox: string;
}
