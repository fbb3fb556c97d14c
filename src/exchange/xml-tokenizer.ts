// A streaming, namespace-resolving XML tokenizer for EWS responses, written for the one job the
// bridge needs: turn SOAP bodies of tens of megabytes into start/end/text events fast. A generic
// parser (saxes) spent most of the parse time on per-character state machines and on building
// attribute records; this one works on whole strings with indexOf and slices, resolves element
// names through a small cache that lives as long as the namespace bindings do, and only slices
// character data while the consumer asks for it (`keepText`). Markup that repeats item after item
// is compared as a whole with what was read before and its events reported again (xml-runs.ts).
//
// Safe by construction, like the reader before it:
// - a DOCTYPE is an error (so no DTD, no entity declarations, no external entities);
// - only the five predefined entities and character references are expanded, anything else is an error;
// - nesting deeper than `maxDepth`, more than `maxChars` of input and a tag longer than `maxTagChars`
//   are errors;
// - every search is resumable, so input split anywhere (a UTF-8 sequence decoded by a streaming
//   TextDecoder, a tag, an entity, CRLF, `]]>`) costs linear time and gives the same events.
// Malformed input raises XmlSyntaxError; the tokenizer is unusable afterwards.

import { moveToFront, RunRecorder, RunTable, RunTag, type TagRun } from './xml-runs.js';
import { ASCII, BadReference, CRLF, EMPTY_ATTRS, expandReferences, forbiddenAt, MAX_ENTITY, NAME_CHAR, NAME_START, NameTable, intern, isSpace, nonAsciiNameChar, nonAsciiNameStart, type QName } from './xml-names.js';

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/** What the tokenizer reports to. Names are resolved: namespace URI ('' when none) and local name. */
export interface XmlTokenSink {
  /** `attrs` are by local name, namespace declarations left out; `depth` is 0 for the root. */
  startElement(ns: string, local: string, attrs: Readonly<Record<string, string>>, depth: number): void;
  endElement(ns: string, local: string, depth: number): void;
  /** Character data (entities expanded, CDATA included, line ends normalised); only while `keepText`. */
  text(text: string): void;
}

export interface XmlTokenizerLimits {
  /** Deepest nesting accepted (the root is depth 0). */
  maxDepth?: number;
  /** Most characters of input accepted in total. */
  maxChars?: number;
  /** Longest start or end tag accepted (attributes included). */
  maxTagChars?: number;
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** What the tokenizer waits for when the input ends inside something. */
const enum Pending {
  None,
  /** Character data that may continue (a cut entity, CR or `]]`): re-read with the next chunk. */
  Text,
  /** A tag: re-read only once a `>` arrives. */
  Tag,
  /** A comment, CDATA section or processing instruction: its terminator is searched from `#resume`. */
  Markup,
}

export class XmlTokenizer {
  /** Set by the sink: slice and report character data (else it is only checked). */
  keepText = false;

  readonly #sink: XmlTokenSink;
  readonly #maxDepth: number;
  readonly #maxChars: number;
  readonly #maxTagChars: number;

  /** Unconsumed input; `#pos` is where reading continues. */
  #buf = '';
  #pos = 0;
  /** Characters before `#buf` (for positions in messages and the size limit). */
  #consumed = 0;
  #total = 0;
  /** Incremented whenever `#buf` is replaced: offsets into `input` hold only within one generation. */
  #generation = 0;
  #pending = Pending.None;
  /** Markup: index in `#buf` from which the terminator search resumes. */
  #resume = 0;
  #failed: XmlSyntaxError | undefined;
  #closed = false;
  // Next index of `<`, `&`, CR, LF, TAB and `]]>` in `#buf` at or after the last search (`#buf.length`
  // when none): one native search finds each occurrence once, and a check of a whole text or
  // attribute value for any of them is a comparison, not a loop over its characters.
  #nextLt = -1;
  #nextAmp = -1;
  #nextCr = -1;
  #nextLf = -1;
  #nextTab = -1;
  #nextCdEnd = -1;

