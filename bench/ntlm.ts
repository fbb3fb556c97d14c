// EWS calls per second and HTTP requests per call through `ntlm` versus `basic`, in the same run,
// against the simulator (in this process, accepting Negotiate, NTLM and Basic). Each round makes a
// fresh transport + provider, so the first batch pays the handshakes ("cold"); the second batch
// runs on the kept-alive connections ("warm"). Target: ≤ 1.05 HTTP requests per call when warm.
// Usage: node --import tsx bench/ntlm.ts [--calls 2000] [--concurrency 4] [--rounds 3]

import { parseArgs } from 'node:util';
import { BasicAuth } from '../src/auth/upstream/basic.js';
import { NtlmAuth } from '../src/auth/upstream/ntlm.js';
import type { UpstreamAuth } from '../src/auth/upstream/types.js';
import { EwsTransport } from '../src/exchange/call.js';
import { getFolder } from '../src/exchange/operations/get-folder.js';
import { failFast } from '../src/upstream/retry.js';
import { startSimulator } from '../src/simulator/index.js';
import { NtlmServer, ntlmAuth } from '../src/simulator/ntlm/index.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' } } });
const calls = Number(values.calls);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

const server = new NtlmServer();
const sim = await startSimulator({ auth: ntlmAuth(server, 'all'), keepAliveTimeoutMs: 120_000 });
const ARGS = { folders: [{ distinguished: 'calendar' as const }] };
const MAILBOX = 'demo@example.com';

interface Batch {
  callsPerSecond: number;
  requestsPerCall: number;
  handshakes: number;
}

async function batch(transport: EwsTransport, auth: UpstreamAuth): Promise<Batch> {
  sim.control.resetCounters();
  server.resetStats();
  const started = performance.now();
  let next = 0;
  // `concurrency` workers keep the transport's per-mailbox semaphore full.
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < calls) await transport.call(getFolder, ARGS, { auth, mailbox: MAILBOX });
  }));
  const seconds = (performance.now() - started) / 1000;
  const c = sim.control.counters();
  if ((c.byOperation.GetFolder ?? 0) !== calls) throw new Error(`expected ${calls} GetFolder calls, the simulator saw ${c.byOperation.GetFolder}`);
  return { callsPerSecond: calls / seconds, requestsPerCall: c.requests / calls, handshakes: server.stats().handshakes };
}

async function round(kind: 'basic' | 'ntlm'): Promise<{ cold: Batch; warm: Batch }> {
  const auth = kind === 'basic' ? new BasicAuth({ username: MAILBOX, password: 'demo' }) : new NtlmAuth({ username: 'EXAMPLE\\demo', password: 'demo', maxConnections: concurrency });
  const transport = new EwsTransport({ url: sim.ewsUrl, retry: failFast, maxConcurrencyPerMailbox: concurrency });
  try {
    return { cold: await batch(transport, auth), warm: await batch(transport, auth) };
  } finally {
    await transport.close();
    if (auth instanceof NtlmAuth) await auth.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<'basic' | 'ntlm', { cold: Batch; warm: Batch }[]> = { basic: [], ntlm: [] };
for (let i = 0; i < rounds; i++) {
  // Interleaved so drift (JIT, GC, CPU frequency) hits both alike.
  results.basic.push(await round('basic'));
  results.ntlm.push(await round('ntlm'));
}
await sim.close();

console.log(`ewsdav NTLM benchmark: ${calls} GetFolder calls per batch, ${concurrency} concurrent, ${rounds} rounds (medians), simulator in process`);
for (const kind of ['basic', 'ntlm'] as const) {
  for (const phase of ['cold', 'warm'] as const) {
    const rs = results[kind].map((r) => r[phase]);
    console.log(
      `  ${kind.padEnd(5)} ${phase}  ${median(rs.map((r) => r.callsPerSecond)).toFixed(0).padStart(6)} calls/s  ` +
        `${median(rs.map((r) => r.requestsPerCall)).toFixed(4)} HTTP requests/call  ${median(rs.map((r) => r.handshakes))} handshakes`,
    );
  }
}
const warm = median(results.ntlm.map((r) => r.warm.requestsPerCall));
const ratio = median(results.ntlm.map((r) => r.warm.callsPerSecond)) / median(results.basic.map((r) => r.warm.callsPerSecond));
console.log(`\n  ntlm warm: ${warm.toFixed(4)} HTTP requests per call (target ≤ 1.05) ${warm <= 1.05 ? 'OK' : 'MISSED'}; throughput ${(ratio * 100).toFixed(0)} % of basic`);
