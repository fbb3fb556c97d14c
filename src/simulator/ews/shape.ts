// ItemShape / FolderShape (WSR/itemshape, WSR/foldershape): the base shape and the
// FieldURIs of AdditionalProperties. FieldURI values are an XSD enumeration, so an unknown
// name is a schema error, while a valid one the simulator does not model is simply absent
// from the answer (as Exchange omits properties an item does not have).

import type { XmlNode } from '../xml/parser.js';
import { NS_T } from './namespaces.js';
import { allowAttrs, boolText, enumText, requiredAttr, schemaError, sequence } from './schema.js';

export const BASE_SHAPES = ['IdOnly', 'Default', 'AllProperties'] as const;
export type BaseShape = (typeof BASE_SHAPES)[number];
export const BODY_TYPES = ['Best', 'HTML', 'Text'] as const;
export type BodyTypeRequest = (typeof BODY_TYPES)[number];

export interface ItemShape {
  base: BaseShape;
  bodyType: BodyTypeRequest;
  includeMimeContent: boolean;
  additional: Set<string>;
}

export interface FolderShape {
  base: BaseShape;
  additional: Set<string>;
}

const ITEM_FIELDS = [
  'MimeContent', 'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Attachments',
  'DateTimeReceived', 'Size', 'Categories', 'Importance', 'InReplyTo', 'IsSubmitted', 'IsDraft', 'IsFromMe', 'IsResend',
  'IsUnmodified', 'InternetMessageHeaders', 'DateTimeSent', 'DateTimeCreated', 'ResponseObjects', 'ReminderDueBy',
  'ReminderIsSet', 'ReminderNextTime', 'ReminderMinutesBeforeStart', 'DisplayCc', 'DisplayTo', 'HasAttachments',
  'Culture', 'EffectiveRights', 'LastModifiedName', 'LastModifiedTime', 'IsAssociated', 'WebClientReadFormQueryString',
  'WebClientEditFormQueryString', 'ConversationId', 'UniqueBody', 'Flag', 'StoreEntryId', 'InstanceKey',
  'NormalizedBody', 'EntityExtractionResult', 'ArchiveTag', 'RetentionDate', 'Preview', 'NextPredictedAction',
  'GroupingAction', 'PredictedActionReasons', 'IsClutter', 'RightsManagementLicenseData', 'BlockStatus',
  'HasBlockedImages', 'TextBody', 'IconIndex', 'SearchKey', 'SortKey', 'Hashtags', 'MentionedMe', 'Mentions',
  'MentionsPreview', 'MentionsEx', 'AppliedHashtags', 'AppliedHashtagsPreview', 'Likes', 'LikesPreview',
  'PendingSocialActivityTagIds', 'AtAllMention', 'CanDelete', 'InferenceClassification', 'PolicyTag',
];
const CALENDAR_FIELDS = [
  'Start', 'End', 'OriginalStart', 'StartWallClock', 'EndWallClock', 'StartTimeZoneId', 'EndTimeZoneId',
  'IsAllDayEvent', 'LegacyFreeBusyStatus', 'Location', 'EnhancedLocation', 'When', 'IsMeeting', 'IsCancelled',
  'IsRecurring', 'MeetingRequestWasSent', 'IsResponseRequested', 'CalendarItemType', 'MyResponseType', 'Organizer',
  'RequiredAttendees', 'OptionalAttendees', 'Resources', 'ConflictingMeetingCount', 'AdjacentMeetingCount',
  'ConflictingMeetings', 'AdjacentMeetings', 'Duration', 'TimeZone', 'AppointmentReplyTime',
  'AppointmentSequenceNumber', 'AppointmentState', 'Recurrence', 'FirstOccurrence', 'LastOccurrence',
  'ModifiedOccurrences', 'DeletedOccurrences', 'MeetingTimeZone', 'StartTimeZone', 'EndTimeZone', 'ConferenceType',
  'AllowNewTimeProposal', 'IsOnlineMeeting', 'MeetingWorkspaceUrl', 'NetShowUrl', 'UID', 'RecurrenceId',
  'DateTimeStamp', 'JoinOnlineMeetingUrl', 'OnlineMeetingSettings', 'IsOrganizer', 'AppointmentReplyName',
  'IntendedFreeBusyStatus', 'CalendarActivityData', 'DoNotForwardMeeting',
];
const FOLDER_FIELDS = [
  'FolderId', 'ParentFolderId', 'DisplayName', 'UnreadCount', 'TotalCount', 'ChildFolderCount', 'FolderClass',
  'SearchParameters', 'ManagedFolderInformation', 'PermissionSet', 'EffectiveRights', 'SharingEffectiveRights',
  'DistinguishedFolderId', 'PolicyTag', 'ArchiveTag', 'ReplicaList',
];
/** Other prefixes of UnindexedFieldURIType: valid, never set on calendar items. */
const OTHER_PREFIXES = [
  'message', 'meeting', 'meetingRequest', 'task', 'contacts', 'distributionlist', 'postitem', 'conversation',
  'persona', 'meetingMessage',
];