  #depth = -1;
  #sawRoot = false;
  /** The document began with a byte order mark (an XML declaration may only come first, after it). */
  #bom = false;
  /** Per open element (index = depth): its name, and the number of bindings before it. */
  readonly #names: QName[] = [];
  readonly #bindingsBefore: number[] = [];
  /** Namespace bindings in scope, outermost first (prefix '' is the default namespace). */
  readonly #prefixes: string[] = ['xml', 'xmlns'];
  readonly #uris: string[] = [XML_NS, XMLNS_NS];
  #bindings = 2;
  /** Element and attribute names under the current bindings; `#bindingsGeneration` changes with them. */
  readonly #elementNames = new NameTable();
  readonly #attributeNames = new NameTable();
  #bindingsGeneration = 0;
  #scopeKey: string | undefined;

  /** The last start tag: where it began in `input`, and whether its element may be skipped. */
  #tagStart = 0;
  #canSkip = false;

  // Scratch space for one start tag's attributes: where each name is, its hash, its value.
  readonly #attrStarts: number[] = [];
  readonly #attrEnds: number[] = [];
  readonly #attrHashes: number[] = [];
  readonly #attrValues: string[] = [];
  readonly #attrNames: QName[] = [];

  /** Runs of tags read before and the one being read (xml-runs.ts). */
  readonly #runs = new RunTable();
  readonly #recorder = new RunRecorder();
  /** The name in the last start or end tag read. */
  #previous: QName | undefined;

  constructor(sink: XmlTokenSink, limits: XmlTokenizerLimits = {}) {
    this.#sink = sink;
    this.#maxDepth = limits.maxDepth ?? 64;
    this.#maxChars = limits.maxChars ?? Infinity;
    this.#maxTagChars = limits.maxTagChars ?? 1024 * 1024;
  }

  // --- for a sink that reuses repeated subtrees (xml-reader.ts memo) ---------------------------

  /** The current input text; `offset` and `lastStartTag` are positions in it. */
  get input(): string {
    return this.#buf;
  }

