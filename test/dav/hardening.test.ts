// Hostile and broken requests: DTDs and entity bombs, deep nesting, oversized bodies, malformed
// XML and bad headers all get a 4xx with a DAV error body — never a 500, never a stack trace.

import t from 'tap';
import { CAL, D, DavTestClient, HOME, basic, MARA, startDav } from '../support/dav.js';

const server = await startDav();
t.teardown(() => server.close());
const c = new DavTestClient(server);
const STACK = /\bat .+:\d+:\d+|node_modules|\.ts:\d+|Error:/;

function nested(depth: number): string {
  return `<D:propfind ${D}><D:prop>${'<D:x>'.repeat(depth - 2)}${'</D:x>'.repeat(depth - 2)}</D:prop></D:propfind>`;
}

const cases: [string, string | Buffer, number, RegExp?][] = [
  ['billion laughs', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol2;</D:displayname></D:prop></D:propfind>`, 400, /DOCTYPE/],
  ['external entity', `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:x>&xxe;</D:x></D:prop></D:propfind>`, 400],
  ['undefined entity', `<D:propfind xmlns:D="DAV:"><D:prop><D:x>&nbsp;</D:x></D:prop></D:propfind>`, 400],
  ['builtin entities are fine', `<D:propfind xmlns:D="DAV:"><D:prop><D:x>&lt;&amp;&#65;</D:x></D:prop></D:propfind>`, 207],
  ['depth 64 is fine', nested(64), 207],
  ['depth 65', nested(65), 400, /deeper than 64/],
  ['malformed', `<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>`, 400],
  ['unbound prefix', `<X:propfind><X:prop/></X:propfind>`, 400],
  ['not XML', 'hello', 400],
  ['two roots', `<D:propfind xmlns:D="DAV:"/><D:propfind xmlns:D="DAV:"/>`, 400],
  ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]), 400, /UTF-8/],
  ['processing instruction is harmless', `<?xml-stylesheet href="x"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, 207],
];

t.test('bodies', async (t) => {
  for (const [name, body, status, pattern] of cases) {
    const r = await c.propfind(CAL, body as string, '0', status);
    t.notMatch(r.text, STACK, `${name}: no stack`);
    if (status >= 400) t.match(r.text, /<d:error/, `${name}: DAV error body`);
    if (pattern) t.match(r.text, pattern, name);
  }
});

t.test('size limit', async (t) => {
  const big = `<D:propfind ${D}><D:prop><D:displayname/></D:prop></D:propfind>`.padEnd(1024 * 1024 + 1, ' ');
  const r = await c.propfind(CAL, big, '0', 413);
  t.match(r.text, /<d:error/);
  const exact = `<D:propfind ${D}><D:prop><D:displayname/></D:prop></D:propfind>`.padEnd(1024 * 1024, ' ');
  await c.propfind(CAL, exact, '0', 207);
  // Chunked, no Content-Length: the limit still holds while streaming.
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(64 * 1024)));
      controller.close();
    },
  });
  const res = await fetch(c.url(CAL), { method: 'REPORT', headers: { Authorization: basic(MARA), 'Content-Type': 'text/xml' }, body: stream, duplex: 'half' } as RequestInit);
  t.equal(res.status, 413, 'chunked body over 1 MB');
  t.notMatch(await res.text(), STACK);
});

t.test('headers and methods', async (t) => {
  await c.propfind(CAL, undefined, 'infinity', 403);
  await c.propfind(CAL, undefined, '-1', 400);
  await c.request('PROPFIND', CAL, { body: '{"a":1}', headers: { 'Content-Type': 'application/json', Depth: '0' }, status: 415 });
  for (const type of ['text/xml; charset=', '???', 'text/xml; a="unterminated', '']) {
    const r = await c.request('PROPFIND', CAL, { body: `<D:propfind ${D}/>`, headers: { 'Content-Type': type, Depth: '0' } });
    t.ok(r.status === 207 || r.status === 415, `content type ${JSON.stringify(type)}: ${r.status}`);
    t.notMatch(r.text, STACK);
  }
  await c.request('PROPFIND', `${HOME}%E0%A4%A/`, { status: 400 });
  await c.request('REPORT', CAL, { status: 400 });
  const unknown = await c.request('BIND', CAL, { status: 404 }).catch(() => ({ status: 0 }));
  t.ok(unknown.status === 404 || unknown.status === 405 || unknown.status === 0, 'unrouted method is not served');
  for (const m of ['PUT', 'DELETE', 'MKCALENDAR', 'MOVE', 'COPY', 'POST', 'MKCOL']) {
    const w = await c.request(m, `${CAL}x.ics`, { body: 'x', headers: { 'Content-Type': 'text/calendar' }, status: 403 });
    t.match(w.text, /need-privileges/, m);
  }
});
