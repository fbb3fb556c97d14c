// The simulator's mailbox model: what an Exchange mailbox holds for calendars. Shared by the
// EWS layer today and by the Graph / Entra simulators later (src/simulator/graph, /entra);
// it knows nothing about SOAP or HTTP.

import type { Recurrence } from '../recurrence/types.js';
import type { ZoneDefinition } from '../recurrence/zone-data.js';

export type Sensitivity = 'Normal' | 'Personal' | 'Private' | 'Confidential';
export type Importance = 'Low' | 'Normal' | 'High';
export type FreeBusy = 'Free' | 'Tentative' | 'Busy' | 'OOF' | 'WorkingElsewhere' | 'NoData';
export type ResponseType = 'Unknown' | 'Organizer' | 'Tentative' | 'Accept' | 'Decline' | 'NoResponseReceived';
export type MailboxType = 'Mailbox' | 'OneOff' | 'PublicDL' | 'PrivateDL' | 'Contact' | 'PublicFolder' | 'Unknown';
export type BodyType = 'HTML' | 'Text';

export interface Person {
  name: string;
  email: string;
  mailboxType: MailboxType;
}

export interface Attendee extends Person {
  response: ResponseType;
  lastResponseTime?: number;
}

/** Everything that may differ between a series and one of its exceptions. Times are UTC ms. */
export interface EventFields {
  subject: string;
  body: { type: BodyType; value: string };
  sensitivity: Sensitivity;
  importance: Importance;
  categories: string[];
  start: number;
  end: number;
  isAllDay: boolean;
  freeBusy: FreeBusy;
  location: string;
  isMeeting: boolean;
  isCancelled: boolean;
  isResponseRequested: boolean;
  myResponseType: ResponseType;
  organizer?: Person;
  requiredAttendees: Attendee[];
  optionalAttendees: Attendee[];
  resources: Attendee[];
  reminderIsSet: boolean;
  reminderMinutes: number;
  sequence: number;
  isOnlineMeeting: boolean;
  joinOnlineMeetingUrl?: string;
  /** Meetings only (EWS-NOTES §6.3: DateTimeStamp is absent on appointments). */
  dateTimeStamp?: number;
}

export interface ExceptionRecord {
  fields: EventFields;
  changeCounter: number;
  changeKey: string;
  lastModified: number;
}

export interface StoredItem {
  key: string;
  mailbox: string;
  folderKey: string;
  itemClass: string;
  uid: string;
  created: number;
  lastModified: number;
  changeCounter: number;
  changeKey: string;
  startZone: ZoneDefinition;
  endZone: ZoneDefinition;
  fields: EventFields;
  recurrence?: Recurrence;
  /** Modified occurrences by original start (UTC ms). */
  exceptions: Map<number, ExceptionRecord>;
  /** Deleted occurrences by original start (UTC ms). */
  deletedOccurrences: Set<number>;
}

export interface Folder {
  key: string;
  displayName: string;
  /** Absent for non-mail roots such as msgfolderroot. */
  folderClass?: string;
  parentKey?: string;
  /** DistinguishedFolderId name, e.g. `calendar`, `msgfolderroot`. */
  distinguished?: string;
  readOnly: boolean;
  changeKey: string;
}

export interface JournalEntry {
  seq: number;
  itemKey: string;
  kind: 'create' | 'update' | 'delete';
}

export interface Mailbox {
  smtp: string;
  displayName: string;
  /** Basic password; undefined = Basic sign-in impossible for this user. */
  password?: string;
  /** Other sign-in names accepted for Basic, e.g. `CONTOSO\\mara` (EWS-NOTES §2.1). */
  logonNames: string[];
  /** Windows zone of the mailbox (OWA regional settings). */
  timeZone: string;
  /** Addresses of users allowed to open this mailbox (folder permission, EWS-NOTES §4). */
  delegates: string[];
  /** May use ExchangeImpersonation for any mailbox (app-only style). */
  canImpersonate: boolean;
  /**
   * Set only on the stand-in principal of an app-only Bearer token (../bearer.ts): such a token
   * names no mailbox, so every request must impersonate one the app may open (OAUTH-NOTES §5).
   */
  appOnly?: { appId: string; mayImpersonate(smtp: string): boolean };
  folders: Map<string, Folder>;
  items: Map<string, StoredItem>;
  /** Per-folder change journal that SyncFolderItems replays (EWS-NOTES §10). */
  journals: Map<string, JournalEntry[]>;
}