  /** Where reading continues in `input`: just after the tag whose event is being reported. */
  get offset(): number {
    return this.#pos;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Raw text of the start tag just reported. */
  lastStartTag(): string {
    return this.#buf.slice(this.#tagStart, this.#pos);
  }

  /** The namespace bindings in scope, as one string (equal strings resolve every name alike). */
  scopeKey(): string {
    if (this.#scopeKey === undefined) {
      let key = '';
      for (let i = 2; i < this.#bindings; i++) key += `${this.#prefixes[i]}=${this.#uris[i]}\u0000`;
      this.#scopeKey = key;
    }
    return this.#scopeKey;
  }

  /** True inside `startElement` of an element with content (not `<x/>`). */
  get canSkip(): boolean {
    return this.#canSkip;
  }

  /**
   * From inside `startElement`: the next `length` characters of `input` are this element's content
   * and end tag, known well-formed (the same text read before in the same context). Consumes them
   * and closes the element without reporting anything.
   */
  skipElement(length: number): void {
    if (!this.#canSkip || this.#pos + length > this.#buf.length) throw new Error('skipElement: nothing to skip');
    this.#canSkip = false;
    if (this.#recorder.key !== undefined) this.#recorder.finish(this.#buf, this.#pos, this.#runs);
    this.#pos += length;
    this.#pop();
  }

  // --- input ------------------------------------------------------------------------------------

  write(chunk: string): void {
    if (this.#failed) throw this.#failed;
    if (this.#closed) this.#fail('write after close');
    if (chunk.length === 0) return;
    this.#total += chunk.length;
    if (this.#total > this.#maxChars) this.#fail(`response larger than ${this.#maxChars} characters`);
    // Characters XML forbids everywhere: native scans of the chunk instead of one check per character.
    const bad = forbiddenAt(chunk);
    if (bad >= 0) {
      this.#pos = this.#buf.length + bad;
      this.#fail('a character XML does not allow (a control character or U+FFFE/U+FFFF)');
    }
    if (this.#pending === Pending.Tag || this.#pending === Pending.Markup) {
      const held = this.#buf.length - this.#pos;
      // Nothing can end before a `>` arrives: keep appending (a rope) rather than re-reading.
      if (chunk.indexOf('>') < 0) {
        if (this.#pending === Pending.Tag && held + chunk.length > this.#maxTagChars) this.#fail(`a tag longer than ${this.#maxTagChars} characters`);
        this.#buf += chunk;
        this.#generation++;
        return;
      }
    }
    if (this.#pos < this.#buf.length && this.#pending !== Pending.Markup) {
      // The held text (a tag or a little character data cut by the chunk boundary) is read with the
      // chunk up to its first `>`, then reading goes on in the chunk itself: appending the whole
      // chunk would copy it (a large allocation per chunk) only to read on where the held text ends.
      const cut = chunk.indexOf('>') + 1;
      if (cut > 0 && cut < chunk.length) {
        this.#setBuffer(this.#buf.slice(this.#pos) + chunk.slice(0, cut));
        this.#run(false);
        if (this.#pos < this.#buf.length) {
          this.#setBuffer(this.#buf.slice(this.#pos) + chunk.slice(cut));
        } else {
          this.#setBuffer(chunk);
          // (Positions count from the chunk's start, and its first `cut` characters are read.)
          this.#consumed -= cut;
          this.#pos = cut;
        }
        this.#run(false);
        return;
      }
    }
    this.#setBuffer(this.#pos < this.#buf.length ? this.#buf.slice(this.#pos) + chunk : chunk);
    this.#run(false);
  }

  close(): void {
    if (this.#failed) throw this.#failed;
    if (this.#closed) return;
    this.#closed = true;
    this.#setBuffer(this.#buf.slice(this.#pos));
    this.#run(true);
    if (this.#pos < this.#buf.length) this.#fail('unexpected end of input inside markup');
    if (this.#depth >= 0) this.#fail(`unexpected end of input: <${this.#names[this.#depth]!.qname}> not closed`);
    if (!this.#sawRoot) this.#fail('empty response: no XML element');
  }

  #setBuffer(buf: string): void {
    this.#consumed += this.#pos;
    if (this.#pending === Pending.Markup) this.#resume -= this.#pos;
    this.#buf = buf;
    this.#pos = 0;
    this.#generation++;
    this.#nextLt = this.#nextAmp = this.#nextCr = this.#nextLf = this.#nextTab = this.#nextCdEnd = -1;
  }

  #fail(message: string): never {
    const err = new XmlSyntaxError(`${message} (at character ${this.#consumed + this.#pos})`);
    this.#failed = err;
    throw err;
  }

  // --- the main loop ----------------------------------------------------------------------------

  #run(final: boolean): void {
    try {
      this.#loop(final);
      // A run never spans two inputs: its text is kept from the one it was read in.
      if (this.#recorder.key !== undefined) this.#recorder.finish(this.#buf, this.#pos, this.#runs);
    } catch (err) {
      this.#recorder.key = undefined;
      // A sink's own error (a handler refusing the document) passes through unchanged.
      if (!this.#failed) this.#failed = err instanceof XmlSyntaxError ? err : undefined;
      throw err;
    }
  }

  #loop(final: boolean): void {
    const buf = this.#buf;
    const len = buf.length;
    if (this.#consumed === 0 && this.#pos === 0 && buf.charCodeAt(0) === 0xfeff) {
      this.#bom = true;
      this.#pos = 1;
    }
    // A markup search resumes where the last one stopped; nothing else carries over.
    if (this.#pending !== Pending.Markup) this.#resume = 0;
    this.#pending = Pending.None;
    const recorder = this.#recorder;
    while (this.#pos < len) {
      const pos = this.#pos;
      if (buf.charCodeAt(pos) !== 60 /* < */) {
        if (recorder.key !== undefined) recorder.finish(buf, pos, this.#runs);
        if (this.#nextLt < pos) this.#nextLt = this.#find('<', pos);
        const lt = this.#nextLt;
        if (lt === len) {
          this.#partialText(buf, pos, len, final);
          return;
        }
        this.#text(buf, pos, lt);
        this.#pos = lt;
        continue;
      }
      if (pos + 1 >= len) {
        if (final) this.#fail('unexpected end of input after <');
        this.#pending = Pending.Tag;
        return;
      }
      const c1 = buf.charCodeAt(pos + 1);
      let done: boolean;
      if (c1 === 33 /* ! */ || c1 === 63 /* ? */) {
        if (recorder.key !== undefined) recorder.finish(buf, pos, this.#runs);
        done = c1 === 33 ? this.#bang(buf, pos, final) : this.#pi(buf, pos);
      } else {
        if (recorder.key === undefined && this.#depth > 0) {
          const key = this.#names[this.#depth]!;
          const runs = key.runs;
          if (runs !== undefined && this.#replay(runs, buf, pos)) continue;
          recorder.begin(key, this.#names[this.#depth - 1]!, this.#previous, pos, this.#bindingsGeneration);
        }
        done = c1 === 47 ? this.#endTag(buf, pos) : this.#startTag(buf, pos);
      }
      if (!done) {
        if (final) this.#fail('unexpected end of input inside markup');
        if (this.#pending === Pending.None) this.#pending = Pending.Tag;
        if (this.#pending === Pending.Tag && len - pos > this.#maxTagChars) this.#fail(`a tag longer than ${this.#maxTagChars} characters`);
        return;
      }
    }
  }

  // --- character data ---------------------------------------------------------------------------

  /** Character data in [start, end): checked always, reported while `keepText`. */
  #text(buf: string, start: number, end: number): void {
    if (this.#depth < 0) {
      for (let i = start; i < end; i++) if (!isSpace(buf.charCodeAt(i))) this.#fail('text outside the root element');
      return;
    }
    if (this.#nextCdEnd < start) this.#nextCdEnd = this.#find(']]>', start);
    if (this.#nextCdEnd + 2 < end) {
      this.#pos = this.#nextCdEnd;
      this.#fail('"]]>" in character data');
    }
    if (this.#nextAmp < start) this.#nextAmp = this.#find('&', start);
    const amp = this.#nextAmp < end;
    if (!amp && !this.keepText) return;
    if (this.#nextCr < start) this.#nextCr = this.#find('\r', start);
    const cr = this.#nextCr < end;
    const text = amp ? this.#expand(buf, start, end, cr, true, false) : cr ? buf.slice(start, end).replace(CRLF, '\n') : buf.slice(start, end);
    if (this.keepText) this.#sink.text(text);
  }

  #find(what: string, from: number): number {
    const i = this.#buf.indexOf(what, from);
    return i < 0 ? this.#buf.length : i;
  }

  /** Character data running to the end of the input: report what cannot change, keep the rest. */
  #partialText(buf: string, start: number, len: number, final: boolean): void {
    let end = len;
    if (!final && this.#depth >= 0) {
      // Hold back what the next chunk could still change: a cut entity reference, a CR (CRLF),
      // a `]` or `]]` (the start of a forbidden `]]>`).
      let amp = -1;
      for (let k = len - 1; k >= start && k >= len - MAX_ENTITY - 1; k--) {
        const c = buf.charCodeAt(k);
        if (c === 59 /* ; */) break;
        if (c === 38 /* & */) {
          amp = k;
          break;
        }
      }
      if (amp >= 0) {
        if (len - amp > MAX_ENTITY) {
          this.#pos = amp;
          this.#fail('an entity reference without ";"');
        }
        end = amp;
      }
      while (end > start && (buf.charCodeAt(end - 1) === 13 || buf.charCodeAt(end - 1) === 93) && len - end < 3) end--;
    }
    if (end > start) this.#text(buf, start, end);
    this.#pos = end;
    if (end < len) this.#pending = Pending.Text;
  }

  /** Expands references in [start, end) (see expandReferences); a bad one fails the document. */
  #expand(buf: string, start: number, end: number, cr: boolean, hasAmp: boolean, attr: boolean): string {
    try {
      return expandReferences(buf, start, end, cr, hasAmp, attr);
    } catch (err) {
      if (!(err instanceof BadReference)) throw err;
      this.#pos = err.at;
      this.#fail(err.message);
    }
  }

  // --- markup -----------------------------------------------------------------------------------

  /** `<!…`: comment, CDATA, or a refused DOCTYPE. False when incomplete. */
  #bang(buf: string, pos: number, final: boolean): boolean {
    const len = buf.length;
    if (buf.startsWith('<!--', pos)) {
      const from = Math.max(pos + 4, this.#pending === Pending.Markup ? this.#resume - 2 : 0);
      const dd = buf.indexOf('--', from);
      if (dd < 0 || dd + 2 >= len) return this.#waitMarkup(len - 2);
      if (buf.charCodeAt(dd + 2) !== 62 /* > */) {
        this.#pos = dd;
        this.#fail('"--" inside a comment');
      }
      this.#pos = dd + 3;
      this.#resume = 0;
      return true;
    }
    if (buf.startsWith('<![CDATA[', pos)) {
      if (this.#depth < 0) this.#fail('CDATA outside the root element');
      const from = Math.max(pos + 9, this.#pending === Pending.Markup ? this.#resume - 2 : 0);
      const end = buf.indexOf(']]>', from);
      if (end < 0) return this.#waitMarkup(len - 2);
      if (this.keepText) {
        const raw = buf.slice(pos + 9, end);
        this.#sink.text(raw.indexOf('\r') >= 0 ? raw.replace(CRLF, '\n') : raw);
      }
      this.#pos = end + 3;
      this.#resume = 0;
      return true;
    }
    const probe = buf.slice(pos, pos + 9);
    if (probe === '<!DOCTYPE') this.#fail('a DOCTYPE is not accepted in an EWS response');
    // Could the rest still become one of the three once more input arrives?
    if (!final && probe.length < 9 && ['<!--', '<![CDATA[', '<!DOCTYPE'].some((s) => s.startsWith(probe))) return false;
    this.#fail('markup declarations are not accepted (only comments and CDATA)');
  }

  #waitMarkup(resume: number): false {
    this.#pending = Pending.Markup;
    this.#resume = resume;
    return false;
  }

  /** `<?target …?>`: skipped; `<?xml …?>` only at the very start. False when incomplete. */
  #pi(buf: string, pos: number): boolean {
    let i = pos + 2;
    const len = buf.length;
    i = this.#name(buf, i);
    if (i < 0) return false;
    if (i === pos + 2) this.#fail('a processing instruction without a target');
    const target = buf.slice(pos + 2, i);
    if (target.length === 3 && target.toLowerCase() === 'xml' && this.#consumed + pos !== (this.#bom ? 1 : 0)) {
      this.#fail('an XML declaration not at the start of the document');
    }
    if (target.indexOf(':') >= 0) this.#fail('a processing instruction target with ":"');
    const from = Math.max(i, this.#pending === Pending.Markup ? this.#resume - 1 : 0);
    const end = buf.indexOf('?>', from);
    if (end < 0) return this.#waitMarkup(len - 1);
    if (end > i && !isSpace(buf.charCodeAt(i))) this.#fail('a processing instruction target not followed by a space');
    this.#pos = end + 2;
    this.#resume = 0;
    return true;
  }

  /** Index after a Name starting at `i`; `i` itself when none starts there; -1 when the input ends in it. */
  #name(buf: string, i: number): number {
    const len = buf.length;
    if (i >= len) return -1;
    let c = buf.charCodeAt(i);
    if (c < 128 ? (ASCII[c]! & NAME_START) === 0 : !nonAsciiNameStart(c)) return i;
    for (i++; i < len; i++) {
      c = buf.charCodeAt(i);
      if (c < 128 ? (ASCII[c]! & NAME_CHAR) === 0 : !nonAsciiNameChar(c)) return i;
    }
    return -1;
  }

  /** `</qname>`: must close the innermost open element. False when incomplete. */
  #endTag(buf: string, pos: number): boolean {
    if (this.#depth < 0) this.#fail('an end tag outside the root element');
    const qname = this.#names[this.#depth]!.qname;
    const from = pos + 2;
    let gt = from + qname.length;
    // The usual case, `</qname>`, without searching for the `>`.
    if (gt >= buf.length || buf.charCodeAt(gt) !== 62 /* > */ || buf.slice(from, gt) !== qname) {
      gt = buf.indexOf('>', from);
      if (gt < 0) {
        if (buf.length - from > qname.length && !buf.startsWith(qname, from)) this.#mismatch(buf, pos, buf.length, qname);
        return false;
      }
      let ok = buf.startsWith(qname, from);
      for (let i = from + qname.length; ok && i < gt; i++) if (!isSpace(buf.charCodeAt(i))) ok = false;
      if (!ok) this.#mismatch(buf, pos, gt, qname);
    }
    this.#pos = gt + 1;
    const depth = this.#depth;
    const name = this.#names[depth]!;
    const recorder = this.#recorder;
    if (recorder.key !== undefined) {
      // Not the root, nor an element whose namespace declarations end with it (that changes how names read).
      if (depth === 0 || this.#bindingsBefore[depth] !== this.#bindings) recorder.finish(buf, pos, this.#runs);
      else if (!recorder.tag(RunTag.End, name, this.#pos)) recorder.finish(buf, this.#pos, this.#runs);
    }
    this.#previous = name;
    this.#pop();
    this.#sink.endElement(name.ns, name.local, depth);
    return true;
  }

  /**
   * Reports a run of tags read before (xml-runs.ts) when `input` continues at `pos` with its text,
   * in the state it was read in: the elements it closes are the open ones, the bindings the same,
   * the depth limit as far. False when none of `runs` applies.
   */
  #replay(runs: TagRun[], buf: string, pos: number): boolean {
    const depth0 = this.#depth;
    const parent = this.#names[depth0 - 1];
    const previous = this.#previous;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (run.parent !== parent || run.previous !== previous) continue;
      const n = run.text.length;
      const closes = run.closes;
      if (run.generation !== this.#bindingsGeneration || pos + n > buf.length || depth0 + run.rise >= this.#maxDepth || depth0 - closes.length < 0) continue;
      // (closes[0] is the key, the innermost element.)
      let same = closes.length === 0 || this.#bindingsBefore[depth0 - closes.length + 1] === this.#bindings;
      for (let k = 1; same && k < closes.length; k++) same = this.#names[depth0 - k] === closes[k];
      // (slice and === compare flat memory; the probes avoid most comparisons that would fail.)
      if (!same || buf.charCodeAt(pos + n - 2) !== run.probeEnd || buf.charCodeAt(pos + run.probeAt) !== run.probe || buf.slice(pos, pos + n) !== run.text) continue;
      const sink = this.#sink;
      const kinds = run.kinds;
      const names = run.names;
      const ends = run.ends;
      let at = pos;
      for (let k = 0; k < kinds.length; k++) {
        const end = pos + ends[k]!;
        const name = names[k]!;
        const kind = kinds[k]!;
        if (kind === RunTag.End) {
          const depth = this.#depth;
          this.#pos = end;
          this.#pop();
          sink.endElement(name.ns, name.local, depth);
        } else {
          const depth = this.#depth + 1;
          this.#depth = depth;
          this.#names[depth] = name;
          this.#bindingsBefore[depth] = this.#bindings;
          this.#tagStart = at;
          this.#pos = end;
          this.#canSkip = kind === RunTag.Start;
          sink.startElement(name.ns, name.local, EMPTY_ATTRS, depth);
          this.#canSkip = false;
          if (kind === RunTag.Empty) {
            this.#pop();
            sink.endElement(name.ns, name.local, depth);
          } else if (this.#pos !== end) {
            return true; // the sink skipped the element: what follows is no longer the run
          }
        }
        at = end;
      }
      this.#previous = names[names.length - 1];
      if (r > 0) moveToFront(runs, r);
      return true;
    }
    return false;
  }

  #mismatch(buf: string, pos: number, end: number, qname: string): never {
    this.#pos = pos;
    this.#fail(`end tag </${buf.slice(pos + 2, Math.min(end, pos + 66)).trim()}> does not match <${qname}>`);
  }

  /** Closes the innermost element's scope (no event). */
  #pop(): void {
    const depth = this.#depth--;
    const before = this.#bindingsBefore[depth]!;
    if (before !== this.#bindings) {
      this.#bindings = before;
      this.#prefixes.length = before;
      this.#uris.length = before;
      this.#bindingsGeneration++;
      this.#scopeKey = undefined;
    }
  }

  /**
   * Where a name starting at `i` ends (at a space, `>`, `/` or `=`; -1 when the input ends first)
   * and its hash, in `#hash`. What it contains is checked when the name is first resolved.
   */
  #scanName(buf: string, i: number): number {
    const len = buf.length;
    let h = 0;
    for (; i < len; i++) {
      const c = buf.charCodeAt(i);
      if (c <= 32 || c === 62 /* > */ || c === 47 /* / */ || c === 61 /* = */) {
        this.#hash = h;
        return i;
      }
      // Kept to 30 bits: a small integer for V8 wherever it is stored (no heap numbers).
      h = (Math.imul(h, 31) + c) & 0x3fffffff;
    }
    return -1;
  }

  #hash = 0;

  /** `<qname attr="v" …>` or `<qname …/>`. False when incomplete. */
  #startTag(buf: string, pos: number): boolean {
    const len = buf.length;
    const nameEnd = this.#scanName(buf, pos + 1);
    if (nameEnd < 0) return false;
    const nameHash = this.#hash;
    const starts = this.#attrStarts;
    const ends = this.#attrEnds;
    const hashes = this.#attrHashes;
    const values = this.#attrValues;
    let count = 0;
    let declares = false;
    let i = nameEnd;
    let selfClosing = false;
    for (;;) {
      if (i >= len) return false;
      let c = buf.charCodeAt(i);
      const spaced = isSpace(c);
      while (isSpace(c)) {
        if (++i >= len) return false;
        c = buf.charCodeAt(i);
      }
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (i + 1 >= len) return false;
        if (buf.charCodeAt(i + 1) !== 62) {
          this.#pos = i;
          this.#fail('"/" not followed by ">" in a tag');
        }
        selfClosing = true;
        i += 2;
        break;
      }
      // An attribute: name, optional spaces, '=', optional spaces, a quoted value.
      const an = i;
      i = this.#scanName(buf, i);
      if (i < 0) return false;
      if (i === an || !spaced) {
        this.#pos = an;
        this.#fail(i === an ? 'a character not allowed in a tag' : 'attributes not separated by a space');
      }
      const ae = i;
      c = buf.charCodeAt(i);
      while (isSpace(c)) {
        if (++i >= len) return false;
        c = buf.charCodeAt(i);
      }
      if (c !== 61 /* = */) {
        this.#pos = i;
        this.#fail(`attribute ${buf.slice(an, Math.min(ae, an + 64))} without a value`);
      }
      if (++i >= len) return false;
      c = buf.charCodeAt(i);
      while (isSpace(c)) {
        if (++i >= len) return false;
        c = buf.charCodeAt(i);
      }
      if (c !== 34 /* " */ && c !== 39 /* ' */) {
        this.#pos = i;
        this.#fail(`attribute ${buf.slice(an, Math.min(ae, an + 64))}: value not quoted`);
      }
      const vs = i + 1;
      const ve = buf.indexOf(c === 34 ? '"' : "'", vs);
      if (ve < 0) return false;
      // (`<` inside a value is caught once the tag is complete: no `<` may precede its end.)
      if (this.#nextAmp < vs) this.#nextAmp = this.#find('&', vs);
      const amp = this.#nextAmp < ve;
      if (this.#nextLf < vs) this.#nextLf = this.#find('\n', vs);
      if (this.#nextCr < vs) this.#nextCr = this.#find('\r', vs);
      if (this.#nextTab < vs) this.#nextTab = this.#find('\t', vs);
      const special = amp || this.#nextLf < ve || this.#nextCr < ve || this.#nextTab < ve;
      starts[count] = an;
      ends[count] = ae;
      hashes[count] = this.#hash;
      values[count] = special ? this.#expand(buf, vs, ve, false, amp, true) : buf.slice(vs, ve);
      count++;
      // xmlns or xmlns:…
      // (The first character before startsWith: a call per attribute was measurable.)
      if (ae - an >= 5 && buf.charCodeAt(an) === 120 /* x */ && buf.startsWith('xmlns', an) && (ae - an === 5 || buf.charCodeAt(an + 5) === 58)) declares = true;
      i = ve + 1;
    }

    // The tag is complete: from here on errors are the document's, not a cut.
    if (this.#nextLt <= pos) this.#nextLt = this.#find('<', pos + 1);
    if (this.#nextLt < i) {
      this.#pos = this.#nextLt;
      this.#fail('"<" inside a tag');
    }
    const depth = this.#depth + 1;
    if (depth >= this.#maxDepth) this.#fail(`XML nested deeper than ${this.#maxDepth} levels`);
    if (depth === 0 && this.#sawRoot) this.#fail('a second root element');
    const before = this.#bindings;
    if (declares) {
      for (let k = 0; k < count; k++) {
        const n = ends[k]! - starts[k]!;
        if (n >= 5 && buf.startsWith('xmlns', starts[k]!) && (n === 5 || buf.charCodeAt(starts[k]! + 5) === 58)) {
          this.#bind(n === 5 ? '' : buf.slice(starts[k]! + 6, ends[k]), values[k]!);
        }
      }
    }
    const generation = this.#bindingsGeneration;
    const name =
      this.#elementNames.find(buf, pos + 1, nameEnd, nameHash, generation) ?? this.#resolve(this.#elementNames, buf, pos + 1, nameEnd, nameHash, false);
    let attrs = EMPTY_ATTRS;
    if (count > 0) {
      const names = this.#attrNames;
      let out: Record<string, string> | undefined;
      for (let k = 0; k < count; k++) {
        const an = this.#attributeNames.find(buf, starts[k]!, ends[k]!, hashes[k]!, generation) ?? this.#resolve(this.#attributeNames, buf, starts[k]!, ends[k]!, hashes[k]!, true);
        for (let j = 0; j < k; j++) {
          const other = names[j]!;
          // The same name, or two prefixes for one namespace with the same local name.
          if (other === an || (an.ns !== '' && !an.declares && other.ns === an.ns && other.local === an.local)) {
            this.#pos = starts[k]!;
            this.#fail(`attribute ${an.qname.slice(0, 64)} given twice`);
          }
        }
        names[k] = an;
        // Unprefixed attributes are in no namespace; prefixed ones must be bound, and are kept by local name.
        if (!an.declares) (out ??= {})[an.local] = values[k]!;
      }
      if (out) attrs = out;
    }
    const recorder = this.#recorder;
    if (recorder.key !== undefined) {
      // Only tags without attributes (values vary: the same text rarely comes again) and not the root.
      if (count > 0 || depth === 0) recorder.finish(buf, pos, this.#runs);
      else if (!recorder.tag(selfClosing ? RunTag.Empty : RunTag.Start, name, i)) recorder.finish(buf, i, this.#runs);
    }
    this.#previous = name;
    this.#depth = depth;
    this.#sawRoot = true;
    this.#names[depth] = name;
    this.#bindingsBefore[depth] = before;
    this.#tagStart = pos;
    this.#pos = i;
    this.#canSkip = !selfClosing;
    this.#sink.startElement(name.ns, name.local, attrs, depth);
    this.#canSkip = false;
    if (selfClosing) {
      this.#pop();
      this.#sink.endElement(name.ns, name.local, depth);
    }
    return true;
  }

  #bind(prefix: string, uri: string): void {
    if (prefix === 'xmlns') this.#fail('the xmlns prefix cannot be declared');
    if (prefix === 'xml' ? uri !== XML_NS : uri === XML_NS || uri === XMLNS_NS) this.#fail(`namespace ${uri} bound to prefix "${prefix}"`);
    if (prefix !== '' && uri === '') this.#fail(`prefix ${prefix} bound to an empty namespace`);
    this.#prefixes[this.#bindings] = prefix;
    this.#uris[this.#bindings] = intern(uri);
    this.#bindings++;
    this.#bindingsGeneration++;
    this.#scopeKey = undefined;
  }

  /**
   * Checks and resolves the name in [start, end) under the bindings in scope, and remembers it in
   * `table`. Attributes without a prefix are in no namespace (never the default one).
   */
  #resolve(table: NameTable, buf: string, start: number, end: number, hash: number, attr: boolean): QName {
    this.#pos = start;
    if (end === start || this.#name(buf, start) !== end) this.#fail(`"${buf.slice(start, Math.min(end, start + 64))}" is not a name`);
    const qname = intern(buf.slice(start, end));
    const colon = qname.indexOf(':');
    if (colon === 0 || colon === qname.length - 1 || (colon > 0 && qname.indexOf(':', colon + 1) >= 0)) {
      this.#fail(`"${qname.slice(0, 64)}" is not a qualified name`);
    }
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const declares = attr && (prefix === 'xmlns' || qname === 'xmlns');
    let ns = '';
    if (declares) ns = XMLNS_NS;
    else if (!attr || prefix !== '') {
      let bound = false;
      for (let k = this.#bindings - 1; k >= 0; k--) {
        if (this.#prefixes[k] === prefix) {
          ns = this.#uris[k]!;
          bound = true;
          break;
        }
      }
      if (!bound && prefix !== '') this.#fail(`namespace prefix ${prefix.slice(0, 64)} is not declared`);
    }
    const name: QName = { qname, ns, local: colon < 0 ? qname : intern(qname.slice(colon + 1)), declares, hash, generation: this.#bindingsGeneration, runs: undefined };
    table.add(name);
    return name;
  }
}
