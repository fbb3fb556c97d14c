// Streaming XML reading on saxes for EWS responses. Namespace-aware by URI (EWS-NOTES §2.2: never
// depend on prefixes). Safe by construction: a DOCTYPE is refused (so no DTD and no entity
// declarations), only XML's five built-in entities and character references are expanded, and
// nesting deeper than `maxDepth` aborts. Callers capture the subtrees they need (one calendar item,
// one fault) as small element trees; everything else streams past without being kept.

import { SaxesParser } from 'saxes';

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

// --- repeated subtrees -----------------------------------------------------------------------------
// Every calendar item carries full StartTimeZone and EndTimeZone definitions: 45% of a GetItem
// response's bytes (bench/ical.ts input: 24 of 54 MB, 21,850 definitions, 23 distinct texts). Such
// an element, inside a captured subtree, whose raw text is identical to one read before in the same
// context (depth, namespace bindings, reader limits) is not tokenised again: saxes is fed only its
// start and end tags (so it still checks them, resolves their namespace and keeps its stack), and
// the element tree built the first time, frozen, stands in for the body. Measured on bench/ical.ts:
// saxes time roughly halves; EWS → iCalendar 1.6–1.8× faster.

/** Local names of elements whose repeated texts are reused. */
const MEMO_NAMES: ReadonlySet<string> = new Set(['StartTimeZone', 'EndTimeZone', 'MeetingTimeZone']);
const MEMO_START = new RegExp(`<((?:[A-Za-z_][\\w.-]*:)?(?:${[...MEMO_NAMES].join('|')}))(?=[\\s/>])`, 'g');
/** Bounds a hostile server cannot grow: contexts × texts per context × (text + key) length (≤ 5 MiB). */
export const MEMO_LIMITS = Object.freeze({ contexts: 64, perContext: 4, bodyChars: 16 * 1024, keyChars: 4 * 1024 });
/** The most text held back waiting for a memo candidate's end tag; longer elements are just parsed. */
const HOLD_LIMIT = 64 * 1024;

interface MemoEntry {
  /** Everything after the start tag's `>` up to and including the end tag's `>`. */
  readonly body: string;
  /** Length of `body` before the end tag. */
  readonly inner: number;
  readonly element: XmlElement;
}

/** Context key (depth, limits, bindings in scope, start tag text) → texts seen, oldest first. */
const memo = new Map<string, MemoEntry[]>();

/** Number of contexts and texts held (tests check the bounds). */
export function xmlMemoSize(): { contexts: number; texts: number } {
  let texts = 0;
  for (const list of memo.values()) texts += list.length;
  return { contexts: memo.size, texts };
}

export function clearXmlMemo(): void {
  memo.clear();
}

function remember(key: string, entry: MemoEntry): void {
  let list = memo.get(key);
  if (!list) {
    if (memo.size >= MEMO_LIMITS.contexts) memo.delete(memo.keys().next().value!);
    list = [];
    memo.set(key, list);
  }
  if (list.length >= MEMO_LIMITS.perContext) list.shift();
  list.push(entry);
}

function deepFreeze(el: XmlElement): XmlElement {
  for (const c of el.children) deepFreeze(c);
  Object.freeze(el.children);
  return Object.freeze(el);
}

/** Index of the `>` ending a start tag whose name ends before `from`; -1 when not in `text` yet, -2 when not a tag. */
function startTagEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 62 /* > */) return i;
    if (c === 60 /* < */) return -2;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const j = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (j < 0) return -1;
      i = j;
    }
  }
  return -1;
}

