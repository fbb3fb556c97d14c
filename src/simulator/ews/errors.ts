// Errors the EWS layer raises, in the two forms of EWS-NOTES §14.1: response-level
// (a ResponseMessage with ResponseClass="Error", HTTP 200) and fault-level (SOAP fault,
// HTTP 500). Texts are Exchange's own where known (WSR/responsecode, captured responses).

export const MESSAGE_TEXT: Record<string, string> = {
  ErrorItemNotFound: 'The specified object was not found in the store., The process failed to get the correct properties.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorCalendarViewRangeTooBig: 'The time window specified is larger than the maximum allowed window of two years.',
  ErrorCalendarEndDateIsEarlierThanStartDate: 'EndDate is earlier than StartDate',
  ErrorExceededFindCountLimit: 'You have exceeded the maximum number of objects that can be returned for the find operation. Use paging to reduce the result size and try your request again.',
  ErrorInvalidSyncStateData: 'Synchronization state data is corrupt or otherwise invalid.',
  ErrorSyncFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorServerBusy: 'The server cannot service this request right now. Try again later.',
  ErrorInvalidServerVersion: 'The specified server version is invalid.',
  ErrorSchemaValidation: 'The request failed schema validation.',
  ErrorInvalidPropertyRequest: 'The property requested isn\'t valid for this object type.',
  ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange: 'The occurrence index is out of the recurrence range.',
  ErrorCalendarOccurrenceIsDeletedFromRecurrence: 'Occurrence with this index was previously deleted from the recurrence.',
  ErrorInvalidOperation: 'The operation isn\'t valid.',
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorInvalidRequest: 'The request is invalid.',
  ErrorTimeZone: 'The time zone isn\'t valid.',
  ErrorInvalidIndexedPagingParameters: 'The value of the Offset parameter is invalid.',
  ErrorInvalidOccurrenceId: 'The Id of an occurrence is invalid.',
};

/** A response-level error for one slot of a batch. */
export class EwsError extends Error {
  constructor(readonly code: string, readonly messageXml?: string, text?: string) {
    super(text ?? MESSAGE_TEXT[code] ?? code);
    this.name = 'EwsError';
  }
}

/** A fault-level error: the whole request fails with HTTP 500 and a SOAP fault. */
export class EwsFault extends Error {
  constructor(readonly code: string, text?: string, readonly messageXml?: string, readonly faultString?: string) {
    super(text ?? MESSAGE_TEXT[code] ?? code);
    this.name = 'EwsFault';
  }
}

/** ErrorSchemaValidation with the LineNumber / LinePosition / Violation detail .NET's validator gives. */
export class SchemaError extends EwsFault {
  constructor(readonly violation: string, readonly line: number, readonly position: number) {
    super(
      'ErrorSchemaValidation', MESSAGE_TEXT.ErrorSchemaValidation,
      `<t:LineNumber>${line}</t:LineNumber><t:LinePosition>${position}</t:LinePosition><t:Violation>${escapeXml(violation)}</t:Violation>`,
      `The request failed schema validation: ${violation}`,
    );
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
