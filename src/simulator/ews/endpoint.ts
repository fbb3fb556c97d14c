// The EWS endpoint behind POST /EWS/Exchange.asmx, after authentication: envelope, version
// and impersonation checks, dispatch on the body element, faults (EWS-NOTES §2, §14).
// HTTP concerns (status lines, auth challenges, injected transport faults) live in server.ts.

import type { MailboxStore } from '../mailbox/store.js';
import type { Mailbox } from '../mailbox/types.js';
import { resolveZone } from '../recurrence/zones.js';
import { OpContext } from './context.js';
import { EwsFault } from './errors.js';
import { findFolder } from './find-folder.js';
import { findItem } from './find-item.js';
import { getFolder } from './get-folder.js';
import { getItem } from './get-item.js';
import { NS_M } from './namespaces.js';
import { type EwsOperation, type ResponseMessage, writeResponse } from './operation.js';
import { schemaError } from './schema.js';
import { type ServerVersion, faultEnvelope, readEnvelope, successEnvelope } from './soap.js';
import { SyncStateCodec } from './sync-state.js';
import { createSyncFolderItems } from './sync-folder-items.js';

/** Real EWS operations the simulator does not implement: refused, never half-accepted. */
const NOT_IMPLEMENTED = new Set([
  'CreateItem', 'UpdateItem', 'DeleteItem', 'MoveItem', 'CopyItem', 'SendItem', 'CreateFolder', 'UpdateFolder',
  'DeleteFolder', 'EmptyFolder', 'SyncFolderHierarchy', 'GetUserAvailabilityRequest', 'ResolveNames', 'ExpandDL',
  'GetServerTimeZones', 'GetUserConfiguration', 'ConvertId', 'GetAttachment', 'CreateAttachment', 'DeleteAttachment',
  'Subscribe', 'Unsubscribe', 'GetEvents', 'GetStreamingEvents', 'GetRoomLists', 'GetRooms', 'GetUserOofSettingsRequest',
  'SetUserOofSettingsRequest', 'GetDelegate', 'GetSharingMetadata', 'GetInboxRules', 'FindPeople', 'GetMailTips',
  'GetUserPhoto', 'MarkAllItemsAsRead', 'ArchiveItem', 'GetSearchableMailboxes', 'GetNonIndexableItemStatistics',
]);

/** What the server's fault injector may ask the endpoint to answer instead of executing. */
export interface InjectedEwsError {
  form: 'fault' | 'message';
  code: string;
  text?: string;
  messageXml?: string;
}

export interface EwsOutcome {
  status: number;
  body: string;
  operation?: string;
  mailboxes: string[];
  responseCodes: string[];
  /** The ExchangeImpersonation target named in the SOAP header, if any (request log). */
  impersonated?: string;
}

export interface EwsCallInfo {
  operation: string;
  user: Mailbox;
}

export class EwsEndpoint {
  private readonly operations = new Map<string, EwsOperation<unknown>>();

  constructor(private readonly store: MailboxStore, private readonly server: () => ServerVersion) {
    const ops = [getFolder, findFolder, findItem, getItem, createSyncFolderItems(new SyncStateCodec(store.secret))];
    for (const op of ops) this.operations.set(op.name, op as EwsOperation<unknown>);
  }

  /** Operation name of a request body, if it parses at all (for counters and fault matching). */
  peekOperation(xml: string): string | undefined {
    const m = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z]+)/.exec(xml);
    return m?.[1];
  }

  handle(xml: string, principal: Mailbox, inject?: (info: EwsCallInfo) => InjectedEwsError | undefined): EwsOutcome {
    const mailboxes = new Set<string>([principal.smtp]);
    let operation: string | undefined;
    let impersonated: string | undefined;
    try {
      const req = readEnvelope(xml, this.server());
      impersonated = req.impersonation?.value;
      const node = req.body;
      operation = node.local;
      if (node.ns !== NS_M) throw schemaError(node, `The element '${node.local}' in namespace '${node.ns}' is not an EWS operation.`);
      const op = this.operations.get(node.local);
      if (!op) {
        if (NOT_IMPLEMENTED.has(node.local)) throw new EwsFault('ErrorInvalidOperation', `The EWS simulator does not implement ${node.local}.`);
        throw schemaError(node, `The element '${node.local}' in namespace '${NS_M}' is not a known operation.`);
      }
      const user = this.actingUser(principal, req.impersonation?.value);
      mailboxes.clear();
      mailboxes.add(user.smtp);
      const tz = req.timeZoneContextId === undefined ? undefined : resolveZone(req.timeZoneContextId);
      if (req.timeZoneContextId !== undefined && !tz) throw new EwsFault('ErrorTimeZone');
      const parsed = op.parse(node);
      const injected = inject?.({ operation: op.name, user });
      if (injected?.form === 'fault') throw new EwsFault(injected.code, injected.text, injected.messageXml);
      let messages: ResponseMessage[];
      const ctx = new OpContext(this.store, user, req.requestVersion, tz);
      if (injected) {
        messages = Array.from({ length: op.slots(parsed) }, () => ({
          cls: 'Error' as const, code: injected.code, text: injected.text, messageXml: injected.messageXml, content: op.errorContent,
        }));
      } else {
        messages = op.execute(parsed, ctx);
      }
      for (const m of ctx.touched) mailboxes.add(m);
      return {
        status: 200, body: successEnvelope(this.server(), writeResponse(op.name, messages)), operation,
        mailboxes: [...mailboxes], responseCodes: messages.map((m) => m.code), ...(impersonated !== undefined ? { impersonated } : {}),
      };
    } catch (err) {
      if (!(err instanceof EwsFault)) throw err;
      return { status: 500, body: faultEnvelope(err), operation, mailboxes: [...mailboxes], responseCodes: [err.code], ...(impersonated !== undefined ? { impersonated } : {}) };
    }
  }

  /** ExchangeImpersonation (EWS-NOTES §1.3, WSR/exchangeimpersonation): only principals allowed to impersonate. */
  private actingUser(principal: Mailbox, impersonated: string | undefined): Mailbox {
    if (principal.appOnly) return this.appTarget(principal.appOnly, impersonated);
    if (impersonated === undefined) return principal;
    const target = this.store.mailbox(impersonated);
    if (!principal.canImpersonate) throw new EwsFault('ErrorImpersonateUserDenied');
    if (!target) throw new EwsFault('ErrorNonExistentMailbox');
    return target;
  }

  /** App-only tokens (full_access_as_app) act only through impersonation, within the app's RBAC/AAP scope. */
  private appTarget(app: NonNullable<Mailbox['appOnly']>, impersonated: string | undefined): Mailbox {
    if (impersonated === undefined) {
      // Exchange Online's answer, [observed] (OAUTH-NOTES §5).
      throw new EwsFault('ErrorInvalidExchangeImpersonationHeaderData', 'ExchangeImpersonation SOAP header must be present for this type of OAuth token.');
    }
    const target = this.store.mailbox(impersonated);
    if (!target) throw new EwsFault('ErrorNonExistentMailbox');
    if (!app.mayImpersonate(target.smtp)) throw new EwsFault('ErrorImpersonateUserDenied');
    return target;
  }
}
