// Replays of real clients' request sequences (test/dav/replays/<client>.json): methods, paths,
// headers and bodies as those clients send them, with the statuses and properties they rely on.
// One suite parameterised by client (STYLE.md), each against a fresh server and store.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DavTestClient, basic, MARA, parseMultistatus, startDav, syncTokenOf } from '../support/dav.js';

interface Step {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: {
    status: number;
    /** href (as sent) → property Clark name → status */
    props?: Record<string, Record<string, number>>;
    /** number of <D:response> elements */
    count?: number;
    location?: string;
    responseHeaders?: Record<string, string>;
    bodyMatch?: string;
    /** text that must not appear (404 properties under Brief: t) */
    absent?: string[];
    /** remember the answer's sync-token under this name; bodies use it as {syncToken:name} */
    saveSyncToken?: string;
  };
}

interface Replay {
  client: string;
  notes: string;
  steps: Step[];
}

const dir = fileURLToPath(new URL('./replays/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

for (const file of files) {
  const replay = JSON.parse(readFileSync(dir + file, 'utf8')) as Replay;
  t.test(replay.client, async (t) => {
    const server = await startDav();
    t.teardown(() => server.close());
    const client = new DavTestClient(server, null);
    const tokens = new Map<string, string>();
    for (const [i, step] of replay.steps.entries()) {
      const name = `${i + 1}. ${step.method} ${step.path}`;
      const body = step.body?.replace(/\{syncToken:(\w+)\}/g, (_m, k: string) => tokens.get(k) ?? '');
      const res = await client.request(step.method, step.path, {
        headers: { Authorization: basic(MARA), ...step.headers },
        ...(body !== undefined ? { body } : {}),
      });
      const e = step.expect;
      t.equal(res.status, e.status, `${name}: status`);
      if (e.location) t.equal(res.headers.get('location'), e.location, `${name}: Location`);
      for (const [k, v] of Object.entries(e.responseHeaders ?? {})) t.equal(res.headers.get(k), v, `${name}: ${k}`);
      if (e.bodyMatch) t.match(res.text, e.bodyMatch, `${name}: body`);
      for (const a of e.absent ?? []) t.notMatch(res.text, a, `${name}: no ${a}`);
      if (res.status !== 207) continue;
      const ms = parseMultistatus(res.text);
      if (e.count !== undefined) t.equal(Object.keys(ms).length, e.count, `${name}: responses`);
      for (const [href, props] of Object.entries(e.props ?? {})) {
        const got = ms[decodeURIComponent(href)];
        t.ok(got, `${name}: response for ${href}`);
        for (const [prop, status] of Object.entries(props)) t.equal(got?.[prop]?.[0], status, `${name}: ${prop}`);
      }
      if (e.saveSyncToken) tokens.set(e.saveSyncToken, syncTokenOf(res.text));
    }
  });
}
