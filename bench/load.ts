// A minimal closed-loop HTTP/1.1 load generator on node:net, run in a worker thread so it does not
// share the server's event loop. Each connection is kept alive and carries one request at a time
// (no pipelining); the request bytes (head and body, with Content-Length) are built once and
// written in one call. Written because the undici Pool the benchmark used before closes the
// connection after every REPORT with a body (undici treats a body on a method outside
// PUT/POST/PATCH/QUERY/PROPFIND/PROPPATCH as "unexpected" and resets the socket unless
// `reset: false`), which made REPORT look ~8× dearer than GET.

import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadJob {
  port: number;
  connections: number;
  seconds: number;
  request: LoadRequest;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses with a status ≥ 400. */
  errors: number;
  /** Connections the server closed during the run (should be 0 with keep-alive). */
  reconnects: number;
}

function encode(req: LoadRequest, port: number): Buffer {
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const head = [`${req.method} ${req.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)];
  if (body) head.push(`Content-Length: ${body.length}`);
  const bytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([bytes, body]) : bytes;
}

/** Length of the first complete response in `buf` (Content-Length or chunked), or -1 if incomplete. */
function responseLength(buf: Buffer): { length: number; status: number; close: boolean } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection: *close/i.test(head);
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (cl) {
    const length = end + 4 + Number(cl[1]);
    return buf.length >= length ? { length, status, close } : undefined;
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    let at = end + 4;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
      at = lineEnd + 2 + size + 2;
      if (at > buf.length) return undefined;
      if (size === 0) return { length: at, status, close };
    }
  }
  return { length: end + 4, status, close }; // 204/304: no body
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const bytes = encode(job.request, job.port);
  const latencies: number[] = [];
  let errors = 0;
  let reconnects = 0;
  const end = performance.now() + job.seconds * 1000;

  const worker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      let socket: Socket;
      let buf: Buffer = Buffer.alloc(0);
      let sent = 0;
      const send = (): void => {
        if (performance.now() >= end) {
          socket.end();
          resolve();
          return;
        }
        sent = performance.now();
        socket.write(bytes);
      };
      const open = (): void => {
        socket = connect(job.port, '127.0.0.1');
        socket.setNoDelay(true);
        socket.on('connect', send);
        socket.on('error', reject);
        socket.on('data', (chunk: Buffer) => {
          buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
          const res = responseLength(buf);
          if (!res) return;
          buf = buf.subarray(res.length);
          latencies.push(performance.now() - sent);
          if (res.status >= 400) errors++;
          if (res.close) {
            reconnects++;
            socket.removeAllListeners();
            socket.destroy();
            open();
          } else {
            send();
          }
        });
      };
      open();
    });

  await Promise.all(Array.from({ length: job.connections }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, rps: latencies.length / job.seconds, p50: at(0.5), p99: at(0.99), errors, reconnects };
}

// As a worker: one job per message.
if (parentPort && workerData === 'load') {
  const port = parentPort;
  port.on('message', (job: LoadJob) => {
    runLoad(job).then(
      (result) => port.postMessage({ ok: true, result }),
      (error: unknown) => port.postMessage({ ok: false, error: String(error) }),
    );
  });
}
