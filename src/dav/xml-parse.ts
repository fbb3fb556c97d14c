// Request bodies → element trees, hardened (DESIGN.md "Boundaries"): no DTD at all (a DOCTYPE is
// rejected, so no entity can be declared), only the five XML builtin entities and character
// references, at most MAX_DEPTH nested elements. Errors become DavError 400, never a crash.

import { SaxesParser } from 'saxes';
import { DavErrors } from './errors.js';
import { clark, type XmlElement } from './xml.js';

export const MAX_DEPTH = 64;
export const MAX_BODY_BYTES = 1024 * 1024;

// Parsed trees of small recent bodies, by their exact text. Calendar apps send the same few
// bodies over and over — one PROPFIND per app type, and an idle sync-collection repeats its
// token until something changes — and parsing was the largest cost of an idle poll
// (bench/dav.ts). Trees are deep-frozen: requests share them, and a handler that tried to
// modify one would throw instead of changing what the next request sees.
const CACHE_ENTRIES = 256;
const CACHE_MAX_CHARS = 4096;
const parsed = new Map<string, XmlElement>();

export function parseXml(body: Buffer | string): XmlElement {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  if (text.length > CACHE_MAX_CHARS) return parseText(text);
  const hit = parsed.get(text);
  if (hit) {
    // Least recently used first in iteration order: re-insert on use.
    parsed.delete(text);
    parsed.set(text, hit);
    return hit;
  }
  const tree = deepFreeze(parseText(text));
  parsed.set(text, tree);
  if (parsed.size > CACHE_ENTRIES) parsed.delete(parsed.keys().next().value!);
  return tree;
}

function deepFreeze(node: XmlElement): XmlElement {
  for (const c of node.children) if (typeof c !== 'string') deepFreeze(c);
  Object.freeze(node.children);
  if (node.attrs) Object.freeze(node.attrs);
  return Object.freeze(node);
}

function parseText(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: string | undefined;

  parser.on('doctype', () => {
    // Rejecting the DOCTYPE closes every entity-expansion door (billion laughs, XXE) at once.
    throw new Error('DOCTYPE is not allowed');
  });
  parser.on('opentag', (tag) => {
    if (stack.length >= MAX_DEPTH) throw new Error(`elements nested deeper than ${MAX_DEPTH}`);
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.local] = a.value;
    }
    const node: XmlElement = { name: clark(tag.uri ?? '', tag.local ?? tag.name), attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (t: string): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('error', (err) => {
    failure ??= err.message;
  });

  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= err instanceof Error ? err.message : 'unreadable XML';
  }
  if (failure !== undefined || root === undefined) {
    throw DavErrors.badRequest(`Malformed XML request body: ${shorten(failure ?? 'no root element')}`);
  }
  return mergeText(root);
}

// Stateless between calls (no `stream` option), so one instance serves every request.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw DavErrors.badRequest('The request body is not valid UTF-8.');
  }
}

function shorten(message: string): string {
  // saxes messages carry a position prefix and never the input; still cap them.
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/** Join adjacent text nodes and drop whitespace-only text between elements. */
function mergeText(node: XmlElement): XmlElement {
  const hasElements = node.children.some((c) => typeof c !== 'string');
  const children: XmlElement['children'] = [];
  for (const c of node.children) {
    if (typeof c !== 'string') children.push(mergeText(c));
    else if (!hasElements) {
      const last = children[children.length - 1];
      if (typeof last === 'string') children[children.length - 1] = last + c;
      else children.push(c);
    } else if (c.trim() !== '') children.push(c);
  }
  node.children = children;
  return node;
}
