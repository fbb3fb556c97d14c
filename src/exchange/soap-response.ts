// The SOAP envelope of every EWS response (EWS-NOTES §2.4, §14.1): ServerVersionInfo in the
// header, either a Fault or `m:<Op>Response/m:ResponseMessages/m:<Op>ResponseMessage*` in the body.
// This module knows the envelope and the common message fields; what sits inside a message is the
// operation's business (its MessageSpec), streamed one child element at a time.

import { NS_ERRORS, NS_MESSAGES, NS_SOAP, NS_TYPES } from './namespaces.js';
import { child, childText, type XmlElement, type XmlHandler } from './xml-reader.js';

export type ResponseClass = 'Success' | 'Warning' | 'Error';

/** How an operation streams the inside of one response message. */
export interface MessageSpec<S> {
  /** Elements (messages namespace or types namespace) that only wrap more elements: streamed through, not captured. */
  readonly containers: ReadonlySet<string>;
  /** Fresh per-message state. */
  init(): S;
  /** A container opened (RootFolder carries the paging attributes). */
  container?(state: S, name: string, attrs: Readonly<Record<string, string>>): void;
  /** A complete child of the message or of a container, in document order. */
  child(state: S, el: XmlElement, parent: string): void;
}

export interface ResponseMessage<S> {
  responseClass: ResponseClass;
  /** 'NoError' on success. */
  responseCode: string;
  messageText?: string;
  /** MessageXml `t:Value Name="…"` pairs: BackOffMilliseconds, InnerErrorResponseCode, PolicyLimit … */
  messageXml: Record<string, string>;
  data: S;
}

export interface ServerVersionInfo {
  majorVersion?: number;
  minorVersion?: number;
  majorBuildNumber?: number;
  minorBuildNumber?: number;
  /** Schema version the server answered with, e.g. 'V2018_01_08' or 'Exchange2016'. */
  version?: string;
}

export interface SoapFault {
  faultCode: string;
  faultString: string;
  /** detail/e:ResponseCode, falling back to the faultcode's local part. */
  responseCode?: string;
  message?: string;
  messageXml: Record<string, string>;
}

export interface SoapResponse<S> {
  serverVersion?: ServerVersionInfo;
  fault?: SoapFault;
  messages: ResponseMessage<S>[];
}

// Depths inside the envelope: Envelope 0, Header/Body 1, ServerVersionInfo/Fault/<Op>Response 2,
// ResponseMessages 3, <Op>ResponseMessage 4, message children 5 and deeper for containers.
const MESSAGE_DEPTH = 4;

/** Collects `<t:Value Name="…">…</t:Value>` pairs of a MessageXml element. */
export function messageXmlValues(el: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!el) return out;
  for (const c of el.children) {
    if (c.name === 'Value' && c.attrs.Name) out[c.attrs.Name] = c.text.trim();
    // Schema violations put LineNumber / LinePosition / Violation here as elements.
    else if (c.children.length === 0 && c.text.trim()) out[c.name] = c.text.trim();
  }
  return out;
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : undefined;
}

function parseFault(el: XmlElement): SoapFault {
  // faultcode/faultstring/detail are unqualified (SOAP 1.1 §4.4); accept them in any namespace.
  const pick = (parent: XmlElement | undefined, name: string) => parent?.children.find((c) => c.name === name);
  const detail = pick(el, 'detail');
  const faultCode = (pick(el, 'faultcode')?.text ?? '').trim();
  const local = faultCode.includes(':') ? faultCode.slice(faultCode.indexOf(':') + 1) : faultCode;
  const detailCode = childText(detail, NS_ERRORS, 'ResponseCode')?.trim();
  return {
    faultCode,
    faultString: (pick(el, 'faultstring')?.text ?? '').trim(),
    responseCode: detailCode || (local.startsWith('Error') ? local : undefined),
    message: childText(detail, NS_ERRORS, 'Message')?.trim(),
    messageXml: messageXmlValues(child(detail, NS_TYPES, 'MessageXml') ?? detail?.children.find((c) => c.name === 'MessageXml')),
  };
}

/** An XmlHandler that fills `out` from one EWS response document. */
export function soapResponseHandler<S>(spec: MessageSpec<S>, out: SoapResponse<S>): XmlHandler {
  let current: ResponseMessage<S> | undefined;
  // Names of open containers inside the current message, innermost last.
  const containerStack: string[] = [];
  return {
    open(depth, ns, name, attrs) {
      if (depth === 0) {
        if (ns !== NS_SOAP || name !== 'Envelope') throw new Error(`not a SOAP envelope: <${name}> in ${ns || 'no namespace'}`);
        return false;
      }
      if (depth === 2 && name === 'ServerVersionInfo' && ns === NS_TYPES) {
        out.serverVersion = {
          majorVersion: toInt(attrs.MajorVersion),
          minorVersion: toInt(attrs.MinorVersion),
          majorBuildNumber: toInt(attrs.MajorBuildNumber),
          minorBuildNumber: toInt(attrs.MinorBuildNumber),
          version: attrs.Version,
        };
        return false;
      }
      if (depth === 2 && name === 'Fault' && ns === NS_SOAP) return true;
      if (depth === MESSAGE_DEPTH && ns === NS_MESSAGES && name.endsWith('ResponseMessage')) {
        const responseClass = (attrs.ResponseClass ?? 'Success') as ResponseClass;
        current = { responseClass, responseCode: responseClass === 'Error' ? 'ErrorUnknown' : 'NoError', messageXml: {}, data: spec.init() };
        out.messages.push(current);
        return false;
      }
      if (current && depth > MESSAGE_DEPTH) {
        if (depth === containerStack.length + MESSAGE_DEPTH + 1 && spec.containers.has(name) && (ns === NS_MESSAGES || ns === NS_TYPES)) {
          containerStack.push(name);
          spec.container?.(current.data, name, attrs);
          return false;
        }
        return depth === containerStack.length + MESSAGE_DEPTH + 1;
      }
      return false;
    },
    element(depth, el) {
      if (depth === 2) {
        out.fault = parseFault(el);
        return;
      }
      if (!current) return;
      if (depth === MESSAGE_DEPTH + 1 && el.ns === NS_MESSAGES) {
        switch (el.name) {
          case 'ResponseCode':
            current.responseCode = el.text.trim();
            return;
          case 'MessageText':
            current.messageText = el.text.trim();
            return;
          case 'DescriptiveLinkKey':
            return;
          case 'MessageXml':
            current.messageXml = messageXmlValues(el);
            return;
        }
      }
      spec.child(current.data, el, containerStack[containerStack.length - 1] ?? 'message');
    },
    close(depth) {
      if (depth === MESSAGE_DEPTH) current = undefined;
      else if (current && depth > MESSAGE_DEPTH && containerStack.length > 0 && depth === containerStack.length + MESSAGE_DEPTH) {
        containerStack.pop();
      }
    },
  };
}

export function emptySoapResponse<S>(): SoapResponse<S> {
  return { messages: [] };
}
