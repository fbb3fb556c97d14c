// Streaming XML reading on saxes for EWS responses. Namespace-aware by URI (EWS-NOTES §2.2: never
// depend on prefixes). Safe by construction: a DOCTYPE is refused (so no DTD and no entity
// declarations), only XML's five built-in entities and character references are expanded, and
// nesting deeper than `maxDepth` aborts. Callers capture the subtrees they need (one calendar item,
// one fault) as small element trees; everything else streams past without being kept.

import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface XmlElement {
  /** Namespace URI ('' when unqualified, as SOAP fault children are). */
  readonly ns: string;
  /** Local name. */
  readonly name: string;
  /** Attributes by local name; namespace declarations are left out. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export interface XmlHandler {
  /**
   * An element opens outside any captured subtree. Return true to capture it: it and its
   * descendants are built into an XmlElement and handed to `element` when it closes.
   */
  open(depth: number, ns: string, name: string, attrs: Readonly<Record<string, string>>): boolean;
  /** A captured element is complete. */
  element(depth: number, el: XmlElement): void;
  /** An uncaptured element closes. */
  close?(depth: number, ns: string, name: string): void;
}

export interface XmlReaderLimits {
  /** Deepest nesting accepted; EWS responses stay under ~20 (a TimeZoneDefinition inside an item). */
  maxDepth?: number;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});

function attrsOf(tag: SaxesTagNS): Readonly<Record<string, string>> {
  let out: Record<string, string> | undefined;
  for (const key in tag.attributes) {
    const a = tag.attributes[key]!;
    if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
    (out ??= {})[a.local] = a.value;
  }
  return out ?? EMPTY_ATTRS;
}

/** Feed text chunks with `write`, then `close`. Errors are thrown from `write`/`close`. */
export class XmlStreamReader {
  readonly #parser: SaxesParser<{ xmlns: true; position: false }>;
  readonly #maxDepth: number;
  #depth = -1;
  /** Open captured elements, innermost last; empty when not capturing. */
  readonly #stack: XmlElement[] = [];
  #captureDepth = -1;
  #error: Error | undefined;
  #sawRoot = false;

  constructor(handler: XmlHandler, limits: XmlReaderLimits = {}) {
    this.#maxDepth = limits.maxDepth ?? 64;
    const parser = new SaxesParser({ xmlns: true, position: false });
    this.#parser = parser;
    parser.on('doctype', () => {
      throw new XmlSyntaxError('a DOCTYPE is not accepted in an EWS response');
    });
    parser.on('error', (err) => {
      throw new XmlSyntaxError(err.message);
    });
    parser.on('opentag', (tag) => {
      const depth = ++this.#depth;
      if (depth >= this.#maxDepth) throw new XmlSyntaxError(`XML nested deeper than ${this.#maxDepth} levels`);
      this.#sawRoot = true;
      const ns = tag.uri ?? '';
      const name = tag.local ?? tag.name;
      if (this.#captureDepth >= 0) {
        const child: XmlElement = { ns, name, attrs: attrsOf(tag), children: [], text: '' };
        this.#stack[this.#stack.length - 1]!.children.push(child);
        this.#stack.push(child);
        return;
      }
      const attrs = attrsOf(tag);
      if (handler.open(depth, ns, name, attrs)) {
        this.#captureDepth = depth;
        this.#stack.push({ ns, name, attrs, children: [], text: '' });
      }
    });
    parser.on('text', (text) => {
      const top = this.#stack[this.#stack.length - 1];
      if (top) top.text += text;
    });
    parser.on('cdata', (text) => {
      const top = this.#stack[this.#stack.length - 1];
      if (top) top.text += text;
    });
    parser.on('closetag', (tag) => {
      const depth = this.#depth--;
      if (this.#captureDepth >= 0) {
        const done = this.#stack.pop()!;
        if (depth === this.#captureDepth) {
          this.#captureDepth = -1;
          handler.element(depth, done);
        }
        return;
      }
      handler.close?.(depth, tag.uri ?? '', tag.local ?? tag.name);
    });
  }

  write(chunk: string): void {
    if (this.#error) throw this.#error;
    try {
      this.#parser.write(chunk);
    } catch (err) {
      this.#error = err instanceof Error ? err : new XmlSyntaxError(String(err));
      throw this.#error;
    }
  }

  close(): void {
    if (this.#error) throw this.#error;
    this.#parser.close();
    if (!this.#sawRoot) throw new XmlSyntaxError('empty response: no XML element');
  }
}

/** Parse a whole document held in memory (fixtures, small bodies). */
export function readXml(text: string, handler: XmlHandler, limits?: XmlReaderLimits): void {
  const reader = new XmlStreamReader(handler, limits);
  reader.write(text);
  reader.close();
}

// --- helpers for captured trees ------------------------------------------------------------------

/** First child with this namespace and local name. */
export function child(el: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.name === name && c.ns === ns) return c;
  return undefined;
}

export function children(el: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  if (!el) return [];
  return el.children.filter((c) => c.name === name && c.ns === ns);
}

/** Text of a child element, undefined when the child is absent. */
export function childText(el: XmlElement | undefined, ns: string, name: string): string | undefined {
  return child(el, ns, name)?.text;
}
