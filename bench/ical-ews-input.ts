// Input and pipeline for the EWS XML → iCalendar part of bench/ical.ts: GetItem responses of 100
// calendar objects each, made from the fixtures/ews-ical documents (real response shapes: singles,
// meetings, series with modified and deleted occurrences, all-day, several zones incl. a custom one)
// with unique ItemIds and UIDs, and the conversion the bridge performs on them.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleCalendarObject } from '../src/exchange/assemble.js';
import { getItem, type GetItemSlot } from '../src/exchange/operations/get-item.js';
import type { ParsedCalendarItem } from '../src/exchange/parse-calendar-item.js';
import { emptySoapResponse, soapResponseHandler } from '../src/exchange/soap-response.js';
import { XmlStreamReader } from '../src/exchange/xml-reader.js';
import { renderCalendarObject } from '../src/ical/render.js';
import type { CalendarObject } from '../src/model/index.js';

const DIR = fileURLToPath(new URL('../fixtures/ews-ical/', import.meta.url));
const MESSAGE = /<m:GetItemResponseMessage\b[\s\S]*?<\/m:GetItemResponseMessage>/g;
const CHUNK = 64 * 1024;
const PER_RESPONSE = 100;

export interface EwsBatch {
  xml: string;
  /** Response messages (CalendarItems: masters and singles, each series followed by its exceptions). */
  messages: number;
  objects: number;
}

/** Documents of `count` calendar objects, PER_RESPONSE objects per GetItem response. */
export function buildGetItemResponses(count: number): EwsBatch[] {
  // Only documents written with Exchange Online's m:/t: prefixes: their messages can share one envelope.
  const sources = readdirSync(DIR).filter((f) => f.endsWith('.xml')).sort().map((f) => readFileSync(DIR + f, 'utf8').trim()).filter((x) => x.includes('<m:GetItemResponseMessage'));
  const envelope = sources[0]!;
  const head = envelope.slice(0, envelope.indexOf('<m:ResponseMessages>') + '<m:ResponseMessages>'.length);
  const tail = envelope.slice(envelope.indexOf('</m:ResponseMessages>'));
  const batches: EwsBatch[] = [];
  for (let first = 0; first < count; first += PER_RESPONSE) {
    const parts: string[] = [];
    let messages = 0;
    const n = Math.min(PER_RESPONSE, count - first);
    for (let i = first; i < first + n; i++) {
      // Every ItemId of one copy gets the same suffix, so ModifiedOccurrences still names its exceptions.
      const doc = sources[i % sources.length]!.replace(/(ItemId Id=")([^"]+)"/g, `$1$2${i}"`).replace(/<t:UID>([^<]+)<\/t:UID>/g, `<t:UID>$1-${i}</t:UID>`);
      const found = doc.match(MESSAGE) ?? [];
      messages += found.length;
      parts.push(...found);
    }
    batches.push({ xml: head + parts.join('') + tail, messages, objects: n });
  }
  return batches;
}

/** The streaming reader and GetItem parser, fed in 64 KiB chunks as the transport does. */
export function parseGetItem(batch: EwsBatch): ParsedCalendarItem[] {
  const args = { ids: Array.from({ length: batch.messages }, (_, i) => ({ kind: 'item' as const, id: String(i) })) };
  const spec = getItem.response(args, { version: 'Exchange2016', mailbox: 'mara@contoso.com' });
  const out = emptySoapResponse<Parameters<typeof spec.child>[0]>();
  const reader = new XmlStreamReader(soapResponseHandler(spec, out));
  for (let i = 0; i < batch.xml.length; i += CHUNK) reader.write(batch.xml.slice(i, i + CHUNK));
  reader.close();
  const ctx = { version: 'Exchange2016' as const, mailbox: 'mara@contoso.com', url: new URL('https://outlook.office365.com/EWS/Exchange.asmx'), operation: 'GetItem' };
  return (getItem.result(out.messages, args, ctx) as GetItemSlot[]).map((s) => {
    if (!s.ok) throw new Error(`${s.code}: ${s.message ?? ''}`);
    return s.item;
  });
}

/** Masters/singles with their exceptions, as EwsCalendarSource.fetchObjects assembles them. */
export function assemble(items: ParsedCalendarItem[]): CalendarObject[] {
  const byId = new Map(items.map((i) => [i.itemId, i]));
  return items
    .filter((i) => i.itemType === 'Single' || i.itemType === 'RecurringMaster')
    .map((m) => assembleCalendarObject(m, m.modifiedOccurrences.map((o) => byId.get(o.itemId)).filter((x): x is ParsedCalendarItem => x !== undefined)));
}

/** EWS XML → iCalendar for one response; returns the characters written. */
export function convertBatch(batch: EwsBatch): number {
  let chars = 0;
  for (const obj of assemble(parseGetItem(batch))) chars += renderCalendarObject(obj, { ownerEmail: 'mara@contoso.com' }).length;
  return chars;
}
