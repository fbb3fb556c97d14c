// Request bodies for the simulator's HTTP endpoints (EWS, Graph $batch, the control APIs): read
// whole, with a size cap where a client could send anything.

import type { IncomingMessage } from 'node:http';
import { InputError } from './mailbox/input.js';

/** The body as text; undefined when it exceeds `max` bytes. */
export async function readBody(req: IncomingMessage, max = Number.POSITIVE_INFINITY): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A control request's JSON object ({} for an empty body); SyntaxError or InputError otherwise. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = ((await readBody(req)) ?? '').trim();
  if (text === '') return {};
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('expected a JSON object');
  return v as Record<string, unknown>;
}
