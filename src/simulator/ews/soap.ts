// SOAP 1.1 envelopes: reading the request envelope and its EWS headers, writing success
// envelopes (ServerVersionInfo header, EWS-NOTES §2.4) and faults (§14.1).

import { type XmlNode, XmlParseError, parseXml } from '../xml/parser.js';
import { XmlWriter, escapeText } from '../xml/writer.js';
import { EwsFault, SchemaError } from './errors.js';
import { NS_E, NS_SOAP, NS_T, NS_XSD, NS_XSI } from './namespaces.js';
import { schemaError } from './schema.js';

/** ExchangeVersionType in schema order (types.xsd; EWS-NOTES §2.3). */
export const EXCHANGE_VERSIONS = [
  'Exchange2007', 'Exchange2007_SP1', 'Exchange2009', 'Exchange2010', 'Exchange2010_SP1', 'Exchange2010_SP2',
  'Exchange2013', 'Exchange2013_SP1', 'Exchange2015', 'Exchange2016', 'V2015_10_05', 'V2016_01_06', 'V2016_04_13',
  'V2016_07_13', 'V2016_10_10', 'V2017_01_07', 'V2017_04_14', 'V2017_07_11', 'V2017_10_09', 'V2018_01_08',
] as const;

export interface ServerVersion {
  majorVersion: number;
  minorVersion: number;
  majorBuildNumber: number;
  minorBuildNumber: number;
  /** Newest request version the server understands, also written in ServerVersionInfo. */
  version: (typeof EXCHANGE_VERSIONS)[number];
  /** On-prem servers declare xmlns:xsi/xsd on s:Body; Exchange Online does not. */
  flavour: 'online' | 'onprem';
}

export const EXCHANGE_ONLINE: ServerVersion = {
  majorVersion: 15, minorVersion: 20, majorBuildNumber: 8769, minorBuildNumber: 25, version: 'V2018_01_08', flavour: 'online',
};
export const EXCHANGE_2016: ServerVersion = {
  majorVersion: 15, minorVersion: 1, majorBuildNumber: 2507, minorBuildNumber: 39, version: 'V2017_07_11', flavour: 'onprem',
};

export interface Impersonation { kind: 'PrimarySmtpAddress' | 'SmtpAddress' | 'PrincipalName' | 'SID'; value: string }

export interface SoapRequest {
  body: XmlNode;
  requestVersion: string;
  impersonation?: Impersonation;
  timeZoneContextId?: string;
}

/** Parses and checks the envelope; throws SchemaError / EwsFault as Exchange would. */
export function readEnvelope(xml: string, server: ServerVersion): SoapRequest {
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlParseError) throw new SchemaError(err.message, err.line, err.column);
    throw err;
  }
  if (root.ns !== NS_SOAP || root.local !== 'Envelope') {
    throw schemaError(root, `The root element must be 'Envelope' in namespace '${NS_SOAP}'.`);
  }
  let header: XmlNode | undefined;
  let body: XmlNode | undefined;
  for (const c of root.children) {
    if (c.ns === NS_SOAP && c.local === 'Header' && !header && !body) header = c;
    else if (c.ns === NS_SOAP && c.local === 'Body' && !body) body = c;
    else throw schemaError(c, `The element 'Envelope' in namespace '${NS_SOAP}' has invalid child element '${c.local}'.`);
  }
  if (!body) throw schemaError(root, `The element 'Envelope' in namespace '${NS_SOAP}' has incomplete content. List of possible elements expected: 'Body'.`);
  const op = body.children[0];
  if (!op || body.children.length !== 1) throw schemaError(body, 'The SOAP Body must contain exactly one operation element.');

  const req: SoapRequest = { body: op, requestVersion: 'Exchange2007_SP1' };
  for (const h of header?.children ?? []) {
    if (h.ns !== NS_T) continue; // WCF ignores headers it does not know unless mustUnderstand
    if (h.local === 'RequestServerVersion') {
      const v = h.attrs.get('Version');
      if (v === undefined) throw schemaError(h, "The required attribute 'Version' is missing.");
      const idx = (EXCHANGE_VERSIONS as readonly string[]).indexOf(v);
      if (idx < 0 || idx > EXCHANGE_VERSIONS.indexOf(server.version)) throw new EwsFault('ErrorInvalidServerVersion');
      req.requestVersion = v;
    } else if (h.local === 'ExchangeImpersonation') {
      const sid = h.children.find((c) => c.local === 'ConnectingSID' && c.ns === NS_T);
      const id = sid?.children[0];
      if (!id || id.ns !== NS_T || !['PrimarySmtpAddress', 'SmtpAddress', 'PrincipalName', 'SID'].includes(id.local)) {
        throw schemaError(h, "The element 'ExchangeImpersonation' has incomplete content. List of possible elements expected: 'ConnectingSID'.");
      }
      req.impersonation = { kind: id.local as Impersonation['kind'], value: id.text.trim() };
    } else if (h.local === 'TimeZoneContext') {
      const def = h.children.find((c) => c.local === 'TimeZoneDefinition' && c.ns === NS_T);
      const id = def?.attrs.get('Id');
      if (!id) throw schemaError(h, "The element 'TimeZoneContext' has incomplete content. List of possible elements expected: 'TimeZoneDefinition'.");
      req.timeZoneContextId = id;
    }
  }
  return req;
}

const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>';

export function successEnvelope(server: ServerVersion, bodyXml: string): string {
  const w = new XmlWriter();
  w.raw(XML_DECL).open('s:Envelope', { 'xmlns:s': NS_SOAP }).open('s:Header');
  w.empty('h:ServerVersionInfo', {
    MajorVersion: server.majorVersion, MinorVersion: server.minorVersion, MajorBuildNumber: server.majorBuildNumber,
    MinorBuildNumber: server.minorBuildNumber, Version: server.version,
    'xmlns:h': NS_T, xmlns: NS_T, 'xmlns:xsd': NS_XSD, 'xmlns:xsi': NS_XSI,
  });
  w.close('s:Header');
  w.open('s:Body', server.flavour === 'onprem' ? { 'xmlns:xsi': NS_XSI, 'xmlns:xsd': NS_XSD } : undefined);
  w.raw(bodyXml).close('s:Body').close('s:Envelope');
  return w.toString();
}

/** A fault envelope; faults carry no SOAP header (EWS-NOTES §2.4). */
export function faultEnvelope(fault: EwsFault): string {
  const faultString = fault.faultString ?? fault.message;
  return XML_DECL
    + `<s:Envelope xmlns:s="${NS_SOAP}"><s:Body><s:Fault>`
    + `<faultcode xmlns:a="${NS_T}">a:${fault.code}</faultcode>`
    + `<faultstring xml:lang="en-US">${escapeText(faultString)}</faultstring>`
    + '<detail>'
    + `<e:ResponseCode xmlns:e="${NS_E}">${fault.code}</e:ResponseCode>`
    + `<e:Message xmlns:e="${NS_E}">${escapeText(fault.message)}</e:Message>`
    + (fault.messageXml ? `<t:MessageXml xmlns:t="${NS_T}">${fault.messageXml}</t:MessageXml>` : '')
    + '</detail></s:Fault></s:Body></s:Envelope>';
}
