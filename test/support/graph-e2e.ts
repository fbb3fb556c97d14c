// The Graph side of end-to-end tests: the fake Entra authority, the simulator with its Graph
// endpoints over the same mailboxes as its EWS endpoint, an app-only Graph token (client
// credentials of the directory's web app, which holds Graph Calendars.Read) and sources of both
// kinds for one mailbox, so a test can compare or switch upstreams.

import { startEntra, type EntraAuthority } from '../../src/simulator/entra/index.js';
import { GraphTokens } from '../../src/simulator/graph/test-client.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { UpstreamAuth } from '../../src/auth/upstream/types.js';
import { BasicAuth } from '../../src/auth/upstream/basic.js';
import { EwsTransport } from '../../src/exchange/call.js';
import { EwsCalendarSource } from '../../src/exchange/source.js';
import { GraphTransport } from '../../src/graph/transport.js';
import { GraphCalendarSource, type GraphCalendarSourceOptions } from '../../src/graph/source.js';
import { failFast } from '../../src/upstream/retry.js';

export interface GraphRig {
  entra: EntraAuthority;
  sim: Simulator;
  /** App-only Graph token: reads any simulator mailbox through /users/{mailbox}. */
  appToken: string;
  graphTransport: GraphTransport;
  ewsTransport: EwsTransport;
  close(): Promise<void>;
}

export async function startGraphRig(options: Omit<SimulatorOptions, 'graph'>): Promise<GraphRig> {
  const entra = await startEntra();
  const sim = await startSimulator({ ...options, graph: { trust: entra.trust } });
  const tokens = new GraphTokens(entra);
  const appToken = await tokens.app();
  await tokens.close();
  // failFast: the engine's own policy (gate, backoff) is what sync tests look at.
  const graphTransport = new GraphTransport({ url: sim.graphUrl!, retry: failFast, timeoutMs: 20_000 });
  const ewsTransport = new EwsTransport({ url: sim.ewsUrl, retry: failFast, timeoutMs: 20_000 });
  return {
    entra, sim, appToken, graphTransport, ewsTransport,
    async close() {
      await graphTransport.close();
      await ewsTransport.close();
      await sim.close();
      await entra.close();
    },
  };
}

/** A held app-only token; renewal is the OAuth provider's business (tested in test/auth), not these tests'. */
export function appBearer(token: string): UpstreamAuth {
  return { scheme: 'oauth-app', describe: () => 'test app', authorize: () => ({ headers: { authorization: `Bearer ${token}` } }) };
}

export function graphSourceFor(rig: GraphRig, mailbox: string, options: Partial<GraphCalendarSourceOptions> = {}): GraphCalendarSource {
  return new GraphCalendarSource({ transport: rig.graphTransport, auth: appBearer(rig.appToken), mailbox, ...options });
}

export function ewsSourceFor(rig: GraphRig, mailbox: string, password: string): EwsCalendarSource {
  return new EwsCalendarSource({ transport: rig.ewsTransport, auth: new BasicAuth({ username: mailbox, password }), mailbox });
}
