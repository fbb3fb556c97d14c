// Test helpers: hand-written SOAP requests over real HTTP (never the project's EWS client)
// and a tiny reader for the responses.

import { type XmlNode, parseXml } from '../../src/simulator/xml/parser.js';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  m: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  t: 'http://schemas.microsoft.com/exchange/services/2006/types',
  e: 'http://schemas.microsoft.com/exchange/services/2006/errors',
};

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export const DEMO = basic('demo@example.com', 'demo');
export const ALEX = basic('alex@example.com', 'alex');

export interface SoapOptions {
  auth?: string;
  version?: string | null;
  headers?: string;
  httpHeaders?: Record<string, string>;
}

export function envelope(body: string, opts: SoapOptions = {}): string {
  const version = opts.version === null ? '' : `<t:RequestServerVersion Version="${opts.version ?? 'Exchange2016'}"/>`;
  return '<?xml version="1.0" encoding="utf-8"?>'
    + `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:t="${NS.t}" xmlns:m="${NS.m}">`
    + `<soap:Header>${version}${opts.headers ?? ''}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export interface SoapResult { status: number; text: string; doc?: XmlNode; headers: Headers }

export async function post(url: string, payload: string, opts: SoapOptions = {}): Promise<SoapResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', authorization: opts.auth ?? DEMO, ...opts.httpHeaders },
    body: payload,
  });
  const text = await res.text();
  let doc: XmlNode | undefined;
  if (text.startsWith('<?xml')) doc = parseXml(text);
  return { status: res.status, text, doc, headers: res.headers };
}

export function soap(url: string, body: string, opts: SoapOptions = {}): Promise<SoapResult> {
  return post(url, envelope(body, opts), opts);
}

export function all(node: XmlNode | undefined, local: string, out: XmlNode[] = []): XmlNode[] {
  if (!node) return out;
  for (const c of node.children) {
    if (c.local === local) out.push(c);
    all(c, local, out);
  }
  return out;
}

export function first(node: XmlNode | undefined, local: string): XmlNode | undefined {
  return all(node, local)[0];
}

export function text(node: XmlNode | undefined, local: string): string | undefined {
  return first(node, local)?.text;
}

export function childNames(node: XmlNode | undefined): string[] {
  return node ? node.children.map((c) => c.local) : [];
}

/** Response messages of any operation, as [ResponseClass, ResponseCode, node]. */
export function messages(doc: XmlNode | undefined): Array<{ cls: string; code: string; node: XmlNode }> {
  const rm = first(doc, 'ResponseMessages');
  return (rm?.children ?? []).map((n) => ({ cls: n.attrs.get('ResponseClass') ?? '', code: text(n, 'ResponseCode') ?? '', node: n }));
}

export const itemShape = (base: string, fields: string[] = [], extra = ''): string =>
  `<m:ItemShape><t:BaseShape>${base}</t:BaseShape>${extra}${fields.length ? `<t:AdditionalProperties>${fields.map((f) => `<t:FieldURI FieldURI="${f}"/>`).join('')}</t:AdditionalProperties>` : ''}</m:ItemShape>`;

export const getItemBody = (ids: string[], shape = itemShape('IdOnly')): string =>
  `<m:GetItem>${shape}<m:ItemIds>${ids.join('')}</m:ItemIds></m:GetItem>`;

export const calendarView = (start: string, end: string, max?: number, fields: string[] = ['item:Subject', 'calendar:Start', 'calendar:End', 'calendar:CalendarItemType'], folder = '<t:DistinguishedFolderId Id="calendar"/>'): string =>
  `<m:FindItem Traversal="Shallow">${itemShape('IdOnly', fields)}<m:CalendarView${max === undefined ? '' : ` MaxEntriesReturned="${max}"`} StartDate="${start}" EndDate="${end}"/><m:ParentFolderIds>${folder}</m:ParentFolderIds></m:FindItem>`;

export const syncBody = (max: number, state?: string, folder = '<t:DistinguishedFolderId Id="calendar"/>', shape = itemShape('IdOnly')): string =>
  `<m:SyncFolderItems>${shape}<m:SyncFolderId>${folder}</m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ''}<m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`;
