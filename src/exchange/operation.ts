// The shape every EWS operation module exports (STYLE.md "EWS operations"): a value with the
// operation's name, a request builder, a streaming response spec and, for id lists, how to batch.
// The transport (./call.ts) owns everything shared: envelope, auth, retries, error mapping.

import type { ExchangeVersion } from './namespaces.js';
import type { MessageSpec, ResponseMessage, ServerVersionInfo } from './soap-response.js';
import { el, textEl } from './xml-writer.js';

export interface RequestContext {
  version: ExchangeVersion;
  /** The mailbox the call acts on. */
  mailbox: string;
}

export interface ResultContext extends RequestContext {
  url: URL;
  operation: string;
  serverVersion?: ServerVersionInfo;
}

export interface BatchSpec<A, R> {
  /** Most ids per call: 100 for GetItem (exchangelib CHUNK_SIZE, EWS-NOTES §14.4). */
  readonly size: number;
  split(args: A, size: number): A[];
  merge(results: R[]): R;
}

export interface EwsOperation<A, R, S = unknown> {
  /** The EWS operation name, also used in logs and errors (WSR/<name>-operation). */
  readonly name: string;
  /** The `m:<Name>` body element. */
  request(args: A, ctx: RequestContext): string;
  /** How to stream the response messages of this call. */
  response(args: A, ctx: RequestContext): MessageSpec<S>;
  /**
   * Response codes reported per slot in the result instead of failing the whole call
   * (ErrorItemNotFound in a GetItem batch). Every other error code fails the call.
   */
  readonly slotErrors?: ReadonlySet<string>;
  result(messages: ResponseMessage<S>[], args: A, ctx: ResultContext): R;
  readonly batch?: BatchSpec<A, R>;
}

// --- folder ids, shared by the folder and item operations ----------------------------------------

/** A folder as a request names it (WSR/distinguishedfolderid, WSR/folderid). */
export type FolderRef =
  | { distinguished: 'calendar' | 'msgfolderroot' | 'root'; mailbox?: string }
  | { id: string; changeKey?: string };

export function folderIdXml(ref: FolderRef): string {
  if ('distinguished' in ref) {
    // <t:Mailbox> only when reading another mailbox as a delegate (EWS-NOTES §4); with
    // impersonation or one's own mailbox it is left out.
    const mailbox = ref.mailbox ? el('t:Mailbox', undefined, textEl('t:EmailAddress', ref.mailbox)) : undefined;
    return el('t:DistinguishedFolderId', { Id: ref.distinguished }, mailbox);
  }
  return el('t:FolderId', { Id: ref.id, ChangeKey: ref.changeKey });
}

export function fieldUris(uris: readonly string[]): string {
  return uris.map((u) => el('t:FieldURI', { FieldURI: u })).join('');
}
