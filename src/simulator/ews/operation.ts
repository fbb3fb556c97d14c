// The shape every operation module shares (one module per operation, STYLE §5) and the
// writer of `m:<Op>Response / m:ResponseMessages / m:<Op>ResponseMessage` with the element
// order of messages.xsd ResponseMessageType: MessageText, ResponseCode, DescriptiveLinkKey,
// MessageXml, then the operation's own content (EWS-NOTES §14.1).

import type { XmlNode } from '../xml/parser.js';
import { escapeText } from '../xml/writer.js';
import type { OpContext } from './context.js';
import { EwsError } from './errors.js';
import { NS_M, NS_T } from './namespaces.js';

export interface ResponseMessage {
  cls: 'Success' | 'Warning' | 'Error';
  code: string;
  text?: string;
  /** Inner XML of m:MessageXml (t: elements). */
  messageXml?: string;
  /** Operation content after the standard elements. */
  content: string;
}

export interface EwsOperation<Req> {
  /** Body element name, e.g. `GetItem` (WSR/getitem-operation). */
  name: string;
  parse(node: XmlNode): Req;
  execute(req: Req, ctx: OpContext): ResponseMessage[];
  /** Number of response messages a request produces (used for injected per-message errors). */
  slots(req: Req): number;
  /** Content an error slot of this operation still carries (e.g. an empty `m:Items`). */
  errorContent: string;
}

export function success(content: string): ResponseMessage {
  return { cls: 'Success', code: 'NoError', content };
}

export function errorMessage(err: EwsError, content: string): ResponseMessage {
  return { cls: 'Error', code: err.code, text: err.message, messageXml: err.messageXml, content };
}

/** Runs `fn` for one slot, turning an EwsError into that slot's error message. */
export function slot(errorContent: string, fn: () => ResponseMessage): ResponseMessage {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EwsError) return errorMessage(err, errorContent);
    throw err;
  }
}

export function writeResponse(name: string, messages: readonly ResponseMessage[]): string {
  const parts: string[] = [`<m:${name}Response xmlns:m="${NS_M}" xmlns:t="${NS_T}"><m:ResponseMessages>`];
  for (const m of messages) {
    parts.push(`<m:${name}ResponseMessage ResponseClass="${m.cls}">`);
    if (m.cls !== 'Success') parts.push(`<m:MessageText>${escapeText(m.text ?? m.code)}</m:MessageText>`);
    parts.push(`<m:ResponseCode>${m.code}</m:ResponseCode>`);
    if (m.cls !== 'Success') parts.push('<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>');
    if (m.messageXml) parts.push(`<m:MessageXml>${m.messageXml}</m:MessageXml>`);
    parts.push(m.content, `</m:${name}ResponseMessage>`);
  }
  parts.push(`</m:ResponseMessages></m:${name}Response>`);
  return parts.join('');
}
