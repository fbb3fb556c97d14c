// The parse half of bench/ical.ts's "EWS XML → iCalendar": GetItem response XML (100 objects per
// response, ./ical-ews-input.ts) → streaming reader → ParsedCalendarItem → CalendarObject, without
// rendering. Baselines alternate with it in the same run so the figures read relative to this
// machine under whatever load it has: a bare scan of the same text for every `<` and `>` (the
// least any tokenizer must do) and JSON.parse of the resulting objects as JSON (what the same data
// would cost from a JSON API).
// Usage: node --import tsx --expose-gc bench/ews-items.ts [count]   (target: ≤ 250 ms for 10,000 objects)

import { assemble, buildGetItemResponses, parseGetItem, type EwsBatch } from './ical-ews-input.js';

const COUNT = Number(process.argv[2] ?? 10_000);
const ROUNDS = 7;

function scan(batches: EwsBatch[]): number {
  let n = 0;
  for (const b of batches) {
    const x = b.xml;
    for (let i = x.indexOf('<'); i >= 0; i = x.indexOf('<', x.indexOf('>', i))) n++;
  }
  return n;
}

function parseAll(batches: EwsBatch[]): number {
  let n = 0;
  for (const b of batches) n += assemble(parseGetItem(b)).length;
  return n;
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const batches = buildGetItemResponses(COUNT);
const mib = batches.reduce((n, b) => n + b.xml.length, 0) / 1048576;
const messages = batches.reduce((n, b) => n + b.messages, 0);
const json = JSON.stringify(batches.flatMap((b) => assemble(parseGetItem(b))));
console.log(`input: ${batches.length} GetItem responses, ${messages} CalendarItems for ${COUNT} objects, ${mib.toFixed(1)} MiB; JSON of the objects ${(json.length / 1048576).toFixed(1)} MiB`);
for (let i = 0; i < 2; i++) parseAll(batches);

const gc = (globalThis as { gc?: () => void }).gc;
const rows: Record<string, number[]> = { scan: [], json: [], parse: [] };
let objects = 0;
let tags = 0;
for (let round = 0; round < ROUNDS; round++) {
  gc?.();
  rows.scan!.push(time(() => (tags = scan(batches))));
  gc?.();
  rows.json!.push(time(() => JSON.parse(json)));
  gc?.();
  rows.parse!.push(time(() => (objects = parseAll(batches))));
}
if (objects !== COUNT) throw new Error(`assembled ${objects} objects, expected ${COUNT}`);

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
};
const line = (label: string, xs: number[], extra = '') => {
  const { best, median } = stat(xs);
  console.log(`${label.padEnd(34)} best ${best.toFixed(1).padStart(7)} ms   median ${median.toFixed(1).padStart(7)} ms${extra}`);
};
line(`baseline: scan ${tags} tags`, rows.scan!);
line('baseline: JSON.parse of the objects', rows.json!);
const p = stat(rows.parse!);
line('XML → CalendarObject', rows.parse!, `   ${Math.round((COUNT / p.best) * 1000)} objects/s, ${(mib / (p.best / 1000)).toFixed(0)} MiB/s (best)`);
console.log(`parse / scan ${(p.best / stat(rows.scan!).best).toFixed(2)}x   parse / JSON.parse ${(p.best / stat(rows.json!).best).toFixed(2)}x (best)`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
