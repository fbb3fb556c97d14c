// Shared by the exchange tests: run a fixture document through the same streaming reader and
// response checks the transport uses (no HTTP), and render results as reviewable JSON.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EwsdavError } from '../../src/errors.js';
import { checkResponse } from '../../src/exchange/errors.js';
import type { ExchangeVersion } from '../../src/exchange/namespaces.js';
import type { EwsOperation, ResultContext } from '../../src/exchange/operation.js';
import { findFolder } from '../../src/exchange/operations/find-folder.js';
import { findItem } from '../../src/exchange/operations/find-item.js';
import { getFolder } from '../../src/exchange/operations/get-folder.js';
import { getItem, type GetItemArgs } from '../../src/exchange/operations/get-item.js';
import { syncFolderItems } from '../../src/exchange/operations/sync-folder-items.js';
import { emptySoapResponse, soapResponseHandler, type MessageSpec } from '../../src/exchange/soap-response.js';
import { SaxesParser } from 'saxes';
import { readXml, type XmlElement } from '../../src/exchange/xml-reader.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/ews/', import.meta.url));

export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

const NOTHING: MessageSpec<Record<string, never>> = { containers: new Set(), init: () => ({}), child: () => undefined };

/* eslint-disable @typescript-eslint/no-explicit-any */
const OPS: Record<string, { op: EwsOperation<any, any, any>; args: (count: number) => unknown }> = {
  'get-item': { op: getItem, args: (n) => ({ ids: Array.from({ length: n }, (_, i) => ({ kind: 'item', id: `requested-${i}` })) }) satisfies GetItemArgs },
  'get-folder': { op: getFolder, args: (n) => ({ folders: Array.from({ length: n }, () => ({ distinguished: 'calendar' })) }) },
  'find-folder': { op: findFolder, args: () => ({ parent: { distinguished: 'msgfolderroot' }, offset: 0 }) },
  'find-item': { op: findItem, args: () => ({ folder: { distinguished: 'calendar' }, start: 0, end: 1, maxEntries: 4 }) },
  'sync-folder-items': { op: syncFolderItems, args: () => ({ folder: { distinguished: 'calendar' } }) },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface FixtureOutcome {
  serverVersion?: unknown;
  result?: unknown;
  error?: { code: string; category: string; message: string; details: Record<string, unknown> };
}

/** Parse `fixtures/ews/<dir>/<case>.xml` as the operation of `dir` would ('faults': any operation). */
export function runFixture(dir: string, xml: string, version: ExchangeVersion = 'Exchange2016'): FixtureOutcome {
  const entry = OPS[dir];
  const spec = entry ? entry.op.response(entry.args(0), { version, mailbox: 'mara@contoso.com' }) : NOTHING;
  const parsed = emptySoapResponse<unknown>();
  readXml(xml, soapResponseHandler(spec as MessageSpec<unknown>, parsed));
  const ctx: ResultContext = {
    version,
    mailbox: 'mara@contoso.com',
    url: new URL('https://outlook.office365.com/EWS/Exchange.asmx'),
    operation: entry?.op.name ?? 'Fixture',
    serverVersion: parsed.serverVersion,
  };
  const out: FixtureOutcome = {};
  if (parsed.serverVersion) out.serverVersion = parsed.serverVersion;
  try {
    checkResponse(parsed, entry?.op.slotErrors, ctx, parsed.fault ? 500 : 200);
    out.result = entry ? entry.op.result(parsed.messages, entry.args(parsed.messages.length), ctx) : parsed.messages;
  } catch (err) {
    if (!(err instanceof EwsdavError)) throw err;
    out.error = { code: err.code, category: err.category, message: err.message, details: { ...err.details } };
  }
  return out;
}

const TIME_KEYS = new Set(['utc', 'created', 'lastModified', 'stamp', 'startUtc', 'endUtc', 'start', 'end', 'originalStart']);

/** JSON with instants as ISO strings, so expected files can be read and checked by a person. */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(
      value,
      function (key, v: unknown) {
        if (typeof v === 'number' && TIME_KEYS.has(key)) return new Date(v).toISOString();
        if (key === 'deletedOccurrences' && Array.isArray(v) && v.every((x) => typeof x === 'number')) return v.map((x: number) => new Date(x).toISOString());
        return v;
      },
      2,
    ) + '\n'
  );
}

/** The reference: saxes with namespaces, the tree the old reader built (attributes by local name, xmlns left out). */
export function saxesTree(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) if (a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs[a.local] = a.value;
    const el: XmlElement = { ns: tag.uri ?? '', name: tag.local ?? tag.name, attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else root = el;
    stack.push(el);
  });
  const onText = (text: string) => {
    if (stack.length) stack[stack.length - 1]!.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => void stack.pop());
  parser.on('error', (e) => {
    throw e;
  });
  parser.write(xml).close();
  // Plain JSON: what a comparison should look at.
  return JSON.parse(JSON.stringify(root)) as XmlElement;
}