/** Index just past `</qname\s*>` at or after `from`; -1 when not in `text` yet. */
function endTagEnd(text: string, qname: string, from: number): number {
  const close = `</${qname}`;
  for (let e = text.indexOf(close, from); e >= 0; e = text.indexOf(close, e + 1)) {
    let k = e + close.length;
    while (k < text.length) {
      const c = text.charCodeAt(k);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      k++;
    }
    if (k === text.length) return -1;
    if (text.charCodeAt(k) === 62) return k + 1;
  }
  return -1;
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
  /** Namespace declarations in scope per open element (index = depth), as one string. */
  readonly #scopes: string[] = [];
  /** Text not yet given to saxes: a memo candidate whose end has not arrived. */
  #pending = '';
  /** Set by `opentag` when a captured memo-named element opens. */
  #memoOpened: XmlElement | undefined;
  /** The captured element whose close we watch for, and what stands in for it (if anything). */
  #memoWatch: XmlElement | undefined;
  #memoReplacement: XmlElement | undefined;
  #memoClosed = false;
  /** Own copy: a handler may run another reader while this one is inside `write`. */
  readonly #memoStart = new RegExp(MEMO_START);

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
      let attrs: Record<string, string> | undefined;
      let scope = depth > 0 ? this.#scopes[depth - 1]! : '';
      for (const key in tag.attributes) {
        const a = tag.attributes[key]!;
        if (a.prefix === 'xmlns' || a.name === 'xmlns') scope += `${a.local}=${a.value}\u0000`;
        else (attrs ??= {})[a.local] = a.value;
      }
      this.#scopes[depth] = scope;
      const el: XmlElement = { ns, name, attrs: attrs ?? EMPTY_ATTRS, children: [], text: '' };
      if (this.#captureDepth >= 0) {
        this.#stack[this.#stack.length - 1]!.children.push(el);
        this.#stack.push(el);
        if (MEMO_NAMES.has(name)) this.#memoOpened = el;
        return;
      }
      if (handler.open(depth, ns, name, el.attrs)) {
        this.#captureDepth = depth;
        this.#stack.push(el);
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
        let done = this.#stack.pop()!;
        if (done === this.#memoWatch) {
          this.#memoClosed = true;
          const replacement = this.#memoReplacement;
          if (replacement) {
            const siblings = this.#stack[this.#stack.length - 1]!.children;
            siblings[siblings.length - 1] = replacement;
            done = replacement;
          }
        }
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
      this.#feed(chunk);
    } catch (err) {
      this.#error = err instanceof Error ? err : new XmlSyntaxError(String(err));
      throw this.#error;
    }
  }

  /**
   * Give `chunk` to saxes, skipping the bodies of memo-named elements seen before. saxes decides
   * what is a tag: a candidate counts only when saxes reports it opened inside a captured subtree
   * right at its `>`, and a text is remembered only when saxes closed the element right at the end
   * tag found. So comments, CDATA and nested namesakes only cost the reuse, never correctness.
   */
  #feed(chunk: string): void {
    const text = this.#pending === '' ? chunk : this.#pending + chunk;
    this.#pending = '';
    const parser = this.#parser;
    let fed = 0;
    const re = this.#memoStart;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const lt = m.index;
      const qname = m[1]!;
      const gt = startTagEnd(text, lt + m[0].length);
      const end = gt >= 0 ? endTagEnd(text, qname, gt + 1) : -1;
      if (gt === -2 || text.charCodeAt(gt - 1) === 47 /* self-closing */) continue;
      if (end < 0) {
        // Not complete in this text: wait for more unless it is already long.
        if (text.length - lt <= HOLD_LIMIT) {
          if (lt > fed) parser.write(text.slice(fed, lt));
          this.#pending = text.slice(lt);
          return;
        }
        continue;
      }
      if (lt > fed) parser.write(text.slice(fed, lt));
      this.#memoOpened = undefined;
      parser.write(text.slice(lt, gt + 1));
      fed = gt + 1;
      const el = this.#memoOpened as XmlElement | undefined;
      this.#memoOpened = undefined;
      if (!el || el.name !== qname.slice(qname.indexOf(':') + 1)) {
        re.lastIndex = fed;
        continue;
      }
      const key = `${this.#depth}\u0001${this.#maxDepth}\u0001${this.#scopes[this.#depth]}\u0001${text.slice(lt, gt + 1)}`;
      if (key.length > MEMO_LIMITS.keyChars) {
        re.lastIndex = fed;
        continue;
      }
      const seen = memo.get(key)?.find((e) => text.startsWith(e.body, gt + 1));
      this.#memoWatch = el;
      this.#memoClosed = false;
      try {
        if (seen) {
          // Same start tag, same context, same body: saxes gets just the end tag.
          this.#memoReplacement = seen.element;
          parser.write(seen.body.slice(seen.inner));
          fed = gt + 1 + seen.body.length;
        } else {
          const closeAt = text.lastIndexOf('</', end - 1);
          if (closeAt > fed) parser.write(text.slice(fed, closeAt));
          parser.write(text.slice(closeAt, end));
          if (this.#memoClosed && end - fed <= MEMO_LIMITS.bodyChars) {
            remember(key, { body: text.slice(fed, end), inner: closeAt - fed, element: deepFreeze(el) });
          }
          fed = end;
        }
      } finally {
        this.#memoWatch = undefined;
        this.#memoReplacement = undefined;
      }
      re.lastIndex = fed;
    }
    if (fed < text.length) parser.write(fed === 0 ? text : text.slice(fed));
  }

  close(): void {
    if (this.#error) throw this.#error;
    try {
      const pending = this.#pending;
      this.#pending = '';
      if (pending) this.#parser.write(pending);
      this.#parser.close();
    } catch (err) {
      this.#error = err instanceof Error ? err : new XmlSyntaxError(String(err));
      throw this.#error;
    }
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
