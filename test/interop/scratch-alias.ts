// litmus insists on a writable scratch collection: every suite starts with
// `DELETE <url>litmus/` + `MKCOL <url>litmus/` and stops (FAILHARD) unless the MKCOL succeeds,
// and its property tests read a resource `litmus/prop` that they first PUT. A read-only bridge
// refuses both, so no litmus test would ever reach it. This small reverse proxy stands between
// litmus and the bridge and changes exactly three things, nothing else:
//   1. it answers the scratch collection's own DELETE and MKCOL itself (204/201), so litmus starts;
//   2. it maps `<calendar>litmus/<rest>` onto `<calendar><rest>`: litmus's tests then run against
//      the real calendar collection, and its writes reach the bridge (and get the bridge's 403);
//   3. it maps `litmus/prop` onto a real event of that calendar, so the read-only PROPFIND tests
//      on a plain resource (propextended, propwformed) read a real object instead of a 404.
// Hrefs and Location headers in answers are mapped back, so litmus sees the URLs it asked for.
// Every request is recorded with what the proxy did to it, so the test can prove that all
// answers but the two synthesized ones came from the bridge.

import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface AliasedRequest {
  method: string;
  /** The path litmus asked for. */
  path: string;
  /** The path sent to the bridge, or undefined when the proxy answered itself. */
  forwardedTo: string | undefined;
  status: number;
  /** The answer's body as the bridge sent it (before hrefs were mapped back). */
  body: string;
}

export interface ScratchAlias {
  /** http://127.0.0.1:PORT: give litmus `${origin}${calendarPath}`. */
  origin: string;
  log: AliasedRequest[];
  close(): Promise<void>;
}

export async function startScratchAlias(options: { bridgePort: number; calendarPath: string; propObject: string }): Promise<ScratchAlias> {
  const cal = options.calendarPath; // '/dav/calendars/demo%40example.com/<id>/'
  const scratch = `${cal}litmus/`;
  const realProp = `${cal}${options.propObject}`;
  const log: AliasedRequest[] = [];

  const toBridge = (path: string): string => {
    if (!path.startsWith(scratch)) return path;
    const rest = path.slice(scratch.length);
    return rest === 'prop' ? realProp : `${cal}${rest}`;
  };
  // One pass, longest alternative first: the real object's href before the calendar's own (a
  // second pass would map the already mapped `…/litmus/prop` again).
  const back = new RegExp(`${escapeRegExp(realProp)}|${escapeRegExp(cal)}`, 'g');
  const fromBridge = (text: string): string => text.replace(back, (m) => (m === realProp ? `${scratch}prop` : scratch));

  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (path === scratch && (method === 'MKCOL' || method === 'DELETE')) {
        const status = method === 'MKCOL' ? 201 : 204;
        log.push({ method, path, forwardedTo: undefined, status, body: '' });
        res.writeHead(status, { 'Content-Length': '0' }).end();
        return;
      }
      const target = toBridge(path);
      const headers: IncomingHttpHeaders = { ...req.headers, host: `127.0.0.1:${options.bridgePort}` };
      if (typeof headers.destination === 'string') {
        // COPY/MOVE name their target in a header: map it the same way.
        const url = new URL(headers.destination);
        headers.destination = `http://127.0.0.1:${options.bridgePort}${toBridge(url.pathname)}`;
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: options.bridgePort, method, path: target, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          const status = answer.statusCode ?? 502;
          let payload = Buffer.concat(body);
          log.push({ method, path, forwardedTo: target, status, body: payload.toString('utf8') });
          const outHeaders = { ...answer.headers };
          if (/xml/.test(String(answer.headers['content-type'] ?? ''))) payload = Buffer.from(fromBridge(payload.toString('utf8')), 'utf8');
          if (method !== 'HEAD') {
            // The body was buffered (and may have changed length): send it with a plain length.
            delete outHeaders['transfer-encoding'];
            outHeaders['content-length'] = String(payload.length);
          }
          if (typeof outHeaders.location === 'string') outHeaders.location = fromBridge(outHeaders.location);
          res.writeHead(status, outHeaders).end(payload);
        });
      });
      upstream.on('error', (err) => {
        log.push({ method, path, forwardedTo: target, status: 502, body: String(err) });
        res.writeHead(502, { 'Content-Type': 'text/plain' }).end(String(err));
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
