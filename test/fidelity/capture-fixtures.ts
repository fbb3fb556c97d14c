// Writes fixtures/ews-ical/<case>.xml for every case of ./cases.ts: the GetItem response the
// simulator (Exchange Online or Exchange 2016 shape) sends for the client's own request, with the
// modified occurrences' GetItem messages appended after the master's (the convention in
// fixtures/ews-ical/README.md). Not a test: run by hand, then review the XML and the goldens.
//   node --import tsx test/fidelity/capture-fixtures.ts

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildEnvelope } from '../../src/exchange/envelope.js';
import { getItemRequest } from '../../src/exchange/operations/get-item.js';
import { startSimulator } from '../../src/simulator/index.js';
import { CAPTURE_NOW, CASES, MAILBOX, MAILBOX_ZONE, type FidelityCase } from './cases.js';

const OUT = fileURLToPath(new URL('../../fixtures/ews-ical/', import.meta.url));
const PASSWORD = 'capture';

async function getItemXml(ewsUrl: string, ids: string[]): Promise<string> {
  const body = buildEnvelope({ version: 'Exchange2016', body: getItemRequest({ ids: ids.map((id) => ({ kind: 'item', id })), bodyType: 'Best' }, 'Exchange2016') });
  const res = await fetch(ewsUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`${MAILBOX}:${PASSWORD}`).toString('base64')}` },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GetItem: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

const MESSAGE = /<m:GetItemResponseMessage\b[\s\S]*?<\/m:GetItemResponseMessage>/g;

async function capture(server: 'online' | 'exchange2016', cases: FidelityCase[]): Promise<void> {
  const sim = await startSimulator({
    serverVersion: server,
    secret: 'ews-ical-fixtures',
    now: CAPTURE_NOW,
    mailboxes: { mailboxes: [{ smtp: MAILBOX, displayName: 'Mara Lindqvist', password: PASSWORD, timeZone: MAILBOX_ZONE, items: cases.map((c) => ({ ...c.item, key: c.name })) }] },
  });
  try {
    const byKey = new Map(sim.control.items(MAILBOX).map((i) => [i.key, i.itemId]));
    for (const c of cases) {
      const master = await getItemXml(sim.ewsUrl, [byKey.get(c.name)!]);
      const modified = /<t:ModifiedOccurrences>([\s\S]*?)<\/t:ModifiedOccurrences>/.exec(master)?.[1] ?? '';
      const ids = [...modified.matchAll(/<t:Occurrence><t:ItemId Id="([^"]+)"/g)].map((m) => m[1]!);
      let doc = master;
      if (ids.length > 0) {
        const extra = (await getItemXml(sim.ewsUrl, ids)).match(MESSAGE) ?? [];
        if (extra.length !== ids.length) throw new Error(`${c.name}: ${extra.length} messages for ${ids.length} occurrences`);
        doc = master.replace('</m:ResponseMessages>', `${extra.join('')}</m:ResponseMessages>`);
      }
      writeFileSync(`${OUT}${c.name}.xml`, doc.endsWith('\n') ? doc : `${doc}\n`);
    }
  } finally {
    await sim.close();
  }
}

await capture('online', CASES.filter((c) => (c.server ?? 'online') === 'online'));
await capture('exchange2016', CASES.filter((c) => c.server === 'exchange2016'));
console.log(`wrote ${CASES.length} documents to ${OUT}`);