const VALID = new Set<string>([
  ...ITEM_FIELDS.map((f) => `item:${f}`), ...CALENDAR_FIELDS.map((f) => `calendar:${f}`),
  ...FOLDER_FIELDS.map((f) => `folder:${f}`),
]);

export function checkFieldUri(node: XmlNode, uri: string): string {
  const prefix = uri.split(':')[0] ?? '';
  if (VALID.has(uri) || (OTHER_PREFIXES.includes(prefix) && /^[a-zA-Z]+:[A-Za-z]+$/.test(uri))) return uri;
  throw schemaError(node, `The 'FieldURI' attribute is invalid - The value '${uri}' is invalid according to its datatype '${NS_T}:UnindexedFieldURIType' - The Enumeration constraint failed.`);
}

function additionalProperties(node: XmlNode | undefined): Set<string> {
  const out = new Set<string>();
  if (!node) return out;
  if (node.children.length === 0) {
    throw schemaError(node, `The element 'AdditionalProperties' in namespace '${NS_T}' has incomplete content. List of possible elements expected: 'Path' in namespace '${NS_T}'.`);
  }
  for (const c of node.children) {
    if (c.ns !== NS_T || !['FieldURI', 'IndexedFieldURI', 'ExtendedFieldURI'].includes(c.local)) {
      throw schemaError(c, `The element 'AdditionalProperties' in namespace '${NS_T}' has invalid child element '${c.local}' in namespace '${c.ns}'.`);
    }
    // Indexed and extended properties are valid requests; the model has none, so they stay absent.
    if (c.local === 'FieldURI') out.add(checkFieldUri(c, requiredAttr(c, 'FieldURI')));
  }
  return out;
}

export function parseItemShape(node: XmlNode): ItemShape {
  const g = sequence(node, [
    { name: 'BaseShape', ns: 't', min: 1 }, { name: 'IncludeMimeContent', ns: 't', min: 0 },
    { name: 'BodyType', ns: 't', min: 0 }, { name: 'UniqueBodyType', ns: 't', min: 0 },
    { name: 'NormalizedBodyType', ns: 't', min: 0 }, { name: 'FilterHtmlContent', ns: 't', min: 0 },
    { name: 'ConvertHtmlCodePageToUTF8', ns: 't', min: 0 }, { name: 'InlineImageUrlTemplate', ns: 't', min: 0 },
    { name: 'BlockExternalImages', ns: 't', min: 0 }, { name: 'AddBlankTargetToLinks', ns: 't', min: 0 },
    { name: 'MaximumBodySize', ns: 't', min: 0 }, { name: 'AdditionalProperties', ns: 't', min: 0 },
  ]);
  const base = g.get('BaseShape')?.[0] as XmlNode;
  const mime = g.get('IncludeMimeContent')?.[0];
  const body = g.get('BodyType')?.[0];
  return {
    base: enumText(base, BASE_SHAPES, 'DefaultShapeNamesType'),
    includeMimeContent: mime ? boolText(mime) : false,
    bodyType: body ? enumText(body, BODY_TYPES, 'BodyTypeResponseType') : 'Best',
    additional: additionalProperties(g.get('AdditionalProperties')?.[0]),
  };
}

export function parseFolderShape(node: XmlNode): FolderShape {
  allowAttrs(node, []);
  const g = sequence(node, [{ name: 'BaseShape', ns: 't', min: 1 }, { name: 'AdditionalProperties', ns: 't', min: 0 }]);
  return {
    base: enumText(g.get('BaseShape')?.[0] as XmlNode, BASE_SHAPES, 'DefaultShapeNamesType'),
    additional: additionalProperties(g.get('AdditionalProperties')?.[0]),
  };
}
