// Streaming XML reading for EWS responses, on the purpose-built tokenizer (xml-tokenizer.ts).
// Namespace-aware by URI (EWS-NOTES §2.2: never depend on prefixes). Safe by construction: a
// DOCTYPE is refused (so no DTD and no entity declarations), only XML's five built-in entities and
// character references are expanded, and nesting deeper than `maxDepth` aborts. Callers capture
// the subtrees they need (one calendar item, one fault) as small element trees; everything else
// streams past without being kept (its character data is checked, never sliced).

import { XmlSyntaxError, XmlTokenizer, type XmlTokenSink } from './xml-tokenizer.js';

export { XmlSyntaxError };

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
  /** Most characters accepted in total (the transport also counts bytes before decoding). */
  maxChars?: number;
}

// --- repeated subtrees -----------------------------------------------------------------------------
// Every calendar item carries full StartTimeZone and EndTimeZone definitions: 45% of a GetItem
// response's bytes (bench/ical.ts input: 24 of 54 MB, 21,850 definitions, 23 distinct texts). Such
// an element, inside a captured subtree, whose content text (up to and including its end tag) is
// identical to one read before in the same context (depth, namespace bindings in scope, reader
// limits, the start tag's own text) is not tokenised again: the tokenizer skips it and the element
// tree built the first time, frozen, stands in for it. A text counts only when the tokenizer itself
// read it as that element's content, so comments, CDATA and nested namesakes only cost the reuse,
// never correctness. A definition cut by a chunk boundary is just parsed.

/** Local names of elements whose repeated texts are reused (asked of every captured element: no set lookup). */
function isMemoName(name: string): boolean {
  switch (name) {
    case 'StartTimeZone':
    case 'EndTimeZone':
    case 'MeetingTimeZone':
      return true;
    default:
      return false;
  }
}
/** Bounds a hostile server cannot grow: contexts × texts per context × (text + key) length (≤ 5 MiB). */
export const MEMO_LIMITS = Object.freeze({ contexts: 64, perContext: 4, bodyChars: 16 * 1024, keyChars: 4 * 1024 });

interface MemoEntry {
  /** Everything after the start tag's `>` up to and including the end tag's `>`. */
  readonly body: string;
  readonly element: XmlElement;
}

/**
 * Context (depth, limits, bindings in scope) → start tag text → texts seen, oldest first. Two
 * levels, so the long context string is one object whose hash V8 keeps, and a lookup hashes only
 * the start tag. A context in the sense of MEMO_LIMITS is one (context, start tag) pair.
 */
const memo = new Map<string, Map<string, MemoEntry[]>>();
/** The (context, start tag) pairs in insertion order, for evicting the oldest. */
const order: [Map<string, MemoEntry[]>, string][] = [];

/** Number of contexts and texts held (tests check the bounds). */
export function xmlMemoSize(): { contexts: number; texts: number } {
  let texts = 0;
  for (const [byTag, tag] of order) texts += byTag.get(tag)!.length;
  return { contexts: order.length, texts };
}

export function clearXmlMemo(): void {
  memo.clear();
  order.length = 0;
}

function remember(context: string, tag: string, entry: MemoEntry): void {
  let byTag = memo.get(context);
  if (!byTag) {
    byTag = new Map();
    memo.set(context, byTag);
  }
  let list = byTag.get(tag);
  if (!list) {
    if (order.length >= MEMO_LIMITS.contexts) {
      const [oldMap, oldTag] = order.shift()!;
      oldMap.delete(oldTag);
      for (const [c, m] of memo) if (m.size === 0) memo.delete(c);
    }
    if (!memo.has(context)) memo.set(context, byTag);
    list = [];
    byTag.set(tag, list);
    order.push([byTag, tag]);
  }
  if (list.length >= MEMO_LIMITS.perContext) list.shift();
  list.push(entry);
}

/** Start tags a reader keeps for its lookups (see TreeBuilder #recent), and what they found. */
const RECENT = 16;

interface RecentLookup {
  readonly context: string;
  readonly tag: string;
  seen: MemoEntry[] | undefined;
}

/** A copy that does not keep the (possibly huge) input string it was sliced from alive. */
function detach(text: string): string {
  return (' ' + text).slice(1);
}

function deepFreeze(el: XmlElement): XmlElement {
  for (const c of el.children) deepFreeze(c);
  Object.freeze(el.children);
  return Object.freeze(el);
}

/**
 * The children of every element without any: most elements are leaves, and one array fewer per
 * element is a fifth of the tree-building time (allocation and GC). Frozen: no caller modifies trees.
 */
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

/** Appends `el` to `parent`'s children, giving the parent its own array on its first child. */
function append(parent: XmlElement, el: XmlElement): void {
  if (parent.children === NO_CHILDREN) (parent as { children: XmlElement[] }).children = [el];
  else parent.children.push(el);
}

/** Builds captured subtrees from tokenizer events and hands them to the handler. */
class TreeBuilder implements XmlTokenSink {
  readonly #handler: XmlHandler;
  readonly #maxDepth: number;
  tokenizer!: XmlTokenizer;
  /** Open captured elements, innermost last; empty when not capturing. */
  readonly #stack: XmlElement[] = [];
  #captureDepth = -1;
  /** Memo context string per depth, and the scope key it was made for. */
  readonly #contexts: string[] = [];
  readonly #contextScopes: string[] = [];
  /** A memo candidate being read for the first time: its element, context, start tag and where its content began. */
  #watch: XmlElement | undefined;
  #watchContext = '';
  #watchTag = '';
  #watchFrom = 0;
  #watchGeneration = -1;
  /**
   * Recent memo lookups: a response repeats the same few start tags, and comparing a tag's text
   * (its length first) costs less than hashing it for the two map lookups.
   */
  readonly #recent: RecentLookup[] = [];

