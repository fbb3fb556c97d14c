// Request parsing for the simulator: saxes into a small namespace-aware tree.
// No DTDs, no entity expansion beyond the five predefined ones, a depth and size limit
// (DESIGN: request bodies are parsed with DTDs and entities off).

import { SaxesParser } from 'saxes';

export interface XmlNode {
  ns: string;
  local: string;
  /** Unqualified attributes by local name (EWS request attributes carry no prefix). */
  attrs: Map<string, string>;
  /** Namespaced attributes as `{ns}local`. */
  nsAttrs: Map<string, string>;
  children: XmlNode[];
  text: string;
  line: number;
  column: number;
}

export class XmlParseError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
    this.name = 'XmlParseError';
  }
}

export interface ParseLimits {
  maxDepth: number;
  maxElements: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxDepth: 64, maxElements: 200_000 };

export function parseXml(source: string, limits: ParseLimits = DEFAULT_LIMITS): XmlNode {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let count = 0;
  let failure: XmlParseError | undefined;

  const fail = (msg: string): void => {
    if (!failure) failure = new XmlParseError(msg, parser.line, parser.column);
  };

  parser.on('doctype', () => fail('DTD is prohibited in this XML document.'));
  parser.on('opentag', (tag) => {
    count++;
    if (stack.length >= limits.maxDepth) fail(`The XML document exceeds the maximum depth of ${limits.maxDepth}.`);
    if (count > limits.maxElements) fail('The XML document has too many elements.');
    const node: XmlNode = {
      ns: tag.uri ?? '', local: tag.local ?? tag.name, attrs: new Map(), nsAttrs: new Map(),
      children: [], text: '', line: parser.line, column: parser.column,
    };
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      if (a.uri) node.nsAttrs.set(`{${a.uri}}${a.local}`, a.value);
      else node.attrs.set(a.local, a.value);
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (root) fail('There are multiple root elements.');
    else root = node;
    stack.push(node);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (err) => fail(err.message));

  try {
    parser.write(source).close();
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (failure) throw failure;
  if (!root) throw new XmlParseError('Root element is missing.', 1, 0);
  return root;
}