  constructor(handler: XmlHandler, maxDepth: number) {
    this.#handler = handler;
    this.#maxDepth = maxDepth;
  }

  startElement(ns: string, name: string, attrs: Readonly<Record<string, string>>, depth: number): void {
    if (this.#captureDepth < 0) {
      if (this.#handler.open(depth, ns, name, attrs)) {
        this.#captureDepth = depth;
        this.#stack.push({ ns, name, attrs, children: NO_CHILDREN, text: '' });
        this.tokenizer.keepText = true;
      }
      return;
    }
    const el: XmlElement = { ns, name, attrs, children: NO_CHILDREN, text: '' };
    append(this.#stack[this.#stack.length - 1]!, el);
    if (this.#watch === undefined && isMemoName(name) && this.tokenizer.canSkip && this.#reuse(el, depth)) return;
    this.#stack.push(el);
  }

  /** True when a text read before stands in for `el` (already skipped); else maybe watches it. */
  #reuse(el: XmlElement, depth: number): boolean {
    const tok = this.tokenizer;
    const scope = tok.scopeKey();
    let context = this.#contexts[depth];
    if (context === undefined || this.#contextScopes[depth] !== scope) {
      context = `${depth}\u0001${this.#maxDepth}\u0001${scope}`;
      this.#contexts[depth] = context;
      this.#contextScopes[depth] = scope;
    }
    const tag = tok.lastStartTag();
    if (context.length + tag.length > MEMO_LIMITS.keyChars) return false;
    let recent: RecentLookup | undefined;
    for (const r of this.#recent) {
      if (r.tag.length === tag.length && r.context === context && r.tag === tag) {
        recent = r;
        break;
      }
    }
    if (recent === undefined) {
      recent = { context, tag: detach(tag), seen: undefined };
      if (this.#recent.length >= RECENT) this.#recent.shift();
      this.#recent.push(recent);
    }
    const seen = (recent.seen ??= memo.get(context)?.get(tag));
    if (seen) {
      const input = tok.input;
      const at = tok.offset;
      for (const entry of seen) {
        // (slice and === compare flat memory; startsWith was measured ~50× slower here.)
        const end = at + entry.body.length;
        if (end <= input.length && input.slice(at, end) === entry.body) {
          const siblings = this.#stack[this.#stack.length - 1]!.children;
          siblings[siblings.length - 1] = entry.element;
          tok.skipElement(entry.body.length);
          return true;
        }
      }
    }
    this.#watch = el;
    this.#watchContext = context;
    this.#watchTag = tag;
    this.#watchFrom = tok.offset;
    this.#watchGeneration = tok.generation;
    return false;
  }

  text(text: string): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top) top.text += text;
  }

  endElement(ns: string, name: string, depth: number): void {
    if (this.#captureDepth < 0) {
      this.#handler.close?.(depth, ns, name);
      return;
    }
    const done = this.#stack.pop()!;
    if (done === this.#watch) {
      this.#watch = undefined;
      const tok = this.tokenizer;
      // Remember only a text read whole from one input string (not cut by a chunk boundary).
      if (tok.generation === this.#watchGeneration && tok.offset - this.#watchFrom <= MEMO_LIMITS.bodyChars) {
        remember(this.#watchContext, detach(this.#watchTag), { body: detach(tok.input.slice(this.#watchFrom, tok.offset)), element: deepFreeze(done) });
        // (The memo may have made a new list for it, or dropped an old one: look them up again.)
        for (const r of this.#recent) r.seen = undefined;
      }
    }
    if (depth === this.#captureDepth) {
      this.#captureDepth = -1;
      this.tokenizer.keepText = false;
      this.#handler.element(depth, done);
    }
  }
}

/** Feed text chunks with `write`, then `close`. Errors are thrown from `write`/`close`. */
export class XmlStreamReader {
  readonly #tokenizer: XmlTokenizer;
  #error: unknown;

  constructor(handler: XmlHandler, limits: XmlReaderLimits = {}) {
    const maxDepth = limits.maxDepth ?? 64;
    const builder = new TreeBuilder(handler, maxDepth);
    this.#tokenizer = new XmlTokenizer(builder, { maxDepth, maxChars: limits.maxChars });
    builder.tokenizer = this.#tokenizer;
  }

  write(chunk: string): void {
    if (this.#error !== undefined) throw this.#error;
    try {
      this.#tokenizer.write(chunk);
    } catch (err) {
      this.#error = err instanceof Error ? err : new XmlSyntaxError(String(err));
      throw this.#error;
    }
  }

  close(): void {
    if (this.#error !== undefined) throw this.#error;
    try {
      this.#tokenizer.close();
    } catch (err) {
      this.#error = err instanceof Error ? err : new XmlSyntaxError(String(err));
      throw this.#error;
    }
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
  const list = el.children;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c.name === name && c.ns === ns) return c;
  }
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
